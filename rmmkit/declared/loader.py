"""Load declared state: safe YAML (with marks) → JSON Schema → cross-checks → frozen models.

Why this order: YAML errors, shape errors, then meaning errors, each reported
as one line with file:line:column and what was expected (exit code 3), so a
user fixes one thing at a time and never sees a traceback.

This module is the one entry point of the declared-state package: it reads
every file exactly once and hands the parsed documents to the checks of
:mod:`rmmkit.declared.inventory` and :mod:`rmmkit.declared.playbook`.

Public API (stable): :func:`load_declared`, :func:`load_inventory`,
:func:`load_playbook`, :func:`load_file`, :func:`detect_kind`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from rmmkit.declared.document import Doc, validate_base
from rmmkit.declared.inventory import inventory_from_doc
from rmmkit.declared.marked_yaml import load_yaml
from rmmkit.declared.models import Inventory, Playbook
from rmmkit.declared.playbook import playbook_from_doc
from rmmkit.declared.yaml_limits import decode_yaml
from rmmkit.errors import InputError, Location, SchemaViolation
from rmmkit.plugin.manager import Plugins, load_plugins

PLAYBOOK_KEYS = ("tasks", "targets")


InventoryCache = dict[Path, Inventory]


def parse_doc(path: str | Path) -> Doc:
    """Read and parse one YAML file, whatever its top level (callers check the shape)."""
    filename = str(path)
    try:
        data = Path(path).read_bytes()
    except FileNotFoundError:
        raise InputError(f"{filename}: no such file", expected="a path to a YAML file") from None
    except OSError as exc:
        raise InputError(
            f"{filename}: cannot read: {type(exc).__name__}", expected="a UTF-8 YAML file"
        ) from None
    text = decode_yaml(data, filename)
    return Doc(load_yaml(data, filename), filename, text)


def read_doc(path: str | Path) -> Doc:
    """Read and parse one YAML file; the top level must be a mapping."""
    return _mapping(parse_doc(path))


def _mapping(doc: Doc) -> Doc:
    root = doc.root
    if isinstance(root, dict):
        return doc
    kind = "empty" if root is None else "a list" if isinstance(root, list) else "a str"
    if root is not None and not isinstance(root, list):  # a bare scalar: point at its line
        first = next(
            (
                n
                for n, line in enumerate(doc.text.splitlines(), 1)
                if line.strip() and not line.lstrip().startswith("#")
            ),
            1,
        )
        raise InputError(
            f"the document is {kind}",
            location=Location(doc.filename, first, 1),
            expected="a mapping of keys (sites:, tasks:, …)",
        )
    raise doc.fail(
        SchemaViolation, f"the document is {kind}", [], "a mapping of keys (sites:, tasks:, …)"
    )


def detect_kind(data: dict[str, Any]) -> str:
    """``playbook`` when the document has tasks or targets, else ``inventory``."""
    return "playbook" if any(key in data for key in PLAYBOOK_KEYS) else "inventory"


_NOT_A = {
    "inventory": ("this is a playbook, not an inventory", "an inventory (sites:, hosts:, …)"),
    "playbook": ("this is not a playbook", "a playbook with name:, targets: and tasks:"),
}


def _expect(doc: Doc, kind: str) -> None:
    """The document is of ``kind`` and matches its base schema (first violation, located)."""
    if detect_kind(doc.root) != kind:
        message, expected = _NOT_A[kind]
        raise doc.fail(SchemaViolation, message, [], expected)
    validate_base(doc, kind)


def load_inventory(
    path: str | Path, plugins: Plugins | None = None, *, cache: InventoryCache | None = None
) -> Inventory:
    """Load and validate an inventory file; raise an :class:`InputError` with file:line:column.

    With a ``cache`` (keyed by resolved path), a file already loaded is not read again.
    """
    key = Path(path).resolve()
    if cache is not None and key in cache:
        return cache[key]
    doc = read_doc(path)
    _expect(doc, "inventory")
    inventory = inventory_from_doc(doc, plugins or load_plugins())
    if cache is not None:
        cache[key] = inventory
    return inventory


def _named_inventory_path(doc: Doc) -> Path | None:
    """The inventory a playbook names with ``inventory:`` (relative to the playbook), if any."""
    declared = doc.root.get("inventory")
    if not declared:
        return None
    path = Path(doc.filename).parent / str(declared)
    if not path.is_file():
        raise doc.fail(
            InputError,
            f"inventory {declared!r} not found (looked for {path})",
            ["inventory"],
            "a path relative to the playbook",
        )
    return path


def load_playbook_doc(
    doc: Doc,
    plugins: Plugins | None = None,
    extra_vars: dict[str, Any] | None = None,
    *,
    inventory: Inventory | None = None,
    inventory_path: str | Path | None = None,
    inventories: InventoryCache | None = None,
) -> tuple[Playbook, Inventory | None, Path | None]:
    """An already parsed playbook, its inventory and that inventory's path.

    The inventory is ``inventory``, else the file ``inventory_path`` (``-i``),
    else the one the playbook names; none at all is allowed here (references
    are then not checked).  Why a parsed document: the scheduler reads a
    playbook's schedule block and validates the playbook from one read.
    """
    plugins = plugins or load_plugins()
    doc = _mapping(doc)
    _expect(doc, "playbook")
    path = Path(inventory_path) if inventory_path else _named_inventory_path(doc)
    if inventory is None and path is not None:
        inventory = load_inventory(path, plugins, cache=inventories)
    playbook = playbook_from_doc(doc, plugins, dict(extra_vars or {}), inventory)
    return playbook, inventory, path


def load_playbook(
    path: str | Path,
    plugins: Plugins | None = None,
    extra_vars: dict[str, Any] | None = None,
    *,
    inventory: Inventory | None = None,
) -> Playbook:
    """Load a playbook; with an inventory (given, or named by the playbook) check references."""
    return load_playbook_doc(parse_doc(path), plugins, extra_vars, inventory=inventory)[0]


def load_declared(
    playbook_path: str | Path,
    inventory_path: str | Path | None,
    plugins: Plugins | None = None,
    extra_vars: dict[str, Any] | None = None,
) -> tuple[Playbook, Inventory]:
    """A playbook and its inventory (``-i``, else the one the playbook names), each read once."""
    playbook, inventory, _ = load_playbook_doc(
        parse_doc(playbook_path), plugins, extra_vars, inventory_path=inventory_path
    )
    if inventory is None:
        raise InputError(
            f"{playbook_path}: no inventory given",
            expected="-i INVENTORY, or 'inventory:' in the playbook",
        )
    return playbook, inventory


def load_file(
    path: str | Path,
    plugins: Plugins | None = None,
    extra_vars: dict[str, Any] | None = None,
    *,
    inventory: Inventory | None = None,
) -> Inventory | Playbook:
    """Load an inventory or a playbook, whichever the file is."""
    plugins = plugins or load_plugins()
    doc = read_doc(path)
    if detect_kind(doc.root) == "playbook":
        return load_playbook_doc(doc, plugins, extra_vars, inventory=inventory)[0]
    _expect(doc, "inventory")
    return inventory_from_doc(doc, plugins)
