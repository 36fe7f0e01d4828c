"""SNMP sysDescr / sysName / sysObjectID for discovery, when the site declares a community.

Why here and small: identity needs three scalars, once per live host.  When
the SNMP area's ``rmmkit.snmp`` offers ``system_identity`` we call it (it
also speaks v3); otherwise this v1arch GET — much lighter than v3arch for
many v2c targets — does the job for communities only.
"""

from __future__ import annotations

import importlib
from typing import Any

from rmmkit.secrets.values import Secret

SYSTEM_OIDS = {
    "sys_descr": "1.3.6.1.2.1.1.1.0",
    "sys_object_id": "1.3.6.1.2.1.1.2.0",
    "sys_name": "1.3.6.1.2.1.1.5.0",
}


class SnmpIdentity:
    """One dispatcher per scan; :meth:`get` tries each declared community in order."""

    def __init__(self, communities: list[Secret], *, timeout: float = 1.0, port: int = 161) -> None:
        self.communities = communities
        self.timeout, self.port = timeout, port
        self._dispatcher: Any = None
        self._delegate = _snmp_area_probe()

    async def get(self, ip: str) -> tuple[dict[str, str], str]:
        """(values, note): values empty when no community answered; note says why."""
        if self._delegate is not None:
            return await self._delegate(ip, self.communities, timeout=self.timeout)
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
        note = "snmp: no community declared"
        for position, community in enumerate(self.communities, start=1):
            target = await UdpTransportTarget.create((ip, self.port), timeout=self.timeout,
                                                     retries=0)
            error, status, _index, binds = await get_cmd(
                self._dispatcher, CommunityData(community.reveal_str(), mpModel=1), target,
                *(ObjectType(ObjectIdentity(oid)) for oid in SYSTEM_OIDS.values()), lookupMib=False)
            if error or status:
                note = f"snmp: community #{position}: {error or status.prettyPrint()}"
                continue
            by_oid = {str(name): value for name, value in binds}
            values = {key: _text(by_oid.get(oid)) for key, oid in SYSTEM_OIDS.items()}
            return {k: v for k, v in values.items() if v}, f"snmp v2c (community #{position})"
        return {}, note

    def close(self) -> None:
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


def _snmp_area_probe() -> Any:
    """The SNMP area's identity helper, if it exists yet (never required)."""
    try:
        module = importlib.import_module("rmmkit.snmp")
    except ImportError:
        return None
    return getattr(module, "system_identity", None)
