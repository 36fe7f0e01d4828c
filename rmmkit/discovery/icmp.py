"""One asyncio ICMP echo engine for every address of a scan.

Why one engine: a scan of a /16 must not create 65,536 coroutines or sockets.
One socket sends precomputed echo requests in a tight, token-bucket-paced
loop while a reader callback on the same event loop drains replies, so the
rate is exact and memory stays flat.  Raw sockets (root) see the IP header,
hence the reply TTL and ICMP errors; otherwise an unprivileged ping socket
(``SOCK_DGRAM``/``IPPROTO_ICMP``, allowed by ``net.ipv4.ping_group_range``)
is used and the TTL arrives as ``IP_RECVTTL`` ancillary data.
"""

from __future__ import annotations

import asyncio
import os
import socket
import struct
import sys
import time
from array import array
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from rmmkit.discovery.rate import TokenBucket
from rmmkit.errors import ScopeError, TransportError

ECHO_REQUEST, ECHO_REPLY, DEST_UNREACHABLE, TIME_EXCEEDED = 8, 0, 3, 11
IP_RECVTTL = getattr(socket, "IP_RECVTTL", 12)
_PACKET = struct.Struct("!BBHHHII")  # type, code, checksum, id, seq, magic, target index
MAX_BURST = 256  # packets sent per loop turn before the reply reader gets its turn
_UNREACH_CODES = {
    0: "network unreachable",
    1: "host unreachable",
    3: "port unreachable",
    9: "network prohibited",
    10: "host prohibited",
    13: "administratively prohibited",
}


@dataclass(slots=True)
class EchoReply:
    rtt: float
    ttl: int | None
    attempt: int


def _fold(total: int) -> int:
    total = (total >> 16) + (total & 0xFFFF)
    total += total >> 16
    return ~total & 0xFFFF


def open_icmp_socket(privileged: bool | None = None) -> tuple[socket.socket, bool]:
    """A non-blocking ICMP socket: raw when permitted, else a ping socket; (socket, is_raw)."""
    errors: list[str] = []
    kinds = [True, False] if privileged is None else [privileged]
    for raw in kinds:
        try:
            sock = socket.socket(
                socket.AF_INET, socket.SOCK_RAW if raw else socket.SOCK_DGRAM, socket.IPPROTO_ICMP
            )
        except PermissionError as exc:
            errors.append(f"{'raw' if raw else 'ping'} socket: {exc.strerror}")
            continue
        sock.setblocking(False)
        for opt, force, size in ((socket.SO_RCVBUF, 33, 16 << 20), (socket.SO_SNDBUF, 32, 4 << 20)):
            try:  # SO_RCVBUFFORCE/SO_SNDBUFFORCE (33/32) ignore rmem_max when we are root
                sock.setsockopt(socket.SOL_SOCKET, force, size)
            except OSError:
                sock.setsockopt(socket.SOL_SOCKET, opt, size)
        if not raw:
            sock.setsockopt(socket.IPPROTO_IP, IP_RECVTTL, 1)
        return sock, raw
    raise TransportError(
        "cannot open an ICMP socket (" + "; ".join(errors) + ")",
        code="icmp_denied",
        causes=[
            "not root and net.ipv4.ping_group_range excludes this group",
            "run as root, or widen ping_group_range, or scan with TCP ports only",
        ],
    )


