"""Mutated good files either load or fail with an InputError: never a crash (a traceback)."""

from __future__ import annotations

import copy
import random
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
