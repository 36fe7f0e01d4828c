"""Mutated good files either load or fail with an InputError: never a crash (a traceback).

Besides replacing values, hostile mutations share a node (YAML anchors and
aliases, ``<<`` merges, self-references), nest values deeply or insert an
alias bomb: each must load or be refused on one line, fast.
"""

from __future__ import annotations

import copy
import random
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from rmmkit.declared.loader import load_file
from rmmkit.errors import InputError
from rmmkit.plugin.manager import load_plugins

ROOT = Path(__file__).resolve().parents[2]
FIXTURE = Path(__file__).parent / "fixtures" / "inventory.yml"
VALUES: list[Any] = [
    None,
    0,
    -1,
    1.5,
    True,
    "",
    "x",
    "a-b",
    "hq",
    "hq-fw",
    "{{",
    "{{ nope }}",
    "10.0.0.300",
    "10.10.0.1",
    "10.0.0.1-10.0.0.0",
    "10.10.0.0/8",
    [],
    [1],
    ["x"],
    [{"name": "x"}],
    {},
    {"a": 1},
    {"source": "env"},
    {"source": "x", "key": "y"},
]


def _paths(node: Any, prefix: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    yield prefix
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _paths(value, (*prefix, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _paths(value, (*prefix, index))


def mutate(document: dict[str, Any], rnd: random.Random) -> dict[str, Any]:
    """Replace, delete or append one node somewhere in the document."""
    document = copy.deepcopy(document)
    path = rnd.choice([p for p in _paths(document) if p])
    parent = document
    for step in path[:-1]:
        parent = parent[step]
    roll = rnd.random()
    if roll < 0.2 and isinstance(parent, dict):
        del parent[path[-1]]
    elif roll < 0.3 and isinstance(parent, list):
        parent.append(rnd.choice(VALUES))
    else:
        parent[path[-1]] = rnd.choice(VALUES)
    return document


@pytest.mark.parametrize("source", [FIXTURE, ROOT / "playbooks" / "example.yml"], ids=["inv", "pb"])
def test_mutations_never_crash(source: Path, tmp_path: Path) -> None:
    plugins = load_plugins(entry_points=False)
    base = yaml.safe_load(source.read_text())
    if "inventory" in base:
        base["inventory"] = str(FIXTURE)
    rnd = random.Random(20261122)
    outcomes = {"loaded": 0, "refused": 0}
    for _ in range(150):
        document = mutate(base, rnd)
        if rnd.random() < 0.3:
            document = mutate(document, rnd)
        path = tmp_path / "mutated.yml"
        path.write_text(yaml.safe_dump(document))
        try:
            load_file(path, plugins)
            outcomes["loaded"] += 1
        except InputError as exc:
            assert str(exc).startswith(str(path)), exc  # every refusal names the file
            assert "\n" not in str(exc)
            outcomes["refused"] += 1
    assert outcomes["loaded"] and outcomes["refused"]  # the mutations exercise both paths


def _containers(document: dict[str, Any]) -> list[tuple[Any, ...]]:
    return [p for p in _paths(document) if p and isinstance(_at(document, p), dict | list)]


def _at(document: Any, path: tuple[Any, ...]) -> Any:
    for step in path:
        document = document[step]
    return document


def _put(document: dict[str, Any], path: tuple[Any, ...], value: Any) -> None:
    _at(document, path[:-1])[path[-1]] = value


def _bomb(levels: int) -> list[Any]:
    node: list[Any] = ["lol"] * 9
    for _ in range(levels):
        node = [node] * 9  # the same list nine times: one anchor, nine aliases
    return node


def hostile(document: dict[str, Any], rnd: random.Random) -> dict[str, Any]:
    """One hostile change; the YAML dumper writes shared objects as ``&id`` / ``*id``."""
    document = copy.deepcopy(document)
    paths = [p for p in _paths(document) if p]
    target = rnd.choice(paths)
    roll = rnd.random()
    if roll < 0.3:  # an alias to another container (sometimes to an ancestor: a cycle)
        _put(document, target, _at(document, rnd.choice(_containers(document))))
    elif roll < 0.5:  # a merge key pointing at another mapping
        mappings = [p for p in _containers(document) if isinstance(_at(document, p), dict)]
        parent = _at(document, target[:-1])
        if isinstance(parent, dict) and mappings:
            parent["<<"] = _at(document, rnd.choice(mappings))
    elif roll < 0.8:  # deep nesting, around the limit of 100
        value: Any = rnd.choice(VALUES)
        for _ in range(rnd.randint(1, 130)):
            value = [value] if rnd.random() < 0.5 else {"k": value}
        _put(document, target, value)
    else:
        _put(document, target, _bomb(rnd.randint(2, 8)))
    return document


@pytest.mark.parametrize("source", [FIXTURE, ROOT / "playbooks" / "example.yml"], ids=["inv", "pb"])
def test_hostile_mutations_never_crash_nor_stall(source: Path, tmp_path: Path) -> None:
    plugins = load_plugins(entry_points=False)
    base = yaml.safe_load(source.read_text())
    if "inventory" in base:
        base["inventory"] = str(FIXTURE)
    rnd = random.Random(20261204)
    outcomes = {"loaded": 0, "refused": 0, "limits": 0}
    for _ in range(120):
        document = hostile(mutate(base, rnd) if rnd.random() < 0.3 else base, rnd)
        path = tmp_path / "hostile.yml"
        path.write_text(yaml.safe_dump(document).replace("'<<':", "<<:"))
        started = time.process_time()
        try:
            load_file(path, plugins)
            outcomes["loaded"] += 1
        except InputError as exc:
            assert str(exc).startswith(str(path)), exc
            assert "\n" not in str(exc)
            outcomes["refused"] += 1
            outcomes["limits"] += any(
                word in str(exc) for word in ("nested deeper", "aliases expand", "alias to itself")
            )
        assert time.process_time() - started < 10, "a hostile mutation stalled the loader"
    assert outcomes["refused"] and outcomes["limits"]  # the limits were reached …
    assert outcomes["loaded"] or source != FIXTURE  # … and shared nodes that fit still load
