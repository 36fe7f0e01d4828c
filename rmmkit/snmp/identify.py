"""Identify SNMP agents: one request per host, then classify — at scale.

Why one request: identify asks every scalar and every MIB probe as one
GETNEXT/GETBULK (non-repeaters only), so a host costs one round trip; with
the shared UDP engine one loop identifies thousands of hosts per second
(``bench/snmp.py``).
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from rmmkit.errors import AuthenticationError, RmmkitError, UnreachableError
from rmmkit.snmp.auth import SnmpAuth
from rmmkit.snmp.classify import Identity, Ruleset
from rmmkit.snmp.client import SnmpClient


@dataclass
class Identified:
    """The class of one agent and what it said about itself."""

    address: str
    device_class: str
    kind: str  # the report tab: ups, printer, firewall, router, switch, linux, snmp
    label: str
    manufacturer: str
    identity: Identity
    version: str  # SNMP version that answered: 1, 2c or 3
    credential: str = ""
    secure: bool = False  # v3 authPriv
    extra: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {
            "address": self.address,
            "class": self.device_class,
            "kind": self.kind,
            "label": self.label,
            "manufacturer": self.manufacturer,
            "identity": self.identity.as_dict(),
            "snmp_version": self.version,
            "credential": self.credential,
            "secure": self.secure,
        }


async def identify(
    client: SnmpClient, host: str, auths: list[SnmpAuth], ruleset: Ruleset
) -> Identified:
    """Try each credential in order; the first that answers classifies the host.

    Raises the last error when none answers (UnreachableError when every
    credential timed out, AuthenticationError when a v3 key was refused).
    """
    if not auths:
        raise AuthenticationError(
            f"no SNMP credential for {host}",
            host=host,
            causes=("declare an snmp_community or snmp_v3 credential for the site",),
        )
    last: RmmkitError | None = None
    for auth in auths:
        try:
            rows = await client.next_values(host, auth, ruleset.identify_oids())
        except (UnreachableError, AuthenticationError) as exc:
            last = exc
            continue
        ident = ruleset.identity_from(rows)
        device_class = ruleset.classify(ident)
        return Identified(
            address=host,
            device_class=device_class.name,
            kind=device_class.kind,
            label=device_class.label,
            manufacturer=ruleset.manufacturer(ident),
            identity=ident,
            version=auth.version,
            credential=auth.name,
            secure=auth.secure,
        )
    assert last is not None
    raise last


async def identify_many(
    client: SnmpClient,
    hosts: Iterable[str],
    auths: list[SnmpAuth],
    ruleset: Ruleset,
    *,
    concurrency: int = 512,
) -> dict[str, Identified | RmmkitError]:
    """Identify every host concurrently; each value is a result or the host's error."""
    gate = asyncio.Semaphore(concurrency)
    out: dict[str, Identified | RmmkitError] = {}

    async def one(host: str) -> None:
        async with gate:
            try:
                out[host] = await identify(client, host, auths, ruleset)
            except RmmkitError as exc:
                out[host] = exc

    await asyncio.gather(*(one(h) for h in hosts))
    return out
