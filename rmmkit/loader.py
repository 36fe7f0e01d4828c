"""Load declared state: safe YAML (with marks) → JSON Schema → cross-checks → frozen models.

Why this order: YAML errors, shape errors, then meaning errors, each reported
as one line with file:line:column and what was expected (exit code 3), so a
user fixes one thing at a time and never sees a traceback.

Public API (stable): :func:`load_inventory`, :func:`load_playbook`,
:func:`load_file`, :func:`detect_kind`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from rmmkit.checks import Doc
from rmmkit.errors import InputError, Location, SchemaViolation
from rmmkit.models import Inventory, Playbook
from rmmkit.schema import validator
from rmmkit.schemaerrors import first_violation
from rmmkit.yamlmarks import load_yaml

PLAYBOOK_KEYS = ("tasks", "targets")


def _plugins(plugins: Any) -> Any:
    if plugins is not None:
        return plugins
    from rmmkit.plugins import load_plugins

    return load_plugins()


def read_doc(path: str | Path) -> Doc:
    """Read and parse one YAML file; the top level must be a mapping."""
    filename = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError(f"{filename}: no such file", expected="a path to a YAML file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(
            f"{filename}: cannot read: {type(exc).__name__}", expected="a UTF-8 YAML file"
        ) from None
    root = load_yaml(text, filename)
    doc = Doc(root, filename)
    if not isinstance(root, dict):
        kind = "empty" if root is None else "a list" if isinstance(root, list) else "a str"
        if root is not None and not isinstance(root, list):  # a bare scalar: point at its line
            first = next(
                (
                    n
                    for n, line in enumerate(text.splitlines(), 1)
                    if line.strip() and not line.lstrip().startswith("#")
                ),
                1,
            )
            raise InputError(
                f"the document is {kind}",
                location=Location(filename, first, 1),
                expected="a mapping of keys (sites:, tasks:, …)",
            )
        raise doc.fail(
            SchemaViolation, f"the document is {kind}", [], "a mapping of keys (sites:, tasks:, …)"
        )
    return doc


def detect_kind(data: dict[str, Any]) -> str:
    """``playbook`` when the document has tasks or targets, else ``inventory``."""
    return "playbook" if any(key in data for key in PLAYBOOK_KEYS) else "inventory"


def _rendered_later(path: Any) -> bool:
    """Targets and outputs are rendered at load time and checked again after rendering."""
    return len(path) >= 3 and path[0] in ("targets", "outputs")  # items, not the containers


def _validate_base(doc: Doc, kind: str) -> None:
    error = first_violation(
        validator(kind),
        doc.root,
        root=doc.root,
        filename=doc.filename,
        skip_templates=_rendered_later if kind == "playbook" else False,
    )
    if error is not None:
        raise error


def load_inventory(path: str | Path, plugins: Any = None) -> Inventory:
    """Load and validate an inventory file; raise an :class:`InputError` with file:line:column."""
    doc = read_doc(path)
    if detect_kind(doc.root) != "inventory":
        raise doc.fail(
            SchemaViolation,
            "this is a playbook, not an inventory",
            [],
            "an inventory (sites:, hosts:, …)",
        )
    from rmmkit.inventory_checks import inventory_from_doc

    return inventory_from_doc(doc, _plugins(plugins))


def load_playbook(
    path: str | Path,
    plugins: Any = None,
    extra_vars: dict[str, Any] | None = None,
    *,
    inventory: Inventory | None = None,
) -> Playbook:
    """Load a playbook; with an inventory (given, or named by the playbook) check references."""
    from rmmkit.playbook_checks import playbook_from_doc

    doc = read_doc(path)
    if detect_kind(doc.root) != "playbook":
        raise doc.fail(
            SchemaViolation,
            "this is not a playbook",
            [],
            "a playbook with name:, targets: and tasks:",
        )
    return playbook_from_doc(doc, _plugins(plugins), dict(extra_vars or {}), inventory)


def load_file(
    path: str | Path,
    plugins: Any = None,
    extra_vars: dict[str, Any] | None = None,
    *,
    inventory: Inventory | None = None,
) -> Inventory | Playbook:
    """Load an inventory or a playbook, whichever the file is."""
    from rmmkit.inventory_checks import inventory_from_doc
    from rmmkit.playbook_checks import playbook_from_doc

    doc = read_doc(path)
    plugins = _plugins(plugins)
    if detect_kind(doc.root) == "playbook":
        return playbook_from_doc(doc, plugins, dict(extra_vars or {}), inventory)
    return inventory_from_doc(doc, plugins)
