"""What a declared site contributes to a scan: scope, SNMP communities, DNS, knobs.

Why one place: the ``discover`` action and ``rmmkit scan --site`` must read a
site the same way, or the same site would be scanned differently from a
playbook and from the command line.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from rmmkit.discovery.tcp import DEFAULT_PORTS
from rmmkit.errors import InputError, UnknownReference
from rmmkit.models import Inventory, Site
from rmmkit.secrets.values import Secret


@dataclass(frozen=True)
class SiteScan:
    site: Site
    communities: tuple[Secret, ...]
    notes: tuple[str, ...]


def find_site(inventory: Inventory | None, name: str) -> Site:
    if inventory is None:
        raise InputError(f"--site {name} needs an inventory", expected="-i/--inventory FILE")
    site = inventory.sites.get(name)
    if site is None:
        known = ", ".join(sorted(inventory.sites)) or "none"
        raise UnknownReference(f"unknown site {name!r} in {inventory.path}",
                               expected=f"one of: {known}")
    return site


def site_scan(session: Any, inventory: Inventory | None, name: str) -> SiteScan:
    """The site plus the SNMP communities its credentials declare (secrets stay masked)."""
    site = find_site(inventory, name)
    assert inventory is not None
    communities: list[Secret] = []
    notes: list[str] = []
    for cred_name in site.credentials:
        cred = inventory.credentials.get(cred_name)
        if cred is None or cred.secret is None:
            continue
        if cred.kind == "snmp_community":
            communities.append(session.resolve_secret(cred.secret))
        elif cred.kind == "snmp_v3":
            notes.append(f"snmp: v3 credential {cred_name!r} needs rmmkit.snmp.system_identity")
    return SiteScan(site, tuple(communities), tuple(notes))


def ports_from(value: Any, *, where: str = "--ports") -> tuple[int, ...]:
    """``"22,80,443"``, a list of ints, or ``""``/``"none"`` for ICMP only."""
    if value is None:
        return DEFAULT_PORTS
    items = value if isinstance(value, list | tuple) else str(value).replace(" ", "").split(",")
    ports: list[int] = []
    for item in items:
        if item in ("", "none"):
            continue
        try:
            port = int(item)
        except (TypeError, ValueError):
            port = -1
        if not 0 < port < 65536:
            raise InputError(f"{where}: {item!r} is not a TCP port",
                             expected="comma-separated ports 1-65535, or 'none'")
        ports.append(port)
    return tuple(dict.fromkeys(ports))
