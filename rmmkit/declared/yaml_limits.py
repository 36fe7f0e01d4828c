"""Limits that keep hostile YAML cheap: nesting depth and alias expansion, checked while composing.

Why: YAML from git, a CI job or a plugin must never stall the nightly runner.
Aliases can make a few hundred bytes expand to billions of nodes ("billion
laughs"), and deep nesting overflows libyaml's recursive C composer (a
segfault near 100,000 nested ``[``) or Python's stack.  Both are refused
while the document is composed, before anything is built, with the mark of
the offending node.  Every YAML reader of rmmkit goes through
:func:`compose_limited` (docs/schema.md lists the limits).
"""

from __future__ import annotations

import codecs
import itertools
from collections.abc import Callable
from typing import Any

import yaml

from rmmkit.errors import Location, YamlSyntaxError

MAX_DEPTH = 100
"""At most this many lists/mappings may enclose a value (aliases followed)."""
ALIAS_FLOOR = 100_000
ALIAS_RATIO = 10
"""Aliases followed, a document may hold max(ALIAS_FLOOR, ALIAS_RATIO x the nodes written)."""


def _where(filename: str, node: yaml.Node) -> Location:
    return Location(filename, node.start_mark.line + 1, node.start_mark.column + 1)


class _DepthGuard:
    """Counts written nodes and refuses nesting past :data:`MAX_DEPTH` as the composer descends.

    Why these two hooks: libyaml's composer (CSafeLoader) is C that recurses once
    per level and segfaults near 100,000 nested ``[``; the only Python it calls
    for every node is ``descend_resolver``/``ascend_resolver``, so counting there
    stops it at depth 101 and costs nothing the stock no-op hooks did not.
    """

    __slots__ = ("depth", "filename", "nodes")

    def __init__(self, filename: str) -> None:
        self.filename = filename
        self.depth = 0  # nodes being composed: the node entered now is enclosed by depth - 1
        self.nodes = 0

    def descend(self, parent: yaml.Node | None, index: Any) -> None:
        self.nodes += 1
        self.depth += 1
        if self.depth > MAX_DEPTH + 1 and parent is not None:
            raise _too_deep(self.filename, parent)

    def ascend(self) -> None:
        self.depth -= 1


def _too_deep(filename: str, node: yaml.Node, how: str = "") -> YamlSyntaxError:
    return YamlSyntaxError(
        f"nested deeper than {MAX_DEPTH} levels{how}",
        location=_where(filename, node),
        expected=f"at most {MAX_DEPTH} lists/mappings inside each other",
    )


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.MappingNode):
        return [part for pair in node.value for part in pair]
    return node.value if isinstance(node, yaml.SequenceNode) else []


def _check_expansion(root: yaml.Node, filename: str, written: int) -> None:
    """Walk the document as a consumer will (aliases followed): bounded size and depth.

    Costs at most the allowed size; only run when the text has ``&`` and ``*``.
    """
    limit = max(ALIAS_FLOOR, ALIAS_RATIO * written)
    visited = 0
    path: list[yaml.Node] = []
    stack: list[tuple[yaml.Node, int]] = [(root, 0)]  # node, collections enclosing it
    while stack:
        node, depth = stack.pop()
        visited += 1
        if visited > limit:
            raise _blame_aliases(root, filename, limit)
        del path[depth:]
        path.append(node)
        children = _children(node)
        if not children:
            continue
        if depth + 1 > MAX_DEPTH:
            raise _blame_depth(path, filename)
        stack.extend((child, depth + 1) for child in reversed(children))


def _blame_depth(path: list[yaml.Node], filename: str) -> YamlSyntaxError:
    """Too deep only through aliases: point at the self-reference or the node holding the alias."""
    seen: set[int] = set()
    for node in path:
        if id(node) in seen:
            return YamlSyntaxError(
                "this node contains an alias to itself",
                location=_where(filename, node),
                expected="aliases to earlier, finished nodes",
            )
        seen.add(id(node))
    for parent, child in itertools.pairwise(path):
        if child.start_mark.index < parent.start_mark.index:  # an alias goes back in the file
            return _too_deep(filename, parent, " through aliases")
    return _too_deep(filename, path[-1], " through aliases")


