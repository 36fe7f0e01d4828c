"""What a declared site contributes to a scan: scope, SNMP communities, DNS, knobs.

Why one place: the ``discover`` action and ``rmmkit scan --site`` must read a
site the same way, or the same site would be scanned differently from a
playbook and from the command line.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from rmmkit.declared.models import Credential, Inventory, Site
from rmmkit.discovery.tcp import DEFAULT_PORTS
from rmmkit.errors import InputError, UnknownReference
from rmmkit.secrets.credentials import materialize
from rmmkit.snmp.auth import SnmpAuth

if TYPE_CHECKING:
    from rmmkit.secrets.resolver import SecretResolver


@dataclass(frozen=True)
class SiteScan:
    site: Site
    snmp: tuple[SnmpAuth, ...]
    notes: tuple[str, ...]


def find_site(inventory: Inventory | None, name: str) -> Site:
    if inventory is None:
        raise InputError(f"--site {name} needs an inventory", expected="-i/--inventory FILE")
    site = inventory.sites.get(name)
    if site is None:
        known = ", ".join(sorted(inventory.sites)) or "none"
        raise UnknownReference(
            f"unknown site {name!r} in {inventory.path}", expected=f"one of: {known}"
        )
    return site


def site_scan(secrets: SecretResolver | None, inventory: Inventory | None, name: str) -> SiteScan:
    """The site plus the SNMP communities its credentials declare (secrets stay masked)."""
    site = find_site(inventory, name)
    assert inventory is not None
    auths: list[SnmpAuth] = []
    notes: list[str] = []
    for cred_name in site.credentials:
        cred = inventory.credentials.get(cred_name)
        if cred is None or cred.kind not in ("snmp_community", "snmp_v3"):
            continue
        if secrets is None:
            raise InputError(
                f"site {name!r} declares SNMP credential {cred_name!r}, "
                "and no secret resolver was given to read it",
                expected="a session's secrets (ScanRequest(secrets=session.secrets))",
            )
        auths.append(_snmp_auth(secrets, cred))
    return SiteScan(site, tuple(auths), tuple(notes))


def _snmp_auth(secrets: SecretResolver, cred: Credential) -> SnmpAuth:
    """The credential as an :class:`~rmmkit.snmp.auth.SnmpAuth` (v2c or v3)."""
    material = materialize(cred, secrets)
    if cred.kind == "snmp_community":
        return SnmpAuth.v2c(material.community, name=cred.name)
    return SnmpAuth.v3(
        material.user,
        material.auth_key,
        material.priv_key,
        auth_protocol=material.auth_protocol,
        priv_protocol=material.priv_protocol,
        name=cred.name,
    )


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
            raise InputError(
                f"{where}: {item!r} is not a TCP port",
                expected="comma-separated ports 1-65535, or 'none'",
            )
        ports.append(port)
    return tuple(dict.fromkeys(ports))