class IcmpEngine:
    """Echo-sweep ``targets`` (IPv4 addresses as ints); results in ``replies`` / ``errors``.

    ``check(ip_text)`` is the scope guard, called once per address before its
    first packet.  ``on_silent(index)`` is called ``silent_after`` seconds
    after an address's first packet if it has not answered (the TCP fallback).
    """

    def __init__(
        self,
        targets: Sequence[int],
        *,
        bucket: TokenBucket,
        timeout: float = 1.0,
        retries: int = 1,
        check: Callable[[str], object] | None = None,
        on_silent: Callable[[int], None] | None = None,
        silent_after: float | None = None,
        privileged: bool | None = None,
    ) -> None:
        self.targets = targets
        self.bucket, self.timeout, self.retries = bucket, float(timeout), max(0, int(retries))
        self.check, self.on_silent = check, on_silent
        self.silent_after = self.timeout / 2 if silent_after is None else silent_after
        self.privileged = privileged
        self.replies: dict[int, EchoReply] = {}
        self.errors: dict[int, str] = {}
        self.sent = 0
        self.started = 0  # addresses that got their first packet (progress)
        self.raw: bool | None = None
        self._ident = (os.getpid() ^ int.from_bytes(os.urandom(2), "big")) & 0xFFFF
        self._magic = int.from_bytes(os.urandom(4), "big")
        self._first = array("d", bytes(8 * len(targets)))
        self._retry_queues: list[deque[int]] = [deque() for _ in range(self.retries)]
        self._silent: deque[int] = deque()  # sent, waiting for ``silent_after`` (TCP fallback)

    def packet(self, index: int, attempt: int) -> bytes:
        """An echo request whose payload names the target index (reply matching)."""
        total = (
            (ECHO_REQUEST << 8)
            + self._ident
            + attempt
            + (self._magic >> 16)
            + (self._magic & 0xFFFF)
            + (index >> 16)
            + (index & 0xFFFF)
        )
        return _PACKET.pack(ECHO_REQUEST, 0, _fold(total), self._ident, attempt, self._magic, index)

    async def run(self) -> None:
        sock, self.raw = open_icmp_socket(self.privileged)
        loop = asyncio.get_running_loop()
        loop.add_reader(sock.fileno(), self._drain, sock)
        try:
            await self._send_all(sock)
        finally:
            loop.remove_reader(sock.fileno())
            sock.close()

    async def _send_all(self, sock: socket.socket) -> None:
        n, replies, first = len(self.targets), self.replies, self._first
        clock = time.monotonic
        while True:
            now = clock()
            available = self.bucket.available()
            budget = min(available, MAX_BURST)  # then yield, so the reader drains replies
            sent = self._send_retries(sock, now, budget)
            if sent >= 0:  # -1: the socket buffer is full
                sent += self._send_fresh(sock, now, budget - sent)
            self._notify_silent(now)
            if len(replies) >= n:
                return
            if self.started >= n and (not n or first[n - 1] + self.timeout <= now):
                return
            if available > MAX_BURST and self.started < n:
                await asyncio.sleep(0)
            else:
                await asyncio.sleep(min(max(self.bucket.wait_time(), 0.0005), 0.01))

    def _send_retries(self, sock: socket.socket, now: float, budget: int) -> int:
        """Resend to silent addresses whose next attempt is due; packets sent, or -1 when full."""
        gap, first, replies = self.timeout / (self.retries + 1), self._first, self.replies
        targets = self.targets
        sent = 0
        for level, queue in enumerate(self._retry_queues):
            attempt = level + 1
            while queue and sent < budget:
                index = queue[0]
                if index in replies:
                    queue.popleft()
                    continue
                if first[index] + gap * attempt > now:
                    break  # queues are in send order: nothing later is due either
                ip = socket.inet_ntoa(targets[index].to_bytes(4, "big"))
                try:
                    sock.sendto(self.packet(index, attempt), (ip, 0))
                except (BlockingIOError, InterruptedError):
                    self._account(sent)
                    return -1
                except OSError as exc:
                    self.errors[index] = f"icmp send failed: {exc.strerror or exc}"
                queue.popleft()
                sent += 1
                if attempt < self.retries:
                    self._retry_queues[attempt].append(index)
        self._account(sent)
        return sent

    def _send_fresh(self, sock: socket.socket, now: float, budget: int) -> int:
        """First packets to the next addresses (the hot loop: locals only)."""
        targets, first, started, n = self.targets, self._first, self.started, len(self.targets)
        end = min(n, started + max(0, budget))
        check, ident, magic, pack = self.check, self._ident, self._magic, _PACKET.pack
        base = (ECHO_REQUEST << 8) + ident + (magic >> 16) + (magic & 0xFFFF)
        retry = self._retry_queues[0].append if self.retries else None
        silent = self._silent.append if self.on_silent is not None else None
        index = started
        try:
            while index < end:
                value = targets[index]
                ip = socket.inet_ntoa(value.to_bytes(4, "big"))
                if check is not None:
                    self._guard(value, ip)
                total = base + (index >> 16) + (index & 0xFFFF)
                total = (total >> 16) + (total & 0xFFFF)
                total += total >> 16
                packet = pack(ECHO_REQUEST, 0, ~total & 0xFFFF, ident, 0, magic, index)
                try:
                    sock.sendto(packet, (ip, 0))
                except (BlockingIOError, InterruptedError):
                    break  # socket buffer full: let the reader and the kernel catch up
                except OSError as exc:
                    self.errors[index] = f"icmp send failed: {exc.strerror or exc}"
                first[index] = now
                if retry is not None:
                    retry(index)
                if silent is not None:
                    silent(index)
                index += 1
        finally:  # also when the scope guard raises: what was sent is counted
            self.started = index
            self._account(index - started)
        return index - started

    def _account(self, count: int) -> None:
        self.bucket.take(count)
        self.sent += count

    def _notify_silent(self, now: float) -> None:
        silent, replies, first = self._silent, self.replies, self._first
        while silent and (silent[0] in replies or first[silent[0]] + self.silent_after <= now):
            index = silent.popleft()
            if index not in replies and self.on_silent is not None:
                self.on_silent(index)

    def _guard(self, value: int, ip: str) -> None:
        """The scope check before an address's first packet (the integer form is the cheap one)."""
        try:
            self.check(value)
        except ScopeError:
            self.check(ip)  # raise again, naming the address the way people write it
            raise

    def deadline(self, index: int) -> float:
        """Monotonic time after which ``index`` counts as silent (0 if not sent yet)."""
        start = self._first[index]
        return start + self.timeout if start else 0.0

    def _drain(self, sock: socket.socket) -> None:
        """Read every queued datagram (reader callback of the event loop)."""
        if self.raw:
            self._drain_raw(sock)
            return
        now = time.monotonic()
        while True:
            try:
                data, anc, _flags, addr = sock.recvmsg(2048, 64)
            except OSError:  # BlockingIOError included: the queue is empty
                return
            ttl = next(
                (
                    int.from_bytes(d[:4], sys.byteorder)
                    for lvl, typ, d in anc
                    if lvl == socket.IPPROTO_IP and typ == socket.IP_TTL
                ),
                None,
            )
            self._handle(data, addr[0], ttl, now)

    def _drain_raw(self, sock: socket.socket) -> None:
        """The hot path: raw datagrams carry the IP header (TTL at byte 8, source at 12)."""
        now, recv, unpack = time.monotonic(), sock.recv, _PACKET.unpack_from
        targets, replies, first, n = self.targets, self.replies, self._first, len(self.targets)
        ident, magic = self._ident, self._magic
        while True:
            try:
                data = recv(2048)
            except OSError:  # BlockingIOError included: the queue is empty
                return
            ihl = (data[0] & 0x0F) * 4
            if len(data) < ihl + 8:
                continue
            kind = data[ihl]
            if kind == ECHO_REPLY and len(data) >= ihl + _PACKET.size:
                _k, _c, _s, got_ident, seq, got_magic, index = unpack(data, ihl)
                if (
                    got_ident == ident
                    and got_magic == magic
                    and index < n
                    and data[12:16] == targets[index].to_bytes(4, "big")
                    and index not in replies
                ):  # a reply from another address is no proof
                    replies[index] = EchoReply(now - first[index], data[8], seq)
            elif kind in (DEST_UNREACHABLE, TIME_EXCEEDED):
                self._handle_error(data[ihl:], socket.inet_ntoa(data[12:16]))

    def _handle(self, icmp: bytes, source: str, ttl: int | None, now: float) -> None:
        if len(icmp) < _PACKET.size:
            if len(icmp) >= 8 and icmp[0] in (DEST_UNREACHABLE, TIME_EXCEEDED):
                self._handle_error(icmp, source)
            return
        kind, _code, _sum, ident, seq, magic, index = _PACKET.unpack_from(icmp)
        if kind in (DEST_UNREACHABLE, TIME_EXCEEDED):
            self._handle_error(icmp, source)
            return
        if kind != ECHO_REPLY or magic != self._magic or index >= len(self.targets):
            return
        if self.raw and ident != self._ident:
            return
        if socket.inet_aton(source) != self.targets[index].to_bytes(4, "big"):
            return  # an answer from somebody else for this index: not proof of life
        if index not in self.replies:
            self.replies[index] = EchoReply(now - self._first[index], ttl, seq)

    def _handle_error(self, icmp: bytes, source: str) -> None:
        inner = icmp[8:]
        if len(inner) < 20:
            return
        ihl = (inner[0] & 0x0F) * 4
        echo = inner[ihl:]
        if len(echo) < _PACKET.size or echo[0] != ECHO_REQUEST:
            return
        _t, _c, _s, ident, _seq, magic, index = _PACKET.unpack_from(echo)
        if ident != self._ident or magic != self._magic or index >= len(self.targets):
            return
        if icmp[0] == DEST_UNREACHABLE:
            what = _UNREACH_CODES.get(icmp[1], f"destination unreachable (code {icmp[1]})")
        else:
            what = "time exceeded"
        self.errors.setdefault(index, f"icmp: {what} (reported by {source})")
