"""Pure resolution: what applies to each host, and where each value came from.

Why pure: the runner, ``rmmkit inventory show`` and the portal must agree on
a host's site, credentials, vars and packages; functions of (inventory,
host) with no I/O are easy to test and safe to call from any thread.

Rules (also in docs/schema.md):

* site: the host's declared ``site``, else the first site (file order) whose
  ranges hold its address, minus excludes; discovered hosts carry their site.
* vars: inventory < site < groups (declared order) < host; at run time
  < playbook vars < task vars < ``-e`` (see :func:`task_vars`).
* credentials: the host's own, then its site's, in declared order, once each.
* packages: *inherited* packages are the inventory's ``default_packages``;
  every site inherits them unless it lists them in ``blocked_packages``.
  A site's own ``packages`` come after the inherited ones.  Every device of
  the site, including ones discovered later, gets both.
* observed: a discovered host carries what its scan row saw (OS, resource
  type, open ports, SSH banner, SMB/NetBIOS/SNMP answers) as a typed
  :class:`~rmmkit.declared.models.Observed`; agent routing reads only that.
"""

from __future__ import annotations

import weakref
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from rmmkit.declared.models import (
    EffectivePolicy,
    Host,
    Inventory,
    Observed,
    Playbook,
    ResolvedHost,
    Site,
    Task,
)
from rmmkit.declared.scope import Scope
from rmmkit.declared.templating import compile_value, compile_when
from rmmkit.errors import UnknownReference


def _origin(kind: str, name: str, location: Any) -> str:
    return f"{kind}:{name} ({location})" if name else f"{kind} ({location})"


def site_scope(site: Site) -> Scope:
    """The addresses of one site: its ranges minus its excludes."""
    return Scope(site.ranges, site.excludes)


def inventory_scope(inventory: Inventory) -> Scope:
    """Everything the inventory allows: every site's scope plus static host addresses."""
    scope = Scope()
    for site in inventory.sites.values():
        scope = scope | site_scope(site)
    addresses = [h.address for h in inventory.hosts.values()]
    return scope | Scope(addresses) if addresses else scope


@dataclass
class SiteView:
    """What every device of one site inherits (computed once per site, shared by its hosts)."""

    site: Site | None
    scope: Scope
    vars: dict[str, Any] = field(default_factory=dict)
    credentials: list[str] = field(default_factory=list)
    packages: list[str] = field(default_factory=list)
    origins: dict[str, str] = field(default_factory=dict)


def site_view(inventory: Inventory, site_name: str) -> SiteView:
    origins: dict[str, str] = {f"vars.{k}": f"inventory ({inventory.path})" for k in inventory.vars}
    variables = dict(inventory.vars)
    site = inventory.sites.get(site_name)
    if site is None:
        return SiteView(None, Scope(), variables, [], [], origins)
    where = _origin("site", site.name, site.location)
    variables.update(site.vars)
    origins.update({f"vars.{k}": where for k in site.vars})
    packages = [p for p in inventory.default_packages if p not in site.blocked_packages]
    origins.update(
        {f"packages.{p}": f"inherited: default_packages ({inventory.path})" for p in packages}
    )
    origins.update({f"blocked.{p}": f"blocked by {where}" for p in site.blocked_packages})
    for name in site.packages:
        if name not in packages:
            packages.append(name)
            origins[f"packages.{name}"] = f"assigned to {where}"
    origins.update({f"credentials.{c}": where for c in site.credentials})
    return SiteView(site, site_scope(site), variables, list(site.credentials), packages, origins)


def site_of(inventory: Inventory, address: str, views: dict[str, SiteView]) -> str:
    """The first site (file order) whose ranges hold ``address``, minus excludes; "" if none."""
    for name in inventory.sites:
        view = views.get(name) or views.setdefault(name, site_view(inventory, name))
        if view.scope.allows(address):
            return name
    return ""


_MEMBERSHIPS: dict[int, dict[str, tuple[str, ...]]] = {}


def _memberships(inventory: Inventory) -> dict[str, tuple[str, ...]]:
    """``host → groups`` in declared group order, computed once per inventory object."""
    key = id(inventory)
    cached = _MEMBERSHIPS.get(key)
    if cached is None:
        table: dict[str, list[str]] = {}
        for group in inventory.groups.values():
            for member in group.hosts:
                table.setdefault(member, []).append(group.name)
        cached = _MEMBERSHIPS[key] = {host: tuple(groups) for host, groups in table.items()}
        weakref.finalize(inventory, _MEMBERSHIPS.pop, key, None)
    return cached


def _policies(
    inventory: Inventory, packages: Iterable[str], site: str
) -> tuple[EffectivePolicy, ...]:
    return tuple(
        EffectivePolicy(inventory.policies[p], package, site)
        for package in packages
        for p in inventory.packages[package].policies
    )


def _build(
    inventory: Inventory,
    view: SiteView,
    *,
    name: str,
    address: str,
    host: Host | None,
    discovered: bool,
    site_origin: str,
    observed: Observed | None = None,
) -> ResolvedHost:
    variables, origins = dict(view.vars), dict(view.origins)
    origins["site"] = site_origin
    credentials = list(host.credentials) if host else []
    groups: tuple[str, ...] = ()
    if host is not None:
        groups = _memberships(inventory).get(host.name, ())
        for group_name in groups:
            group = inventory.groups[group_name]
            variables.update(group.vars)
            origins.update(
                {f"vars.{k}": _origin("group", group_name, group.location) for k in group.vars}
            )
        variables.update(host.vars)
        where = _origin("host", host.name, host.location)
        origins.update({f"vars.{k}": where for k in host.vars})
        origins.update({f"credentials.{c}": where for c in host.credentials})
    credentials += [c for c in view.credentials if c not in credentials]
    site = view.site.name if view.site else ""
    policies = _policies(inventory, view.packages, site)
    for item in policies:
        origins[f"policies.{item.policy.name}"] = f"package:{item.package} via site:{site}"
    return ResolvedHost(
        name=name,
        address=address,
        site=site,
        groups=groups,
        vars=variables,
        credentials=tuple(inventory.credentials[c] for c in credentials),
        packages=tuple(view.packages),
        policies=policies,
        discovered=discovered,
        origins=origins,
        observed=observed,
    )


