"""Read the ``schedule:`` block of a playbook with the line of every key.

Why not ``yaml.safe_load``: it turns ``time: 02:00`` into the integer 120
(YAML 1.1 base-60) and ``date: 2026-03-29`` into a ``date``, and it forgets
lines.  The declared-state reader (:mod:`rmmkit.declared.marked_yaml`) keeps times and
dates as written and remembers every node's mark, so a schedule is read
exactly as ``rmmkit validate`` reads it and an error points at file:line.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from rmmkit.declared.build import plain
from rmmkit.declared.marked_yaml import MarkedDict, load_yaml, locations
from rmmkit.declared.yaml_limits import decode_yaml
from rmmkit.errors import Location, YamlSyntaxError

Marks = dict[tuple[Any, ...], Location]


def _top_mapping(root: Any) -> MarkedDict | None:
    """A playbook is a mapping, or (Ansible style) a list whose first item is the play."""
    if isinstance(root, list) and root:
        root = root[0]
    return root if isinstance(root, MarkedDict) else None


def schedule_block(root: Any, file: str) -> tuple[dict[str, Any] | None, Marks, Location]:
    """The raw ``schedule:`` mapping of a parsed playbook, its marks, and where it starts.

    Returns ``(None, {}, location-of-file)`` when the playbook declares no schedule.
    """
    top = _top_mapping(root)
    if top is None or "schedule" not in top:
        return None, {}, Location(file, 1)
    block = top["schedule"]
    marks = locations(block, file, top.value_marks["schedule"])
    where = Location(file, *top.key_marks["schedule"])
    marks[()] = where  # errors about the block as a whole point at its key
    return plain(block), marks, where


def read_schedule_block(path: str | Path) -> tuple[dict[str, Any] | None, Marks, Location]:
    """:func:`schedule_block` of the playbook file at ``path``."""
    file = str(path)
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise YamlSyntaxError(
            f"cannot read playbook: {exc.strerror}", location=Location(file)
        ) from None
    return schedule_block(load_yaml(decode_yaml(data, file), file), file)
