"""Load declared state: safe YAML (with marks) → JSON Schema → cross-checks → frozen models.

Why this order: YAML errors, shape errors, then meaning errors, each reported
as one line with file:line:column and what was expected (exit code 3), so a
user fixes one thing at a time and never sees a traceback.

Public API (stable): :func:`load_inventory`, :func:`load_playbook`,
:func:`load_file`, :func:`detect_kind`.
"""

from __future__ import annotations

import ipaddress
from pathlib import Path
from typing import Any

from rmmkit import builders
from rmmkit.checks import Doc, checked_range, references, templates, unique_names
from rmmkit.errors import InputError, Location, SchemaViolation, UnknownReference
from rmmkit.models import Inventory, Playbook
from rmmkit.schema import BUILTIN_SECRET_SOURCES, base_schema
from rmmkit.schemaerrors import first_violation
from rmmkit.scope import Scope
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
    return bool(path) and path[0] in ("targets", "outputs")


def _validate_base(doc: Doc, kind: str) -> None:
    error = first_violation(
        base_schema(kind),
        doc.root,
        root=doc.root,
        filename=doc.filename,
        skip_templates=_rendered_later if kind == "playbook" else False,
    )
    if error is not None:
        raise error


def _settings_with_defaults(schema: dict[str, Any], settings: dict[str, Any]) -> dict[str, Any]:
    """Top-level ``default`` values of a policy type's settings schema fill what is not declared."""
    out = {
        key: spec["default"]
        for key, spec in (schema.get("properties") or {}).items()
        if isinstance(spec, dict) and "default" in spec
    }
    out.update(builders.plain(settings))
    return out


def _check_policies(doc: Doc, plugins: Any) -> dict[str, dict[str, Any]]:
    settings: dict[str, dict[str, Any]] = {}
    registry = plugins.policy_types
    for index, raw in enumerate(doc.section("policies")):
        type_name = f"{raw['category']}/{raw['type']}"
        if type_name not in registry:
            known = ", ".join(registry) or "none registered"
            raise doc.fail(
                UnknownReference,
                f"unknown policy type {type_name!r} in policies[{index}]",
                ["policies", index, "type"],
                f"one of: {known}",
            )
        schema = getattr(registry.get(type_name), "settings_schema", None) or {"type": "object"}
        doc.validate(schema, raw.get("settings") or {}, ["policies", index, "settings"])
        settings[raw["name"]] = _settings_with_defaults(schema, raw.get("settings") or {})
    return settings


def _check_sites(doc: Doc, cap: int | None) -> dict[str, Scope]:
    scopes: dict[str, Scope] = {}
    for index, raw in enumerate(doc.section("sites")):
        ranges = [
            checked_range(doc, spec, ["sites", index, "ranges", i], cap)
            for i, spec in enumerate(raw["ranges"])
        ]
        for i, spec in enumerate(raw.get("excludes") or ()):
            exclude = checked_range(doc, spec, ["sites", index, "excludes", i], None)
            if not any(exclude.first <= r.last and r.first <= exclude.last for r in ranges):
                raise doc.fail(
                    InputError,
                    f"exclude {spec!r} is outside every range of site {raw['name']!r}",
                    ["sites", index, "excludes", i],
                    "an exclude inside one of the site's ranges",
                )
        scopes[raw["name"]] = Scope(raw["ranges"], raw.get("excludes") or ())
    return scopes


def _check_site_refs(
    doc: Doc, credentials: set[str], packages: set[str], defaults: list[str]
) -> None:
    references(doc, ["default_packages"], defaults, packages, "package")
    for index, raw in enumerate(doc.section("sites")):
        references(
            doc,
            ["sites", index, "credentials"],
            raw.get("credentials") or (),
            credentials,
            "credential",
        )
        references(
            doc, ["sites", index, "packages"], raw.get("packages") or (), packages, "package"
        )
        for i, name in enumerate(raw.get("blocked_packages") or ()):
            path = ["sites", index, "blocked_packages", i]
            if name in (raw.get("packages") or ()):
                raise doc.fail(
                    InputError,
                    f"site {raw['name']!r} both assigns and blocks package {name!r}",
                    path,
                    "a package either in packages or in blocked_packages",
                )
            if name not in defaults:
                inherited = ", ".join(defaults) or "none: default_packages is empty"
                raise doc.fail(
                    UnknownReference,
                    f"site {raw['name']!r} blocks package {name!r}, which it does not inherit",
                    path,
                    f"one of the inventory's default_packages: {inherited}",
                )


