"""The ``native`` SNMP v1/v2c engine: the small BER codec on one asyncio UDP socket.

Why: identifying a /16 means thousands of requests in flight; one socket per
address family with request-id demultiplexing keeps that to a handful of
file descriptors, and timers (``call_later``) instead of a task per request
keep the loop cheap.  A response is accepted only from the address the
request went to, with the request id and the community it was sent with.
"""

from __future__ import annotations

import asyncio
import ipaddress
import itertools
import random
import socket
from dataclasses import dataclass, field
from typing import Any

from rmmkit.snmp.ber import BerError, Response, decode_response, encode_request
from rmmkit.snmp.engine import RequestTimeout, bound_udp_socket


@dataclass
class _Pending:
    future: asyncio.Future[Response]
    address: tuple[str, int]
    message: bytes
    community: bytes
    timeout: float
    retries_left: int
    timer: asyncio.TimerHandle | None = field(default=None)


class _Protocol(asyncio.DatagramProtocol):
    def __init__(self, engine: NativeEngine) -> None:
        self.engine = engine

    def datagram_received(self, data: bytes, addr: Any) -> None:
        self.engine._on_datagram(data, addr)

    def error_received(
        self, exc: Exception
    ) -> None:  # ICMP port unreachable etc.: wait for timeout
        pass


class NativeEngine:
    """Send v1/v2c requests and match responses; use as ``async with NativeEngine() as eng``."""

    def __init__(self) -> None:
        self._transports: dict[int, asyncio.DatagramTransport] = {}
        self._pending: dict[int, _Pending] = {}
        self._ids = itertools.count(random.randint(1, 1 << 30))
        self._loop: asyncio.AbstractEventLoop | None = None

    async def __aenter__(self) -> NativeEngine:
        return self

    async def __aexit__(self, *exc: object) -> None:
        self.close()

    async def _transport(self, host: str) -> asyncio.DatagramTransport:
        family = socket.AF_INET6 if ipaddress.ip_address(host).version == 6 else socket.AF_INET
        transport = self._transports.get(family)
        if transport is None:
            self._loop = asyncio.get_running_loop()
            sock = bound_udp_socket(family)
            transport, _ = await self._loop.create_datagram_endpoint(
                lambda: _Protocol(self), sock=sock
            )
            self._transports[family] = transport
        return transport

    def _next_id(self) -> int:
        while True:
            rid = next(self._ids) & 0x7FFFFFFF
            if rid and rid not in self._pending:
                return rid

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
        """Send one request (resent ``retries`` times) and return the matching response."""
        transport = await self._transport(host)
        rid = self._next_id()
        message = encode_request(
            version,
            community,
            pdu_type,
            rid,
            oids,
            non_repeaters=non_repeaters,
            max_repetitions=max_repetitions,
        )
        loop = asyncio.get_running_loop()
        pending = _Pending(loop.create_future(), (host, port), message, community, timeout, retries)
        self._pending[rid] = pending
        transport.sendto(message, (host, port))
        pending.timer = loop.call_later(timeout, self._expire, rid)
        try:
            return await pending.future
        finally:
            if pending.timer is not None:
                pending.timer.cancel()
            self._pending.pop(rid, None)

    def _expire(self, rid: int) -> None:
        pending = self._pending.get(rid)
        if pending is None or pending.future.done():
            return
        if pending.retries_left > 0:
            pending.retries_left -= 1
            transport = self._transports.get(
                socket.AF_INET6 if ":" in pending.address[0] else socket.AF_INET
            )
            if transport is not None:
                transport.sendto(pending.message, pending.address)
            assert self._loop is not None
            pending.timer = self._loop.call_later(pending.timeout, self._expire, rid)
            return
        pending.future.set_exception(RequestTimeout(f"{pending.address[0]}:{pending.address[1]}"))

    def _on_datagram(self, data: bytes, addr: Any) -> None:
        try:
            response = decode_response(data)
        except BerError:
            return  # garbage on our port: not ours to answer
        pending = self._pending.get(response.request_id)
        if pending is None or pending.future.done():
            return
        if (addr[0], addr[1]) != pending.address or response.community != pending.community:
            return
        pending.future.set_result(response)

    def close(self) -> None:
        for transport in self._transports.values():
            transport.close()
        self._transports.clear()
        for pending in self._pending.values():
            if pending.timer is not None:
                pending.timer.cancel()
            if not pending.future.done():
                pending.future.cancel()
        self._pending.clear()
