"""Liveness: ICMP for every address, TCP connects for the ones that stay silent.

Why both share one loop and one bucket: ``--max-rate`` is a promise about the
whole scan, and an address that drops ICMP should cost no extra wall time —
its TCP probes start while later addresses are still being pinged, and every
address is settled ``timeout`` seconds after its first packet.
"""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from rmmkit.discovery.icmp import IcmpEngine
from rmmkit.discovery.rate import TokenBucket
from rmmkit.discovery.tcp import DEFAULT_PORTS, TcpProber
from rmmkit.errors import TransportError


@dataclass(frozen=True)
class SweepOptions:
    """The knobs of ``rmmkit scan`` that shape the packets on the wire."""

    ports: tuple[int, ...] = DEFAULT_PORTS
    max_rate: float = 5000.0
    retries: int = 1
    timeout: float = 1.0
    privileged: bool | None = None  # None: raw ICMP if permitted, else the ping socket


@dataclass(slots=True)
class Alive:
    """How an address proved it is up."""

    found_by: str
    ttl: int | None = None
    rtt: float | None = None
    open_ports: tuple[int, ...] = ()


@dataclass(repr=False)  # asyncio reprs finished tasks' results: never print 65,536 entries
class SweepResult:
    alive: dict[int, Alive] = field(default_factory=dict)  # target index -> proof
    errors: dict[int, str] = field(default_factory=dict)  # target index -> why it looks dead
    packets: int = 0
    icmp_mode: str = ""  # raw | ping | unavailable

    def __repr__(self) -> str:
        return (
            f"SweepResult(alive={len(self.alive)}, silent={len(self.errors)}, "
            f"packets={self.packets})"
        )


def _text(ip: int) -> str:
    return socket.inet_ntoa(ip.to_bytes(4, "big"))


async def sweep(
    targets: Sequence[int],
    options: SweepOptions,
    check: Callable[[str], object] | None = None,
    on_progress: Callable[[int], None] | None = None,
) -> SweepResult:
    """Probe every IPv4 address in ``targets`` (ints); ``check`` is the scope guard.

    ``on_progress(addresses_started)`` is called about ten times a second.
    """
    bucket = TokenBucket(options.max_rate)
    result = SweepResult()
    tcp = TcpProber(options.ports, bucket=bucket, timeout=options.timeout, check=check)
    engine: IcmpEngine | None = None

    def on_silent(index: int) -> None:
        assert engine is not None
        tcp.probe(_text(targets[index]), engine.deadline(index))

    engine = IcmpEngine(
        targets,
        bucket=bucket,
        timeout=options.timeout,
        retries=options.retries,
        check=check,
        on_silent=on_silent if options.ports else None,
        privileged=options.privileged,
    )
    tcp_task = asyncio.ensure_future(tcp.run())
    ticker = asyncio.ensure_future(_tick(engine, on_progress)) if on_progress else None
    try:
        await engine.run()
        result.icmp_mode = "raw" if engine.raw else "ping"
    except TransportError as exc:  # no ICMP socket at all: TCP alone decides
        result.icmp_mode = "unavailable"
        engine.errors = {}
        note = f"icmp unavailable: {exc.message}"
        for index, ip in enumerate(targets):
            tcp.probe(_text(ip))
            result.errors[index] = note
    finally:
        if ticker is not None:
            ticker.cancel()
        tcp.close_input()
        await tcp_task
    if on_progress is not None:
        on_progress(len(targets))
    for index, reply in engine.replies.items():
        result.alive[index] = Alive("icmp", reply.ttl, reply.rtt)
    result.errors.update((i, e) for i, e in engine.errors.items() if i not in result.alive)
    by_ip = {_text(targets[i]): i for i in range(len(targets))} if tcp.states else {}
    for ip, state in tcp.states.items():
        index = by_ip[ip]
        if state.alive and index not in result.alive:
            port = (state.open or state.closed)[0]
            how = f"tcp/{port}" + ("" if state.open else " (refused)")
            result.alive[index] = Alive(how, open_ports=tuple(sorted(state.open)))
        elif not state.alive and index not in result.alive:
            prior = result.errors.get(index, "icmp: no echo reply")
            result.errors[index] = f"{prior}; {state.error or 'tcp: no answer'}"
    for index in range(len(targets)):
        if index not in result.alive and index not in result.errors:
            suffix = "" if options.ports else " (no tcp ports)"
            result.errors[index] = "no answer to icmp echo" + suffix
    result.packets = engine.sent + tcp.sent
    return result


async def _tick(engine: IcmpEngine, on_progress: Callable[[int], None]) -> None:
    while True:
        await asyncio.sleep(0.1)
        on_progress(engine.started)
