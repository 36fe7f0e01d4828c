"""Safe YAML that remembers where every key and value came from.

Why: a schema or reference error is only useful with ``file:line:column`` of
the offending node.  The loader builds plain ``dict``/``list`` subclasses that
carry the marks, so jsonschema and the model builders see ordinary data while
:func:`locate` can still map any JSON path back to the file.  Hostile files
(alias bombs, deep nesting) are refused while composing: :mod:`.yaml_limits`.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

import yaml

from rmmkit.declared.yaml_limits import compose_limited, unprintable
from rmmkit.errors import DuplicateName, Location, YamlSyntaxError

Mark = tuple[int, int]  # 1-based line, column


class MarkedDict(dict):  # type: ignore[type-arg]
    """A mapping plus the marks of its start, each key and each value."""

    start: Mark = (0, 0)
    key_marks: dict[Any, Mark]
    value_marks: dict[Any, Mark]


class MarkedList(list):  # type: ignore[type-arg]
    """A sequence plus the marks of its start and each item."""

    start: Mark = (0, 0)
    item_marks: list[Mark]


def _mark(node: yaml.Node) -> Mark:
    return node.start_mark.line + 1, node.start_mark.column + 1


def _where(filename: str, node: yaml.Node) -> Location:
    return Location(filename, *_mark(node))


# libyaml's parser when PyYAML was built with it (10x faster on big inventories); same marks.
_BaseLoader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class MarkedLoader(_BaseLoader):  # type: ignore[misc, valid-type]
    """SafeLoader that records marks, rejects duplicate keys and keeps dates as text."""

    def __init__(self, stream: Any, filename: str) -> None:
        super().__init__(stream)
        self.filename = filename
        self.merged_pairs: dict[int, int] = {}  # id(mapping node) → pairs that came from `<<`

    def flatten_mapping(self, node: yaml.MappingNode) -> None:
        own = node.value
        super().flatten_mapping(node)  # drops the `<<` pairs from `own`, puts merged ones first
        if node.value is not own:
            self.merged_pairs[id(node)] = len(node.value) - len(own)

    def construct_marked_mapping(self, node: yaml.MappingNode) -> MarkedDict:
        self.flatten_mapping(node)
        out = MarkedDict()
        out.start = _mark(node)
        out.key_marks, out.value_marks = {}, {}
        merged = self.merged_pairs.get(id(node), 0)
        for key_node, value_node in node.value[:merged]:  # from `<<`: what is written here wins
            self._put(out, self._key(key_node), key_node, value_node)
        written: dict[Any, Any] | set[Any] = set() if merged else out
        for key_node, value_node in node.value[merged:] if merged else node.value:
            key = self._key(key_node)
            if key in written:
                first = out.key_marks[key][0]
                raise DuplicateName(
                    f"duplicate key {key!r} (first at line {first})",
                    location=_where(self.filename, key_node),
                    expected="each key once per mapping",
                )
            if merged:
                written.add(key)  # type: ignore[union-attr]
            out[key] = self.construct_object(value_node, deep=True)
            out.key_marks[key] = _mark(key_node)
            out.value_marks[key] = _mark(value_node)
        return out

    def _key(self, key_node: yaml.Node) -> Any:
        key = self.construct_object(key_node, deep=True)
        if not isinstance(key, str | int | float | bool) and key is not None:
            raise YamlSyntaxError(
                "a mapping key must be a plain scalar",
                location=_where(self.filename, key_node),
                expected="a text key",
            )
        return key

    def _put(self, out: MarkedDict, key: Any, key_node: yaml.Node, value_node: yaml.Node) -> None:
        out[key] = self.construct_object(value_node, deep=True)
        out.key_marks[key] = _mark(key_node)
        out.value_marks[key] = _mark(value_node)

    def construct_marked_sequence(self, node: yaml.SequenceNode) -> MarkedList:
        out = MarkedList(self.construct_object(child, deep=True) for child in node.value)
        out.start = _mark(node)
        out.item_marks = [_mark(child) for child in node.value]
        return out


MarkedLoader.add_constructor(
    yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, MarkedLoader.construct_marked_mapping
)
MarkedLoader.add_constructor(
    yaml.resolver.BaseResolver.DEFAULT_SEQUENCE_TAG, MarkedLoader.construct_marked_sequence
)
# Dates stay text: JSON Schema has no date type, and schedules parse them themselves.
MarkedLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}

# YAML 1.1 reads 02:30 as the base-60 integer 150 (and 1:30.5 as a float); a
# schedule means the text "02:30".  Base-60 numbers are gone from YAML 1.2, so
# this resolver, tried before int and float, keeps every such scalar a string.
_SEXAGESIMAL = re.compile(r"^[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?$")
for _first in "+-0123456789":
    MarkedLoader.yaml_implicit_resolvers.setdefault(_first, []).insert(
        0, ("tag:yaml.org,2002:str", _SEXAGESIMAL)
    )

_SAFE_PROBLEM = re.compile(r"[^\x20-\x7e]")


def load_yaml(text: str | bytes, filename: str) -> Any:
    """Parse one YAML document; syntax errors become one-line :class:`YamlSyntaxError`.

    The message is built from the parser's problem and position only, never
    the source snippet: the offending line might hold a secret.  ``text`` may
    be the file's UTF-8 bytes (checked by ``decode_yaml``): libyaml then reads
    them as they are instead of encoding a copy (10 MB less for a 10 MB file).
    """
    loader = MarkedLoader(text, filename)
    try:
        node = compose_limited(loader, text, filename)
        return None if node is None else loader.construct_document(node)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = Location(filename, mark.line + 1, mark.column + 1) if mark else Location(filename)
        problem = " ".join(part for part in (exc.context, exc.problem) if part)
        raise YamlSyntaxError(
            f"YAML syntax error: {_SAFE_PROBLEM.sub('?', problem)}",
            location=where,
            expected="valid YAML",
        ) from None
    except yaml.reader.ReaderError:
        raise unprintable(text, filename) from None
    except yaml.YAMLError as exc:
        raise YamlSyntaxError(
            f"YAML error: {_SAFE_PROBLEM.sub('?', str(exc))}",
            location=Location(filename),
            expected="valid YAML",
        ) from None
    finally:
        loader.dispose()


def locate(root: Any, path: Sequence[Any], *, key: bool = False) -> Mark:
    """The mark of the node at ``path`` (its key's when ``key``), else the deepest known."""
    node, mark = root, getattr(root, "start", (1, 1))
    for index, step in enumerate(path):
        last = index == len(path) - 1
        if isinstance(node, MarkedDict) and step in node:
            mark = node.key_marks[step] if (key and last) else node.value_marks[step]
            node = node[step]
        elif isinstance(node, MarkedList) and isinstance(step, int) and 0 <= step < len(node):
            mark = node.item_marks[step]
            node = node[step]
        else:
            break
    return mark


def locations(
    node: Any, filename: str, start: Mark | None = None
) -> dict[tuple[Any, ...], Location]:
    """``path → Location`` of ``node`` and of everything below it (paths relative to ``node``).

    Why a table: checks that validate a detached block (a playbook's
    ``schedule:``) map each error's path back to file:line without the root.
    """
    out: dict[tuple[Any, ...], Location] = {}

    def walk(item: Any, path: tuple[Any, ...], mark: Mark) -> None:
        out[path] = Location(filename, *mark)
        if isinstance(item, MarkedDict):
            for key, value in item.items():
                walk(value, (*path, key), item.value_marks[key])
        elif isinstance(item, MarkedList):
            for index, value in enumerate(item):
                walk(value, (*path, index), item.item_marks[index])

    walk(node, (), start or getattr(node, "start", None) or (1, 1))
    return out
