"""SNMPv3 (USM) requests through pysnmp's v3arch.

Why pysnmp here and not the small codec: USM means key localisation, HMAC
digests, AES/DES privacy and engine discovery; pysnmp implements and tests
all of it.  Values are converted to the same plain Python values the v1/v2c
codec returns, so nothing above this module knows which path answered.
"""

from __future__ import annotations

import contextlib
import functools
import ipaddress
from types import ModuleType
from typing import Any

from rmmkit.snmp.ber import Counter, Missing, Value

# Protocol names → pysnmp constant names, resolved only when a v3 request is
# made: importing pysnmp costs ~0.5 s, and every CLI command loads this module
# (through the SNMP plugin) even when it sends no SNMP at all.
AUTH_PROTOCOLS = {
    "none": "USM_AUTH_NONE",
    "md5": "USM_AUTH_HMAC96_MD5",
    "sha": "USM_AUTH_HMAC96_SHA",
    "sha1": "USM_AUTH_HMAC96_SHA",
    "sha224": "USM_AUTH_HMAC128_SHA224",
    "sha256": "USM_AUTH_HMAC192_SHA256",
    "sha384": "USM_AUTH_HMAC256_SHA384",
    "sha512": "USM_AUTH_HMAC384_SHA512",
}
# net-snmp localises AES-192/256 keys the Blumenthal way; so do we, to interoperate.
PRIV_PROTOCOLS = {
    "none": "USM_PRIV_NONE",
    "des": "USM_PRIV_CBC56_DES",
    "3des": "USM_PRIV_CBC168_3DES",
    "aes": "USM_PRIV_CFB128_AES",
    "aes128": "USM_PRIV_CFB128_AES",
    "aes192": "USM_PRIV_CFB192_AES_BLUMENTHAL",
    "aes256": "USM_PRIV_CFB256_AES_BLUMENTHAL",
}

# errorIndication classes (pysnmp.proto.errind) that mean "the agent refused our credentials"
_AUTH_FAILURE_NAMES = (
    "WrongDigest",
    "DecryptionError",
    "UnknownUserName",
    "UnsupportedSecurityLevel",
    "AuthenticationFailure",
    "AuthenticationError",
    "UnknownSecurityName",
)


@functools.cache
def _hlapi() -> ModuleType:
    """pysnmp's v3arch asyncio API, imported on the first v3 request."""
    from pysnmp.hlapi.v3arch import asyncio as hl

    return hl


class _AuthFailureCheck(type):
    """``isinstance(x, AUTH_FAILURES)`` without importing pysnmp before a v3 request has."""

    def __instancecheck__(cls, instance: Any) -> bool:
        from pysnmp.proto import errind

        return isinstance(instance, tuple(getattr(errind, n) for n in _AUTH_FAILURE_NAMES))


class AuthFailure(metaclass=_AuthFailureCheck):
    """Matches every pysnmp errorIndication that means a refused credential."""


AUTH_FAILURES = (AuthFailure,)


def normalise_protocol(name: str) -> str:
    """``SHA-256`` / ``sha_256`` / ``AES-128`` → the keys of the tables above."""
    return name.lower().replace("-", "").replace("_", "")


def to_value(value: Any) -> Value:
    """A pysnmp value as the codec's plain value (same types for every SNMP version)."""
    from pysnmp.proto import rfc1902, rfc1905

    if isinstance(value, rfc1905.NoSuchObject):
        return Missing.NO_SUCH_OBJECT
    if isinstance(value, rfc1905.NoSuchInstance):
        return Missing.NO_SUCH_INSTANCE
    if isinstance(value, rfc1905.EndOfMibView):
        return Missing.END_OF_MIB_VIEW
    if isinstance(value, rfc1902.IpAddress):
        return ipaddress.IPv4Address(value.asOctets())
    for cls, kind in (
        (rfc1902.Counter64, "counter64"),
        (rfc1902.Counter32, "counter32"),
        (rfc1902.TimeTicks, "timeticks"),
        (rfc1902.Gauge32, "gauge32"),
    ):
        if isinstance(value, cls):
            return Counter(kind, int(value))
    if isinstance(value, rfc1902.ObjectIdentifier):
        return str(value)
    if isinstance(value, rfc1902.OctetString):
        return bytes(value.asOctets())
    if isinstance(value, rfc1902.Integer32 | rfc1902.Integer):
        return int(value)
    if isinstance(value, rfc1902.Null):
        return None
    return bytes(value.asOctets()) if hasattr(value, "asOctets") else str(value)


class V3Session:
    """One pysnmp SnmpEngine for every v3 request of a client (engine discovery is cached)."""

    def __init__(self) -> None:
        self.engine = _hlapi().SnmpEngine()

    @staticmethod
    def user_data(
        user: str,
        auth_key: str | None,
        priv_key: str | None,
        auth_protocol: str,
        priv_protocol: str,
    ) -> Any:
        """USM user data; keys are revealed by the caller right here, at the library boundary."""
        hl = _hlapi()
        return hl.UsmUserData(
            user,
            authKey=auth_key,
            privKey=priv_key,
            authProtocol=getattr(hl, AUTH_PROTOCOLS[normalise_protocol(auth_protocol)]),
            privProtocol=getattr(hl, PRIV_PROTOCOLS[normalise_protocol(priv_protocol)]),
        )

    async def request(
        self,
        kind: str,
        usm: Any,
        host: str,
        port: int,
        oids: list[str],
        *,
        timeout: float,
        retries: int,
        max_repetitions: int = 0,
        non_repeaters: int = 0,
    ) -> tuple[Any, int, int, list[tuple[str, Value]]]:
        """(errorIndication, errorStatus, errorIndex, varbinds) of one GET/GETNEXT/GETBULK."""
        hl = _hlapi()
        maker = (
            hl.Udp6TransportTarget
            if ipaddress.ip_address(host).version == 6
            else hl.UdpTransportTarget
        )
        target = await maker.create((host, port), timeout=timeout, retries=retries)
        varbinds = [hl.ObjectType(hl.ObjectIdentity(oid)) for oid in oids]
        common = (self.engine, usm, target, hl.ContextData())
        if kind == "get":
            result = await hl.get_cmd(*common, *varbinds, lookupMib=False)
        elif kind == "next":
            result = await hl.next_cmd(*common, *varbinds, lookupMib=False)
        else:
            result = await hl.bulk_cmd(
                *common, non_repeaters, max_repetitions, *varbinds, lookupMib=False
            )
        error_indication, error_status, error_index, table = result
        rows = [(str(name), to_value(val)) for name, val in (table or ())]
        return error_indication, int(error_status or 0), int(error_index or 0), rows

    def close(self) -> None:
        # closing a half-started engine must not hide the real outcome
        with contextlib.suppress(Exception):
            self.engine.close_dispatcher()
