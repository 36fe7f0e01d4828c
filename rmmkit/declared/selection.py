"""Which hosts a playbook's targets cover (``select_hosts``), narrowed by ``--limit``.

Why its own module: selection mixes static hosts, scan rows and address
ranges, and must never yield an address outside the inventory's scope; one
small function with one rule set is easier to trust than logic in the runner.

Rules: a site target covers the site's static hosts plus its discovered rows
(rows outside the site's scope are dropped, never touched); a group covers its
members; a host target names a static host; a range target covers every
address of the range that the inventory allows (a static host or scan row at
that address stands for it).  Hosts come out once each, sorted by address.
"""

from __future__ import annotations

import fnmatch
import ipaddress
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from rmmkit.declared.models import Inventory, ResolvedHost, Site, Targets
from rmmkit.declared.resolve import (
    SiteView,
    inventory_scope,
    resolve_discovered,
    resolve_host,
    site_of,
)
from rmmkit.declared.scope import Scope, parse_range
from rmmkit.errors import InputError, UnknownReference


def _unknown(targets: Targets, what: str, name: str, known: Mapping[str, Any]) -> UnknownReference:
    return UnknownReference(
        f"targets name unknown {what} {name!r}",
        location=targets.location,
        expected=f"one of: {', '.join(known) or 'none declared'}",
    )


def selected_sites(inventory: Inventory, targets: Targets) -> list[Site]:
    """The sites named by ``targets.sites`` (for actions that run once per site, like discover)."""
    for name in targets.sites:
        if name not in inventory.sites:
            raise _unknown(targets, "site", name, inventory.sites)
    return [inventory.sites[name] for name in targets.sites]


def _sort_key(host: ResolvedHost) -> tuple[int, int, str]:
    try:
        address = ipaddress.ip_address(host.address)
        return address.version, int(address), host.name
    except ValueError:
        return 9, 0, host.name


class _Matcher:
    """One ``--limit`` pattern: a name/address glob, a site, a group, or a range."""

    def __init__(self, pattern: str) -> None:
        self.pattern = pattern
        self.scope: Scope | None = None
        if any(ch.isdigit() for ch in pattern) and not any(ch in pattern for ch in "*?["):
            try:
                self.scope = Scope([pattern])
            except InputError:
                self.scope = None

    def __call__(self, host: ResolvedHost) -> bool:
        if self.scope is not None and self.scope.allows(host.address):
            return True
        pattern = self.pattern
        return (
            fnmatch.fnmatchcase(host.name, pattern)
            or fnmatch.fnmatchcase(host.address, pattern)
            or pattern == host.site
            or pattern in host.groups
        )


def apply_limit(hosts: list[ResolvedHost], limit: str | Iterable[str] | None) -> list[ResolvedHost]:
    """``--limit a,b,!c`` (text or a list of such): keep hosts matching any of a, b, none of c."""
    texts = [limit] if isinstance(limit, str) else list(limit or ())
    parts = [p.strip() for text in texts for p in text.split(",") if p.strip()]
    if not parts:
        return hosts
    include = [_Matcher(p) for p in parts if not p.startswith("!")]
    exclude = [_Matcher(p[1:]) for p in parts if p.startswith("!")]
    return [
        h
        for h in hosts
        if (not include or any(m(h) for m in include)) and not any(m(h) for m in exclude)
    ]


def select_hosts(
    inventory: Inventory,
    targets: Targets,
    discovered_rows_by_site: Mapping[str, Sequence[Mapping[str, Any]]] | None = None,
    limit: str | Iterable[str] | None = None,
) -> list[ResolvedHost]:
    """Every host the targets cover, each once, sorted by address, narrowed by ``limit``."""
    rows_by_site = discovered_rows_by_site or {}
    views: dict[str, SiteView] = {}
    chosen: dict[str, ResolvedHost] = {}  # by address: a static host wins over a scan row
    names: set[str] = set()

    def add(host: ResolvedHost) -> None:
        if host.address in chosen:
            return
        if host.name in names:  # two scan rows with one host name: the address disambiguates
            host = ResolvedHost(**{**host.__dict__, "name": host.address})
        chosen[host.address] = host
        names.add(host.name)

    static = [resolve_host(inventory, name, views) for name in inventory.hosts]
    by_name = {h.name: h for h in static}
    by_address = {h.address: h for h in static}

    def discovered(site: str, row: Mapping[str, Any]) -> ResolvedHost | None:
        host = resolve_discovered(inventory, site, row, views)
        return host if views[site].scope.allows(host.address) else None

    for site in selected_sites(inventory, targets):
        for host in static:
            if host.site == site.name:
                add(host)
        for row in rows_by_site.get(site.name, ()):
            found = by_address.get(str(row["ip"])) or discovered(site.name, row)
            if found is not None:
                add(found)
    for name in targets.groups:
        if name not in inventory.groups:
            raise _unknown(targets, "group", name, inventory.groups)
        for member in inventory.groups[name].hosts:
            add(by_name[member])
    for name in targets.hosts:
        if name not in by_name:
            raise _unknown(targets, "host", name, inventory.hosts)
        add(by_name[name])
    if targets.ranges:
        rows = {
            str(r["ip"]): (site, r)
            for site, site_rows in rows_by_site.items()
            for r in site_rows
            if site in inventory.sites
        }
        allowed = inventory_scope(inventory)
        for address in Scope(targets.ranges):
            if address in chosen or not allowed.allows(address):
                continue
            if address in by_address:
                add(by_address[address])
            elif address in rows:
                found = discovered(*rows[address])
                if found is not None:
                    add(found)
            else:
                add(_address_host(inventory, address, views))
    return apply_limit(sorted(chosen.values(), key=_sort_key), limit)


def _address_host(inventory: Inventory, address: str, views: dict[str, SiteView]) -> ResolvedHost:
    """A bare address of a range target: it gets what a device of its site would get."""
    site = site_of(inventory, address, views)
    host = resolve_discovered(inventory, site, {"ip": address}, views)
    return ResolvedHost(
        **{
            **host.__dict__,
            "discovered": False,
            "origins": {**host.origins, "site": f"address {address} of a range target"},
        }
    )


def resolve_address(inventory: Inventory, target: str) -> ResolvedHost:
    """A host name or address: the static host there, else what a device there would get."""
    if target in inventory.hosts:
        return resolve_host(inventory, target)
    static = next((h for h in inventory.hosts.values() if h.address == target), None)
    if static is not None:
        return resolve_host(inventory, static.name)

    parse_range(target)  # an InputError naming the forms when it is not an address
    views: dict[str, SiteView] = {}
    site = site_of(inventory, target, views)
    if not site:
        raise UnknownReference(
            f"{target} is neither a declared host nor inside a site's ranges",
            expected="a host name or an address inside a site (minus excludes)",
        )
    return resolve_discovered(inventory, site, {"ip": target}, views)