def _blame_aliases(root: yaml.Node, filename: str, limit: int) -> YamlSyntaxError:
    """The anchored node whose repetitions add the most nodes (sizes computed once per node)."""
    size: dict[int, int] = {}
    refs: dict[int, int] = {}
    nodes: dict[int, yaml.Node] = {}
    open_: set[int] = set()
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    while stack:
        node, done = stack.pop()
        key = id(node)
        if done:
            open_.discard(key)
            size[key] = 1 + sum(size[id(child)] for child in _children(node))
            continue
        if key in size:
            continue
        if key in open_:
            return _blame_depth([node, node], filename)
        open_.add(key)
        nodes[key] = node
        stack.append((node, True))
        for child in _children(node):
            refs[id(child)] = refs.get(id(child), 0) + 1
            stack.append((child, False))
    worst = max(nodes, key=lambda k: ((refs.get(k, 1) - 1) * size[k], -nodes[k].start_mark.index))
    return YamlSyntaxError(
        f"aliases expand this document past {limit:,} nodes: the node anchored here "
        f"appears {refs.get(worst, 1):,} times, {size[worst]:,} nodes each",
        location=_where(filename, nodes[worst]),
        expected=f"at most {limit:,} nodes with aliases followed",
    )


def compose_limited(loader: Any, source: str | bytes, filename: str) -> yaml.Node | None:
    """``loader.get_single_node()`` under the depth and alias limits (any PyYAML loader)."""
    guard = _DepthGuard(filename)
    if not loader.yaml_path_resolvers:  # the stock hooks do nothing then: replace them
        loader.descend_resolver, loader.ascend_resolver = guard.descend, guard.ascend
    else:
        loader.descend_resolver = _chain(guard.descend, loader.descend_resolver)
        loader.ascend_resolver = _chain(guard.ascend, loader.ascend_resolver)
    node: yaml.Node | None = loader.get_single_node()
    if node is not None and _may_repeat(source):
        _check_expansion(node, filename, guard.nodes)
    return node


def _chain(first: Callable[..., None], then: Callable[..., None]) -> Callable[..., None]:
    def both(*args: Any) -> None:
        first(*args)
        then(*args)

    return both


def _may_repeat(source: str | bytes) -> bool:
    """Without an ``&`` (anchor) and a ``*`` (alias) nothing can repeat: skip the walk."""
    if isinstance(source, bytes):
        return b"&" in source and b"*" in source
    return "&" in source and "*" in source


def load_limited(text: str, loader_class: type[Any], filename: str) -> Any:
    """``yaml.load(text, Loader=loader_class)`` under the limits; YAML errors are left raw."""
    loader = loader_class(text)
    try:
        node = compose_limited(loader, text, filename)
        return None if node is None else loader.construct_document(node)
    finally:
        loader.dispose()


def decode_yaml(data: bytes, filename: str, expected: str = "a UTF-8 YAML file") -> str:
    """UTF-8 bytes → text; otherwise one line pointing at the first bad byte (file:line:column)."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        before = data[: exc.start].decode("utf-8")
        line = before.count("\n") + 1
        column = len(before) - before.rfind("\n")
        bom = data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE))
        raise YamlSyntaxError(
            f"not UTF-8: byte 0x{data[exc.start]:02X}"
            + (" (a UTF-16 byte-order mark)" if bom and exc.start == 0 else ""),
            location=Location(filename, line, column),
            expected=expected,
        ) from None


def unprintable(source: str | bytes, filename: str) -> YamlSyntaxError:
    """The first character YAML forbids (NUL, other controls), located."""
    text = source.decode("utf-8", "replace") if isinstance(source, bytes) else source
    found = yaml.reader.Reader.NON_PRINTABLE.search(text)
    if found is None:
        return YamlSyntaxError(
            "YAML reader error", location=Location(filename), expected="printable text"
        )
    before = text[: found.start()]
    line, column = before.count("\n") + 1, found.start() - before.rfind("\n")
    return YamlSyntaxError(
        f"character U+{ord(found.group()):04X} is not allowed in YAML",
        location=Location(filename, line, column),
        expected="printable text (no NUL or other control characters)",
    )
