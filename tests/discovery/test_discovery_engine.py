"""The liveness engine against the kernel: loopback (root namespace) and private namespaces."""

from __future__ import annotations

import asyncio
import ipaddress
import json
import sys
import time

import pytest

from rmmkit.declared.scope import Scope
from rmmkit.discovery.icmp import IcmpEngine, open_icmp_socket
from rmmkit.discovery.liveness import SweepOptions, sweep
from rmmkit.discovery.rate import TokenBucket
from rmmkit.errors import ScopeError

from .conftest import SUBNET

LOOPBACK = int(ipaddress.ip_address("127.0.0.1"))


def _raw_allowed() -> bool:
    try:
        sock, raw = open_icmp_socket(True)
    except Exception:
        return False
    sock.close()
    return raw


needs_raw = pytest.mark.skipif(not _raw_allowed(), reason="raw ICMP sockets need root")


@needs_raw
def test_loopback_block_all_answer_with_ttl():
    targets = [LOOPBACK + i for i in range(1024)]
    engine = IcmpEngine(targets, bucket=TokenBucket(200_000), timeout=1.0, retries=0)
    asyncio.run(engine.run())
    assert set(engine.replies) == set(range(1024))
    assert {r.ttl for r in engine.replies.values()} == {64}
    assert engine.sent == 1024


@needs_raw
def test_scope_guard_stops_before_the_first_packet_outside():
    scope = Scope(["127.0.0.1-127.0.0.4"])
    targets = [LOOPBACK + i for i in range(8)]  # 127.0.0.5.. are outside the scope
    engine = IcmpEngine(
        targets, bucket=TokenBucket(10_000), timeout=0.2, retries=0, check=scope.check
    )
    with pytest.raises(ScopeError):
        asyncio.run(engine.run())
    assert engine.sent == 4


@needs_raw
def test_tcp_fallback_finds_listener_when_icmp_is_not_used():
    """ICMP unavailable (forced ping socket denied or not): TCP alone proves life."""
    import socket

    server = socket.socket()
    server.bind(("127.0.0.9", 0))
    server.listen(8)
    port = server.getsockname()[1]
    try:
        options = SweepOptions(ports=(port,), max_rate=1000, retries=0, timeout=1.0)
        engine_targets = [LOOPBACK + 8]  # 127.0.0.9
        result = asyncio.run(sweep(engine_targets, options))
        assert 0 in result.alive  # answered ICMP (loopback always does) ...
        from rmmkit.discovery.tcp import TcpProber

        async def connect_only():
            prober = TcpProber(
                (port, port + 1), bucket=TokenBucket(1000), timeout=1.0, stop_at_first=False
            )
            task = asyncio.ensure_future(prober.run())
            prober.probe("127.0.0.9")
            prober.close_input()
            await task
            return prober.states["127.0.0.9"]

        state = asyncio.run(connect_only())
        assert state.open == [port]  # ... and TCP sees the open port and the refused one
        assert state.closed == [port + 1] or state.error
    finally:
        server.close()


def _in_ns(minilab, code: str) -> dict:
    out = minilab.net.exec(minilab.scanner, sys.executable, "-c", code)
    return json.loads(out.strip().splitlines()[-1])


def test_ping_socket_path_sees_replies_and_ttl(minilab):
    """The unprivileged ICMP datagram socket, enabled by ping_group_range inside the namespace."""
    minilab.net.exec(minilab.scanner, "sysctl", "-qw", "net.ipv4.ping_group_range=0 2147483647")
    code = f"""
import asyncio, json, ipaddress
from rmmkit.discovery.icmp import IcmpEngine
from rmmkit.discovery.rate import TokenBucket
base = int(ipaddress.ip_address("{SUBNET}.14"))
e = IcmpEngine([base, base + 2], bucket=TokenBucket(100), timeout=0.8, retries=1, privileged=False)
asyncio.run(e.run())
ttls = [r.ttl for r in e.replies.values()]
print(json.dumps({{"raw": e.raw, "alive": sorted(e.replies), "ttl": ttls}}))
"""
    got = _in_ns(minilab, code)
    assert got["raw"] is False
    assert got["alive"] == [0]  # .14 answers, .16 is dead
    assert got["ttl"] == [64]


def test_dead_block_finishes_within_timeout_plus_one_second(minilab):
    """A dead routed /24 (the crowd answers for 203.0.113.0/24 only; 192.0.2.0/24 goes nowhere)."""
    minilab.net.exec(
        minilab.scanner, "ip", "route", "replace", "192.0.2.0/24", "via", f"{SUBNET}.2"
    )
    minilab.net.exec(minilab.net.namespaces[1], "sysctl", "-qw", "net.ipv4.ip_forward=0")
    start = time.monotonic()
    rows = minilab.scan_json(
        "192.0.2.0/24",
        "--ping-only",
        "--no-store",
        "--timeout",
        "1",
        "--max-rate",
        "20000",
        "--ports",
        "22,445",
    )
    took = time.monotonic() - start
    assert len(rows) == 256
    assert all(r["machine_status"] == "offline" for r in rows)
    assert all("tcp/" in r["description"] for r in rows)
    assert took < 1 + 1 + 1.5  # timeout + 1 s, plus the interpreter's start-up
