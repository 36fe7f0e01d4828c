"""Inventory checks: names unique, ranges sane, references resolve, policy settings typed.

Why separate from the loader: each check needs only the marked document and
the plugins, and reports the exact node (file:line:column) it refuses.
"""

from __future__ import annotations

import ipaddress
from typing import TYPE_CHECKING, Any

from rmmkit.declared import build
from rmmkit.declared.document import (
    Doc,
    checked_range,
    references,
    templates,
    unique_names,
)
from rmmkit.declared.models import Inventory
from rmmkit.declared.schema import BUILTIN_SECRET_SOURCES
from rmmkit.declared.scope import Scope
from rmmkit.errors import InputError, SchemaViolation, UnknownReference

if TYPE_CHECKING:
    from rmmkit.plugin.manager import Plugins


def _settings_with_defaults(schema: dict[str, Any], settings: dict[str, Any]) -> dict[str, Any]:
    """Top-level ``default`` values of a policy type's settings schema fill what is not declared."""
    out = {
        key: spec["default"]
        for key, spec in (schema.get("properties") or {}).items()
        if isinstance(spec, dict) and "default" in spec
    }
    out.update(build.plain(settings))
    return out


def _check_policies(doc: Doc, plugins: Plugins) -> dict[str, dict[str, Any]]:
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
    # dicts as ordered sets: membership may be declared on either side, each host once
    members: dict[str, dict[str, None]] = {raw["name"]: {} for raw in doc.section("groups")}
    for index, raw in enumerate(doc.section("groups")):
        references(doc, ["groups", index, "hosts"], raw.get("hosts") or (), hosts, "host")
        members[raw["name"]].update(dict.fromkeys(raw.get("hosts") or ()))
    for raw in doc.section("hosts"):
        for name in raw.get("groups") or ():
            members[name][raw["name"]] = None
    return {name: tuple(hosts_) for name, hosts_ in members.items()}


def _check_secret_sources(doc: Doc, plugins: Plugins) -> None:
    known = set(BUILTIN_SECRET_SOURCES) | set(plugins.secret_sources)
    for index, raw in enumerate(doc.section("credentials")):
        for key in ("secret", *build.SECRET_REF_KEYS):
            ref = raw.get(key)
            if ref and ref["source"] not in known:
                raise doc.fail(
                    UnknownReference,
                    f"unknown secret source {ref['source']!r} in credentials[{index}]",
                    ["credentials", index, key, "source"],
                    f"one of: {', '.join(sorted(known))}",
                )


def inventory_from_doc(doc: Doc, plugins: Plugins) -> Inventory:
    """Check a parsed inventory (the loader validated its shape) and build the model."""
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
    return build.inventory(doc.root, doc.filename, host_sites, members, settings)
