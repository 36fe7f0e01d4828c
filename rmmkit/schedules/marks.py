"""Read the ``schedule:`` block of a playbook with the line of every key.

Why a reader of our own: ``yaml.safe_load`` turns ``time: 02:00`` into the
integer 120 (YAML 1.1 base-60) and ``date: 2026-03-29`` into a ``date``, and
it forgets lines.  Composing nodes keeps the text exactly as written and the
mark of every node, so an error in a schedule points at file:line.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from rmmkit.errors import Location, YamlSyntaxError

Marks = dict[tuple[Any, ...], Location]


def _plain(node: yaml.Node, file: str, path: tuple[Any, ...], marks: Marks) -> Any:
    """Node → plain Python with every scalar kept as the string that was written."""
    marks[path] = Location(file, node.start_mark.line + 1, node.start_mark.column + 1)
    if isinstance(node, yaml.MappingNode):
        out: dict[str, Any] = {}
        for key_node, value_node in node.value:
            key = str(key_node.value)
            out[key] = _plain(value_node, file, (*path, key), marks)
        return out
    if isinstance(node, yaml.SequenceNode):
        return [_plain(item, file, (*path, i), marks) for i, item in enumerate(node.value)]
    if node.tag.endswith(":null") and node.style is None and node.value in ("", "~", "null"):
        return None
    return node.value


def _top_mapping(root: yaml.Node | None) -> yaml.MappingNode | None:
    """A playbook is a mapping, or (Ansible style) a list whose first item is the play."""
    if isinstance(root, yaml.SequenceNode) and root.value:
        root = root.value[0]
    return root if isinstance(root, yaml.MappingNode) else None


def read_schedule_block(path: str | Path) -> tuple[dict[str, Any] | None, Marks, Location]:
    """The raw ``schedule:`` mapping of a playbook file, its marks, and where it starts.

    Returns ``(None, {}, location-of-file)`` when the playbook declares no schedule.
    """
    file = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except OSError as exc:
        raise YamlSyntaxError(
            f"cannot read playbook: {exc.strerror}", location=Location(file)
        ) from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        where = Location(file, mark.line + 1, mark.column + 1) if mark else Location(file)
        raise YamlSyntaxError(f"invalid YAML: {exc.problem}", location=where) from None
    top = _top_mapping(root)
    if top is None:
        return None, {}, Location(file, 1)
    for key_node, value_node in top.value:
        if key_node.value == "schedule":
            marks: Marks = {}
            data = _plain(value_node, file, (), marks)
            where = Location(file, key_node.start_mark.line + 1, key_node.start_mark.column + 1)
            marks[()] = where
            return data, marks, where
    return None, {}, Location(file, 1)


def name_of_playbook(path: str | Path) -> str:
    """The ``name:`` a playbook declares (for reports), else its file stem."""
    try:
        top = _top_mapping(
            yaml.compose(Path(path).read_text(encoding="utf-8"), Loader=yaml.SafeLoader)
        )
    except (OSError, yaml.YAMLError):
        top = None
    for key_node, value_node in top.value if top else []:
        if key_node.value == "name" and isinstance(value_node, yaml.ScalarNode):
            return str(value_node.value)
    return Path(path).stem
