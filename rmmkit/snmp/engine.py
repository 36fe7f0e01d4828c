"""The SNMP v1/v2c engine contract, and the two engines that implement it.

Why a protocol with two implementations: ``native`` (:mod:`.engine_native`,
the default) encodes and decodes BER itself and serves thousands of hosts a
second; ``pysnmp`` (:mod:`.engine_pysnmp`) is pysnmp 7's v1arch behind the
same calls.  :class:`rmmkit.snmp.client.SnmpClient` picks one
(:func:`rmmkit.snmp.client.make_engine`) and never knows which;
``bench/snmp.py`` measures both.
"""

from __future__ import annotations

import socket
from typing import Protocol

from rmmkit.snmp.ber import Response

RECV_BUFFER = 4 * 1024 * 1024


def bound_udp_socket(family: int) -> socket.socket:
    """A non-blocking UDP socket on an ephemeral port, its receive buffer big enough
    that a burst of answers from many targets is not dropped before the loop reads it."""
    sock = socket.socket(family, socket.SOCK_DGRAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, RECV_BUFFER)
    sock.bind(("::", 0) if family == socket.AF_INET6 else ("0.0.0.0", 0))
    sock.setblocking(False)
    return sock


class RequestTimeout(Exception):
    """No answer after every retry (carries no secret: only address and counts)."""


class V2cEngine(Protocol):
    """Send one v1/v2c request and return the matching response (resent ``retries`` times)."""

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
        """Raise :class:`RequestTimeout` when no answer came after every retry."""
        ...

    def close(self) -> None:
        """Close the sockets; pending requests are cancelled."""
        ...
