"""SNMP devices: identify, classify and poll (UPS, printer, firewall, router, switch, Linux).

Modules: :mod:`~rmmkit.snmp.client` (requests), :mod:`~rmmkit.snmp.classify`
(data rules), :mod:`~rmmkit.snmp.identify`, :mod:`~rmmkit.snmp.poll`,
:mod:`~rmmkit.snmp.transport`.  Heavy imports (pysnmp) happen on first use,
so importing this package stays cheap for discovery.
"""

from __future__ import annotations

from typing import Any

from rmmkit.secrets.values import Secret


async def system_identity(
    ip: str,
    communities: list[Secret],
    *,
    timeout: float = 1.0,
    port: int = 161,
    retries: int = 0,
    engine: str | None = None,
) -> tuple[dict[str, str], str]:
    """(values, note) for discovery: sysDescr/sysObjectID/sysName plus the device class.

    Tries each v2c community in order with one identify request; ``values`` is
    empty when none answered and ``note`` says why, naming communities by
    position only (never by value).  ``engine`` picks the v1/v2c engine
    (``native`` or ``pysnmp``; None: the default).
    """
    from rmmkit.errors import RmmkitError
    from rmmkit.snmp.auth import SnmpAuth
    from rmmkit.snmp.classify import load_ruleset
    from rmmkit.snmp.client import SnmpClient, SnmpOptions
    from rmmkit.snmp.identify import identify

    if not communities:
        return {}, "snmp: no community declared"
    ruleset = _cached_ruleset(load_ruleset)
    note = ""
    chosen = {"engine": engine} if engine else {}
    options = SnmpOptions(port=port, timeout=timeout, retries=retries, **chosen)
    async with SnmpClient(options) as client:
        for position, community in enumerate(communities, start=1):
            try:
                dev = await identify(client, ip, [SnmpAuth.v2c(community)], ruleset)
            except RmmkitError as exc:
                note = f"snmp: community #{position}: {exc.message}"
                continue
            values = {
                "sys_descr": dev.identity.sys_descr,
                "sys_object_id": dev.identity.sys_object_id,
                "sys_name": dev.identity.sys_name,
                "device_class": dev.device_class,
                "device_kind": dev.kind,
                "manufacturer": dev.manufacturer,
            }
            return {k: v for k, v in values.items() if v}, f"snmp v2c (community #{position})"
    return {}, note


_RULESET: list[Any] = []


def _cached_ruleset(loader: Any) -> Any:
    if not _RULESET:
        _RULESET.append(loader())
    return _RULESET[0]
