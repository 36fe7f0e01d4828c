"""The ``pysnmp`` engine for SNMP v1/v2c: pysnmp 7's v1arch behind the native engine's API.

Why a second engine: the issue asks for pysnmp (a well-kept library) on the
v1/v2c path; the native codec (:mod:`rmmkit.snmp.engine_native`) exists because
pysnmp's pyasn1 decoding is slower.  This engine has the same ``request``
signature and returns the same :class:`~rmmkit.snmp.ber.Response`, so the
client switches with ``SnmpOptions(engine="pysnmp")`` and nothing above it
changes.  ``bench/snmp.py`` measures both.

How it is made as fast as pysnmp allows: one ``SnmpDispatcher`` per client
(one asyncio dispatcher, one UDP socket per address family, shared by every
target: pysnmp demultiplexes by request id), one request per call with all
varbinds, ``lookupMib=False`` (no MIB resolution), transport targets built
from the already-normalised literal address (no ``getaddrinfo`` in an
executor thread per target), and a 4 MiB receive buffer on the shared socket
so a burst of answers is not dropped.  Concurrency is bounded by the caller
(``identify_many``'s semaphore), all in the caller's one event loop.

Difference to the native engine, inherited from pysnmp: v1arch matches a
response by request id only (not by source address or community).
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import ipaddress
import socket
from typing import Any

from pyasn1.error import PyAsn1Error
from pysnmp.carrier.asyncio.dgram import udp, udp6
from pysnmp.carrier.asyncio.dispatch import AsyncioDispatcher
from pysnmp.error import PySnmpError
from pysnmp.hlapi.v1arch import asyncio as v1
from pysnmp.proto import errind, rfc1902

from rmmkit.errors import ProtocolError
from rmmkit.snmp.ber import GET, GETNEXT, RESPONSE, Counter, Missing, Response, Value
from rmmkit.snmp.engine import RequestTimeout, bound_udp_socket

NULL = rfc1902.Null("")

# Conversion by BER tag (class, number): the same for v1 (RFC 1155) and v2c (RFC 1902) types.
_UNIVERSAL, _APPLICATION, _CONTEXT = 0x00, 0x40, 0x80
_COUNTERS = {1: "counter32", 2: "gauge32", 3: "timeticks", 6: "counter64"}
_MISSING = {0: Missing.NO_SUCH_OBJECT, 1: Missing.NO_SUCH_INSTANCE, 2: Missing.END_OF_MIB_VIEW}


def to_value(value: Any) -> Value:
    """A decoded pyasn1 value as the native codec's plain value (same types on both engines)."""
    tags = value.tagSet
    if not tags:  # an untagged CHOICE (v1 NetworkAddress): convert what it holds
        return to_value(value.getComponent())
    tag = tags[-1]
    cls, number = tag.tagClass, tag.tagId
    if cls == _UNIVERSAL:
        if number == 2:
            return int(value)
        if number == 4:
            return bytes(value.asOctets())
        if number == 6:
            return ".".join(map(str, value.asTuple()))
        if number == 5:
            return None
    elif cls == _APPLICATION:
        if number in _COUNTERS:
            return Counter(_COUNTERS[number], int(value))
        if number == 0 and len(value) == 4:
            return ipaddress.IPv4Address(value.asOctets())
    elif cls == _CONTEXT and number in _MISSING:
        return _MISSING[number]
    return bytes(value.asOctets()) if hasattr(value, "asOctets") else str(value)


@functools.lru_cache(maxsize=4096)  # identify sends the same dozen OIDs to every host
def _request_varbind(oid: str) -> tuple[Any, Any]:
    """(ObjectName, NULL) parsed once per OID; pysnmp only reads request varbinds."""
    return rfc1902.ObjectName(oid), NULL


class _LiteralUdpTarget(v1.UdpTransportTarget):
    """An IPv4 target whose address is already a literal: no resolver round trip."""

    async def _resolve_address(self, transportAddr: tuple[Any, ...]) -> tuple[str, int]:
        return str(transportAddr[0]), int(transportAddr[1])


class _LiteralUdp6Target(v1.Udp6TransportTarget):
    """The IPv6 twin of :class:`_LiteralUdpTarget`."""

    async def _resolve_address(self, transportAddr: tuple[Any, ...]) -> tuple[Any, ...]:
        return str(transportAddr[0]), int(transportAddr[1]), 0, 0


_CARRIERS: dict[int, tuple[Any, tuple[int, ...]]] = {
    socket.AF_INET: (udp.UdpAsyncioTransport, udp.DOMAIN_NAME),
    socket.AF_INET6: (udp6.Udp6AsyncioTransport, udp6.DOMAIN_NAME),
}


