"""What an SNMP request may be told (:class:`SnmpOptions`) and how its failures read.

Why apart from :mod:`rmmkit.snmp.client`: playbook args, the CLI and
discovery build options and validate addresses without the request
machinery; the cause texts are the user-facing half of the client's errors,
kept together so they stay consistent across v1, v2c and v3.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass

from rmmkit.errors import InputError

ERROR_STATUS = (
    "noError",
    "tooBig",
    "noSuchName",
    "badValue",
    "readOnly",
    "genErr",
    "noAccess",
    "wrongType",
    "wrongLength",
    "wrongEncoding",
    "wrongValue",
    "noCreation",
    "inconsistentValue",
    "resourceUnavailable",
    "commitFailed",
    "undoFailed",
    "authorizationError",
    "notWritable",
    "inconsistentName",
)

V2C_TIMEOUT_CAUSES = (
    "wrong community: a v1/v2c agent silently drops requests with an unknown community",
    "host down or not reachable",
    "no SNMP agent listening on that UDP port, or a firewall drops it",
    "the agent accepts only SNMPv3 or only some source addresses",
)
V3_TIMEOUT_CAUSES = (
    "host down or not reachable",
    "no SNMP agent listening on that UDP port, or a firewall drops it",
)
V3_AUTH_CAUSES = {
    "WrongDigest": "wrong SNMPv3 auth key or auth protocol (agent counted usmStatsWrongDigests)",
    "DecryptionError": "wrong SNMPv3 privacy key or privacy protocol (usmStatsDecryptionErrors)",
    "UnknownUserName": "the agent has no SNMPv3 user of that name (usmStatsUnknownUserNames)",
    "UnsupportedSecurityLevel": "the user exists, but not at this security level "
    "(authPriv vs authNoPriv)",
}


ENGINES = ("native", "pysnmp")
DEFAULT_ENGINE = "native"  # measured faster: see docs/snmp.md "Engines" and bench/snmp.py


@dataclass(frozen=True)
class SnmpOptions:
    """Per-request behaviour; every field can be set from playbook args or the CLI."""

    port: int = 161
    timeout: float = 1.0
    retries: int = 1
    max_repetitions: int = 25
    max_rows: int = 5000  # a walk stops after this many values (runaway agents)
    max_oids_per_request: int = 20
    engine: str = DEFAULT_ENGINE  # v1/v2c path: "native" (BER codec) or "pysnmp" (v1arch)

    def __post_init__(self) -> None:
        if self.engine not in ENGINES:  # fail when declared, not at the first request
            raise InputError(f"unknown SNMP engine {self.engine!r}", expected=" or ".join(ENGINES))


def normalise_host(host: str) -> str:
    """The canonical text of an IP address literal (names are refused: no DNS per request)."""
    try:
        return str(ipaddress.ip_address(host))
    except ValueError:
        raise InputError(
            f"not an IP address: {host!r}", expected="an IPv4 or IPv6 address"
        ) from None
