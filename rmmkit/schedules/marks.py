"""Read the ``schedule:`` block of a playbook with the line of every key.

Why not ``yaml.safe_load``: it turns ``time: 02:00`` into the integer 120
(YAML 1.1 base-60) and ``date: 2026-03-29`` into a ``date``, and it forgets
lines.  The declared-state reader (:mod:`rmmkit.yamlmarks`) keeps times and
dates as written and remembers every node's mark, so a schedule is read
exactly as ``rmmkit validate`` reads it and an error points at file:line.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from rmmkit.builders import plain
from rmmkit.errors import Location, YamlSyntaxError
from rmmkit.yamlmarks import MarkedDict, load_yaml, locations

Marks = dict[tuple[Any, ...], Location]


def _top_mapping(root: Any) -> MarkedDict | None:
    """A playbook is a mapping, or (Ansible style) a list whose first item is the play."""
    if isinstance(root, list) and root:
        root = root[0]
    return root if isinstance(root, MarkedDict) else None


def read_schedule_block(path: str | Path) -> tuple[dict[str, Any] | None, Marks, Location]:
    """The raw ``schedule:`` mapping of a playbook file, its marks, and where it starts.

    Returns ``(None, {}, location-of-file)`` when the playbook declares no schedule.
    """
    file = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise YamlSyntaxError(
            f"cannot read playbook: {exc.strerror}", location=Location(file)
        ) from None
    top = _top_mapping(load_yaml(text, file))
    if top is None or "schedule" not in top:
        return None, {}, Location(file, 1)
    block = top["schedule"]
    marks = locations(block, file, top.value_marks["schedule"])
    where = Location(file, *top.key_marks["schedule"])
    marks[()] = where  # errors about the block as a whole point at its key
    return plain(block), marks, where
