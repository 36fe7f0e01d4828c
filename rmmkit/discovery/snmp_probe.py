"""SNMP sysDescr / sysName / sysObjectID for discovery, when the site declares credentials.

Why delegate: the SNMP area's :class:`rmmkit.snmp.client.SnmpClient` speaks
v1, v2c and v3 with rmmkit's errors; discovery only needs three scalars per
live host, asked with each declared credential in order.
"""

from __future__ import annotations

from rmmkit.snmp.auth import SnmpAuth
from rmmkit.snmp.ber import Missing, describe
from rmmkit.snmp.client import SnmpClient, SnmpOptions

# One resend, like every SNMP manager: a busy agent (a switch's CPU, a UDP drop) that misses
# one request must not lose the device its class and name for a whole scan.
RETRIES = 1
SYSTEM_OIDS = {
    "sys_descr": "1.3.6.1.2.1.1.1.0",
    "sys_object_id": "1.3.6.1.2.1.1.2.0",
    "sys_name": "1.3.6.1.2.1.1.5.0",
}


class SnmpIdentity:
    """One client per scan; :meth:`get` tries each declared credential in order."""

    def __init__(
        self,
        credentials: list[SnmpAuth],
        *,
        timeout: float = 1.0,
        port: int = 161,
        retries: int = RETRIES,
    ) -> None:
        self.credentials = credentials
        self.timeout, self.port, self.retries = timeout, port, retries
        self._client: SnmpClient | None = None

    async def get(self, ip: str) -> tuple[dict[str, str], str]:
        """(values, via): values empty when no credential answered; ``via`` then says why."""
        note = "snmp: no credential declared"
        for position, auth in enumerate(self.credentials, start=1):
            label = auth.name or f"credential #{position}"
            try:
                values = await self._get(ip, auth)
            except Exception as exc:  # timeouts, auth refusals: try the next credential
                note = f"snmp {label}: {type(exc).__name__}"
                continue
            if values:
                return values, f"snmp v{auth.version} ({label})"
            note = f"snmp {label}: no system values"
        return {}, note

    async def _get(self, ip: str, auth: SnmpAuth) -> dict[str, str]:
        if self._client is None:
            self._client = SnmpClient(
                SnmpOptions(port=self.port, timeout=self.timeout, retries=self.retries)
            )
        got = await self._client.get(ip, auth, list(SYSTEM_OIDS.values()))
        values = {
            key: describe(got.get(oid))
            for key, oid in SYSTEM_OIDS.items()
            if not isinstance(got.get(oid), Missing)
        }
        return {k: v for k, v in values.items() if v}

    def close(self) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None