def resolve_host(
    inventory: Inventory, name: str, views: dict[str, SiteView] | None = None
) -> ResolvedHost:
    """A statically declared host, by name."""
    views = {} if views is None else views
    host = inventory.hosts.get(name)
    if host is None:
        raise UnknownReference(
            f"unknown host {name!r}", expected=f"one of: {', '.join(inventory.hosts) or 'none'}"
        )
    site = host.site or site_of(inventory, host.address, views)
    view = views.get(site) or views.setdefault(site, site_view(inventory, site))
    declared = site and inventory.sites[site].location
    origin = (
        f"declared on host:{host.name} ({host.location})"
        if host.site
        else f"address {host.address} in ranges of site:{site} ({declared})"
        if site
        else "no site"
    )
    return _build(
        inventory,
        view,
        name=host.name,
        address=host.address,
        host=host,
        discovered=False,
        site_origin=origin,
    )


def resolve_discovered(
    inventory: Inventory,
    site: str,
    row: Mapping[str, Any],
    views: dict[str, SiteView] | None = None,
) -> ResolvedHost:
    """A device found by a scan (``row`` has at least ``ip``; ``hostname`` when known)."""
    views = {} if views is None else views
    if site not in inventory.sites:
        raise UnknownReference(
            f"unknown site {site!r}", expected=f"one of: {', '.join(inventory.sites) or 'none'}"
        )
    view = views.get(site) or views.setdefault(site, site_view(inventory, site))
    address = str(row["ip"])
    name = str(row.get("hostname") or address)
    host = _build(
        inventory,
        view,
        name=name,
        address=address,
        host=None,
        discovered=True,
        site_origin=f"discovered by a scan of site:{site} ({inventory.sites[site].location})",
        observed=observed_from_row(row),
    )
    if host.observed is not None:
        scan = f"scan {host.observed.scan_id}" if host.observed.scan_id else "a scan"
        host.origins["observed"] = f"{scan} of site:{site}"
    return host


def _dict(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _int(value: Any) -> int | None:
    try:
        return None if value is None or isinstance(value, bool) else int(value)
    except (TypeError, ValueError):
        return None


def observed_from_row(row: Mapping[str, Any]) -> Observed | None:
    """The evidence of a scan row (``None`` for a bare ``{"ip": …}``: nothing was observed).

    Reads only ``os``, ``resource_type``, ``scan_id`` and ``extra`` (``open_ports``, ``ttl``,
    ``ssh_banner``, ``smb``, ``netbios``, ``snmp``), the keys every scan row has.
    """
    extra = _dict(row.get("extra"))
    if not (row.get("os") or row.get("resource_type") or extra):
        return None
    ports = extra.get("open_ports")
    smb, netbios = _dict(extra.get("smb")), _dict(extra.get("netbios"))
    return Observed(
        os=str(row.get("os") or ""),
        resource_type=str(row.get("resource_type") or ""),
        open_ports=tuple(
            sorted({p for p in map(_int, ports if isinstance(ports, list | tuple) else ()) if p})
        ),
        ttl=_int(extra.get("ttl")),
        ssh_banner=str(extra.get("ssh_banner") or ""),
        smb=bool(smb),
        smb_build=_int(smb.get("os_build")),
        netbios=str(netbios.get("name") or next(iter(netbios.get("names") or ()), "")),
        snmp=bool(extra.get("snmp")),
        scan_id=str(row.get("scan_id") or ""),
    )


def effective_settings(host: ResolvedHost) -> dict[str, dict[str, Any]]:
    """``category/type → settings``; for the same type, a later package's policy wins."""
    out: dict[str, dict[str, Any]] = {}
    for item in host.policies:
        out.setdefault(f"{item.policy.category}/{item.policy.type}", {}).update(
            item.policy.settings
        )
    return out


def task_vars(
    host: ResolvedHost,
    playbook: Playbook | None = None,
    task: Task | None = None,
    extra_vars: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """Variables a task sees: host facts < host vars < playbook vars < task vars < ``-e``."""
    out: dict[str, Any] = {
        "inventory_hostname": host.name,
        "address": host.address,
        "site": host.site,
        "groups": list(host.groups),
        "discovered": host.discovered,
    }
    out.update(host.vars)
    if playbook is not None:
        out.update(playbook.vars)
    if task is not None:
        out.update(task.vars)
    out.update(extra_vars or {})
    return out


def render(value: Any, variables: Mapping[str, Any]) -> Any:
    """Render templated task args for one host (an unknown name is a TemplateError).

    A one-off wrapper over :mod:`rmmkit.declared.templating`, which the runner uses with
    templates compiled once per run: one engine, one set of semantics.
    """
    return compile_value(value, "args")(variables)


def evaluate_when(expr: str | bool | None, variables: Mapping[str, Any]) -> bool:
    """Evaluate a task's ``when`` for one host; ``None`` means run."""
    compiled = compile_when(expr)
    return True if compiled is None else compiled(variables)
