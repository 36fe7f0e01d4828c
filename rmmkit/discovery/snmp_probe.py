"""SNMP sysDescr / sysName / sysObjectID for discovery, when the site declares credentials.

Why delegate: the SNMP area's :class:`rmmkit.snmp.client.SnmpClient` speaks
v1, v2c and v3 with rmmkit's errors; discovery only needs three scalars per
live host.  Without that package (it is optional for discovery) a minimal
pysnmp v1arch GET — much lighter than v3arch for many v2c targets — serves
plain communities.
"""

from __future__ import annotations

from typing import Any

from rmmkit.secrets.values import Secret

SYSTEM_OIDS = {
    "sys_descr": "1.3.6.1.2.1.1.1.0",
    "sys_object_id": "1.3.6.1.2.1.1.2.0",
    "sys_name": "1.3.6.1.2.1.1.5.0",
}


class SnmpIdentity:
    """One client per scan; :meth:`get` tries each declared credential in order."""

    def __init__(self, credentials: list[Any], *, timeout: float = 1.0, port: int = 161) -> None:
        self.credentials = credentials  # SnmpAuth objects, or community Secrets (fallback)
        self.timeout, self.port = timeout, port
        self._client: Any = None
        self._dispatcher: Any = None

    async def get(self, ip: str) -> tuple[dict[str, str], str]:
        """(values, via): values empty when no credential answered; ``via`` then says why."""
        note = "snmp: no credential declared"
        for position, cred in enumerate(self.credentials, start=1):
            label = getattr(cred, "name", "") or f"credential #{position}"
            try:
                if isinstance(cred, Secret):
                    values = await self._pysnmp_get(ip, cred)
                    version = "2c"
                else:
                    values = await self._client_get(ip, cred)
                    version = cred.version
            except Exception as exc:  # timeouts, auth refusals: try the next credential
                note = f"snmp {label}: {type(exc).__name__}"
                continue
            if values:
                return values, f"snmp v{version} ({label})"
            note = f"snmp {label}: no system values"
        return {}, note

    async def _client_get(self, ip: str, auth: Any) -> dict[str, str]:
        from rmmkit.snmp.ber import Missing, describe
        from rmmkit.snmp.client import SnmpClient, SnmpOptions

        if self._client is None:
            self._client = SnmpClient(SnmpOptions(port=self.port, timeout=self.timeout, retries=0))
        got = await self._client.get(ip, auth, list(SYSTEM_OIDS.values()))
        values = {key: describe(got.get(oid)) for key, oid in SYSTEM_OIDS.items()
                  if not isinstance(got.get(oid), Missing)}
        return {k: v for k, v in values.items() if v}

    async def _pysnmp_get(self, ip: str, community: Secret) -> dict[str, str]:
        from pysnmp.hlapi.v1arch.asyncio import (
            CommunityData,
            ObjectIdentity,
            ObjectType,
            SnmpDispatcher,
            UdpTransportTarget,
            get_cmd,
        )

        if self._dispatcher is None:
            self._dispatcher = SnmpDispatcher()
        target = await UdpTransportTarget.create((ip, self.port), timeout=self.timeout, retries=0)
        error, status, _index, binds = await get_cmd(
            self._dispatcher, CommunityData(community.reveal_str(), mpModel=1), target,
            *(ObjectType(ObjectIdentity(oid)) for oid in SYSTEM_OIDS.values()), lookupMib=False)
        if error or status:
            raise TimeoutError(str(error or status.prettyPrint()))
        by_oid = {str(name): value for name, value in binds}
        values = {key: _text(by_oid.get(oid)) for key, oid in SYSTEM_OIDS.items()}
        return {k: v for k, v in values.items() if v}

    def close(self) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None
        if self._dispatcher is not None:
            self._dispatcher.transport_dispatcher.close_dispatcher()
            self._dispatcher = None


def _text(value: Any) -> str:
    if value is None:
        return ""
    try:
        text = value.prettyPrint()
    except Exception:  # a value pysnmp cannot render is no identity
        return ""
    return "" if text.startswith("No Such") else text