def _check_hosts(
    doc: Doc, scopes: dict[str, Scope], credentials: set[str], groups: set[str]
) -> dict[str, str]:
    """Each host's declared site (which must hold its address, minus excludes)."""
    host_sites: dict[str, str] = {}
    for index, raw in enumerate(doc.section("hosts")):
        try:
            ipaddress.ip_address(raw["address"])
        except ValueError:
            raise doc.fail(
                SchemaViolation,
                f"invalid address {raw['address']!r} of host {raw['name']!r}",
                ["hosts", index, "address"],
                "an IPv4 or IPv6 address",
            ) from None
        site = raw.get("site")
        if site is not None:
            if site not in scopes:
                raise doc.fail(
                    UnknownReference,
                    f"unknown site {site!r} of host {raw['name']!r}",
                    ["hosts", index, "site"],
                    f"one of: {', '.join(scopes) or 'none declared'}",
                )
            if not scopes[site].allows(raw["address"]):
                raise doc.fail(
                    InputError,
                    f"address {raw['address']} of host {raw['name']!r} is outside the "
                    f"ranges of site {site!r} or excluded",
                    ["hosts", index, "address"],
                    "an address inside the site's ranges and not excluded",
                )
        host_sites[raw["name"]] = site or ""  # declared only: resolve.py finds it by address
        references(
            doc,
            ["hosts", index, "credentials"],
            raw.get("credentials") or (),
            credentials,
            "credential",
        )
        references(doc, ["hosts", index, "groups"], raw.get("groups") or (), groups, "group")
    return host_sites


def _group_members(doc: Doc, hosts: set[str]) -> dict[str, tuple[str, ...]]:
    members: dict[str, list[str]] = {raw["name"]: [] for raw in doc.section("groups")}
    for index, raw in enumerate(doc.section("groups")):
        references(doc, ["groups", index, "hosts"], raw.get("hosts") or (), hosts, "host")
        members[raw["name"]].extend(raw.get("hosts") or ())
    for raw in doc.section("hosts"):
        for name in raw.get("groups") or ():
            if raw["name"] not in members[name]:
                members[name].append(raw["name"])
    return {name: tuple(hosts_) for name, hosts_ in members.items()}


def _check_secret_sources(doc: Doc, plugins: Any) -> None:
    known = set(BUILTIN_SECRET_SOURCES) | set(plugins.secret_sources)
    for index, raw in enumerate(doc.section("credentials")):
        for key in ("secret", *builders.SECRET_REF_KEYS):
            ref = raw.get(key)
            if ref and ref["source"] not in known:
                raise doc.fail(
                    UnknownReference,
                    f"unknown secret source {ref['source']!r} in credentials[{index}]",
                    ["credentials", index, key, "source"],
                    f"one of: {', '.join(sorted(known))}",
                )


def inventory_from_doc(doc: Doc, plugins: Any) -> Inventory:
    """Validate a parsed inventory document and build the model."""
    _validate_base(doc, "inventory")
    names = {
        section: set(unique_names(doc, section))
        for section in ("credentials", "sites", "hosts", "groups", "agents", "policies", "packages")
    }
    cap = (doc.root.get("settings") or {}).get("max_range_size")
    scopes = _check_sites(doc, cap)
    _check_secret_sources(doc, plugins)
    _check_site_refs(
        doc, names["credentials"], names["packages"], list(doc.root.get("default_packages") or ())
    )
    host_sites = _check_hosts(doc, scopes, names["credentials"], names["groups"])
    members = _group_members(doc, names["hosts"])
    for index, raw in enumerate(doc.section("packages")):
        references(
            doc, ["packages", index, "policies"], raw["policies"], names["policies"], "policy"
        )
    settings = _check_policies(doc, plugins)
    for section in ("sites", "hosts", "groups"):
        for index, raw in enumerate(doc.section(section)):
            templates(doc, raw.get("vars") or {}, [section, index, "vars"])
    templates(doc, doc.root.get("vars") or {}, ["vars"])
    return builders.inventory(doc.root, doc.filename, host_sites, members, settings)


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
    from rmmkit.playbook_checks import playbook_from_doc

    doc = read_doc(path)
    plugins = _plugins(plugins)
    if detect_kind(doc.root) == "playbook":
        return playbook_from_doc(doc, plugins, dict(extra_vars or {}), inventory)
    return inventory_from_doc(doc, plugins)
