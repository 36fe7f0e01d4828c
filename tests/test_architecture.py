"""The package map in docs/architecture.md is the tree, and imports respect it.

Why read the source rather than ``sys.modules``: an import inside a function
(the lazy ones that keep start-up cheap) is still a dependency; it is only
invisible until the day it runs.  Imports under ``if TYPE_CHECKING:`` are
annotations only and are left out.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "rmmkit"
MAP = ROOT / "docs" / "architecture.md"
LOOSE = {"errors", "results", "logs", "testing"}


def modules() -> dict[str, Path]:
    """``rmmkit.x.y`` → file, for every module and package of the source tree."""
    out = {}
    for path in PACKAGE.rglob("*.py"):
        parts = list(path.relative_to(ROOT).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        out[".".join(parts)] = path
    return out


def _type_checking_nodes(tree: ast.AST) -> set[int]:
    skipped: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If):
            test = node.test
            name = test.id if isinstance(test, ast.Name) else getattr(test, "attr", "")
            if name == "TYPE_CHECKING":
                skipped.update(id(child) for child in ast.walk(node))
    return skipped


def import_graph(mods: dict[str, Path] | None = None) -> dict[str, set[str]]:
    """Module → the rmmkit modules it imports anywhere in its source (not for type checking)."""
    mods = mods or modules()
    graph: dict[str, set[str]] = {}
    for name, path in mods.items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        skipped = _type_checking_nodes(tree)
        is_package = path.name == "__init__.py"
        base = name if is_package else name.rpartition(".")[0]
        targets: set[str] = set()
        for node in ast.walk(tree):
            if id(node) in skipped:
                continue
            if isinstance(node, ast.Import):
                targets.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom):
                if node.level:
                    parts = base.split(".")[: len(base.split(".")) - (node.level - 1)]
                    source = ".".join(parts + ([node.module] if node.module else []))
                else:
                    source = node.module or ""
                for alias in node.names:
                    submodule = f"{source}.{alias.name}"
                    targets.add(submodule if submodule in mods else source)
        graph[name] = {t for t in targets if t in mods and t != name}
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one member (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    counter = 0
    for start in sorted(graph):
        if start in index:
            continue
        work = [(start, iter(sorted(graph[start])))]
        index[start] = low[start] = counter
        counter += 1
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph[child]))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
    return found


def layer_map() -> dict[str, int]:
    """``package → layer`` from the table of docs/architecture.md (``errors.py`` → errors)."""
    rows = re.findall(r"^\|\s*(\d+)\s*\|\s*`([\w.]+)/?`\s*\|", MAP.read_text(), flags=re.M)
    return {name.removesuffix(".py"): int(layer) for layer, name in rows}


def top(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "rmmkit"


def test_the_cycle_finder_finds_cycles() -> None:
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}, "e": set()}
    assert cycles(graph) == [["a", "b", "c"]]
    assert cycles({"a": {"b"}, "b": set()}) == []


def test_no_import_cycle_between_modules() -> None:
    found = cycles(import_graph())
    assert not found, f"import cycles (function-level imports included): {found}"


def test_the_map_names_every_package_and_nothing_else() -> None:
    mapped = set(layer_map())
    packages = {p.parent.name for p in PACKAGE.glob("*/__init__.py")}
    loose = {p.stem for p in PACKAGE.glob("*.py") if p.stem != "__init__"}
    assert loose == LOOSE, f"only {sorted(LOOSE)} may stay loose; found {sorted(loose)}"
    assert mapped == packages | loose, (
        f"in the tree, not in docs/architecture.md: {sorted((packages | loose) - mapped)}; "
        f"in the map, not in the tree: {sorted(mapped - packages - loose)}"
    )


def test_packages_import_only_their_layer_or_lower() -> None:
    layers = {**layer_map(), "rmmkit": 0}
    wrong = []
    for module, targets in import_graph().items():
        for target in targets:
            a, b = top(module), top(target)
            if a != b and layers[b] > layers[a]:
                wrong.append(f"{module} (layer {layers[a]}) imports {target} (layer {layers[b]})")
    assert not wrong, "\n".join(sorted(wrong))


def test_protocol_packages_have_the_three_rooms() -> None:
    layers = layer_map()
    for name in ("snmp", "ssh", "windows"):
        assert layers[name] == 6
        for room in ("transport.py", "actions.py", "plugin.py"):
            assert (PACKAGE / name / room).is_file(), f"rmmkit/{name}/{room} is missing"


def test_only_plugin_modules_implement_hooks() -> None:
    """``@hookimpl`` lives in the modules the plugin manager registers, nowhere else."""
    from rmmkit.plugin.manager import BUILTIN_PLUGINS

    registered = set(BUILTIN_PLUGINS)
    for name, path in modules().items():
        source = path.read_text(encoding="utf-8")
        if re.search(r"^\s*@hookimpl", source, flags=re.M) and name != "rmmkit.testing":
            assert name in registered, f"{name} has @hookimpl but is not a built-in plugin"