class _Dispatcher(v1.SnmpDispatcher):
    """pysnmp's dispatcher, minus the traceback asyncio logs for a malformed datagram.

    pysnmp 7.1 decodes whatever reaches the socket inside a loop callback; garbage
    raises there (pyasn1 errors, even ``TypeError``) and asyncio prints the traceback.
    Like the native engine, drop it: it is not an answer to anything we sent.
    """

    def _recv_callback(self, *args: Any) -> Any:
        try:
            return super()._recv_callback(*args)
        except (PyAsn1Error, PySnmpError, TypeError, ValueError):
            return None


class PysnmpEngine:
    """Send v1/v2c requests through one pysnmp v1arch dispatcher; same API as the native engine."""

    def __init__(self) -> None:
        self._transport_dispatcher: AsyncioDispatcher | None = None
        self._dispatcher: _Dispatcher | None = None
        self._families: set[int] = set()
        self._waiting: set[asyncio.Task[Any]] = set()  # callers with a request in flight

    async def __aenter__(self) -> PysnmpEngine:
        return self

    async def __aexit__(self, *exc: object) -> None:
        self.close()

    def _dispatcher_for(self, family: int) -> v1.SnmpDispatcher:
        """The shared dispatcher, with one big-buffered socket registered per address family."""
        if self._dispatcher is None:
            self._transport_dispatcher = AsyncioDispatcher(loop=asyncio.get_running_loop())
            self._dispatcher = _Dispatcher(self._transport_dispatcher)
        if family not in self._families:
            assert self._transport_dispatcher is not None
            sock = bound_udp_socket(family)
            proto, domain = _CARRIERS[family]
            transport = proto(loop=self._transport_dispatcher.loop).open_server_mode(sock=sock)
            self._transport_dispatcher.register_transport(domain, transport)
            self._families.add(family)
        return self._dispatcher

    async def request(
        self,
        host: str,
        port: int,
        *,
        version: int,
        community: bytes,
        pdu_type: int,
        oids: list[str],
        timeout: float,
        retries: int,
        non_repeaters: int = 0,
        max_repetitions: int = 0,
    ) -> Response:
        """Send one GET/GETNEXT/GETBULK (resent ``retries`` times); the matching response."""
        six = ipaddress.ip_address(host).version == 6
        dispatcher = self._dispatcher_for(socket.AF_INET6 if six else socket.AF_INET)
        maker = _LiteralUdp6Target if six else _LiteralUdpTarget
        target = await maker.create((host, port), timeout=timeout, retries=retries)
        auth = v1.CommunityData(community, mpModel=version)  # the secret meets the library here
        varbinds = [_request_varbind(oid) for oid in oids]
        caller = asyncio.current_task()
        if caller is not None:
            self._waiting.add(caller)
        try:
            result = await self._send(
                dispatcher, auth, target, pdu_type, varbinds, non_repeaters, max_repetitions
            )
        finally:
            self._waiting.discard(caller)  # type: ignore[arg-type]
        indication, status, index, table = result
        if isinstance(indication, errind.RequestTimedOut):
            raise RequestTimeout(f"{host}:{port}")
        if indication:
            raise ProtocolError(
                f"SNMP v{'1' if version == 0 else '2c'} request to {host}:{port} failed: "
                f"{type(indication).__name__}",
                host=host,
                code="snmp_error",
            )
        rows = [(".".join(map(str, name.asTuple())), to_value(val)) for name, val in table]
        # community left empty: the secret is not copied into results
        return Response(version, b"", RESPONSE, 0, int(status or 0), int(index or 0), rows)

    @staticmethod
    async def _send(
        dispatcher: v1.SnmpDispatcher,
        auth: v1.CommunityData,
        target: Any,
        pdu_type: int,
        varbinds: list[Any],
        non_repeaters: int,
        max_repetitions: int,
    ) -> Any:
        if pdu_type == GET:
            result = await v1.get_cmd(dispatcher, auth, target, *varbinds, lookupMib=False)
        elif pdu_type == GETNEXT:
            result = await v1.next_cmd(dispatcher, auth, target, *varbinds, lookupMib=False)
        else:
            result = await v1.bulk_cmd(
                dispatcher,
                auth,
                target,
                non_repeaters,
                max_repetitions,
                *varbinds,
                lookupMib=False,
            )
        return result

    def close(self) -> None:
        if self._dispatcher is not None:
            for caller in self._waiting:
                caller.cancel()  # like the native engine: a request cut short is cancelled
            self._waiting.clear()
            # pysnmp 7.1's close() calls each pending request's callback with one argument
            # too few (TypeError); the callers are cancelled above, so nothing waits on them.
            with contextlib.suppress(TypeError):
                self._dispatcher.close()
            self._dispatcher = None
        if self._transport_dispatcher is not None:
            self._transport_dispatcher.close_dispatcher()
            self._transport_dispatcher = None
        self._families.clear()
