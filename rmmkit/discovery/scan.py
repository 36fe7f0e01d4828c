"""One scan: Scope → liveness → identity → one row per address.

Why rows are produced lazily: a /16 yields 65,536 rows, most of them
offline; keeping only the live hosts' evidence and building each row when it
is written keeps a /16 scan's memory flat.  Events (start, progress, host,
finish) go to one callback: the CLI turns them into a progress bar on a
terminal or JSONL lines for runners.

Why ``description`` stays empty on online rows: it is the seed's column for
what a technician must act on (an agent install error, why a host is
offline); what an identity probe could not learn goes to ``extra.notes``.
"""

from __future__ import annotations

import asyncio
import socket
import time
from array import array
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from rmmkit.declared.scope import Scope
from rmmkit.discovery.classify import Classified, classify
from rmmkit.discovery.identity import Evidence, Identifier, IdentityOptions
from rmmkit.discovery.liveness import Alive, SweepOptions, SweepResult, sweep
from rmmkit.discovery.neighbours import is_locally_administered, mac_vendor, neighbour_macs
from rmmkit.discovery.rate import TokenBucket
from rmmkit.errors import InputError

Event = Callable[[dict[str, Any]], None]
ROW_KEYS = (
    "ip",
    "hostname",
    "mac",
    "mac_vendor",
    "os",
    "agent_status",
    "resource_type",
    "machine_status",
    "description",
    "found_by",
    "sources",
    "extra",
)


def targets_of(scope: Scope) -> array:
    """Every IPv4 address of the scope as a compact ``array('I')`` (4 bytes per address)."""
    out = array("I")
    for version, first, last in scope.intervals():
        if version != 4:
            raise InputError(
                f"IPv6 range in scope ({scope!r}): discovery sweeps IPv4 only",
                expected="IPv4 ranges",
            )
        out.extend(range(first, last + 1))
    return out


@dataclass(repr=False)  # asyncio reprs finished tasks' results: keep it short
class ScanResult:
    targets: array
    sweep: SweepResult
    evidence: dict[int, Evidence] = field(default_factory=dict)
    macs: dict[str, str] = field(default_factory=dict)
    resolvers: dict[str, int] = field(default_factory=dict)  # resolver asked → names it gave
    notes: list[str] = field(default_factory=list)  # scan-level: resolvers refused by the scope
    started: float = 0.0
    ended: float = 0.0
    _quick: dict[tuple[Any, ...], tuple[Classified, dict[str, str]]] = field(
        default_factory=dict, repr=False
    )

    @property
    def alive_count(self) -> int:
        return len(self.sweep.alive)

    def __repr__(self) -> str:
        return f"ScanResult(targets={len(self.targets)}, online={self.alive_count})"

    def rows(self) -> Iterator[dict[str, Any]]:
        """One row per target address, in address order (offline rows built on the fly)."""
        for index, value in enumerate(self.targets):
            yield self.row(index, socket.inet_ntoa(value.to_bytes(4, "big")))

    def row(self, index: int, ip: str) -> dict[str, Any]:
        alive = self.sweep.alive.get(index)
        if alive is None:
            return {
                "ip": ip,
                "hostname": "",
                "mac": "",
                "mac_vendor": "",
                "os": "",
                "agent_status": "unknown",
                "resource_type": "",
                "machine_status": "offline",
                "description": self.sweep.errors.get(index, "no answer"),
                "found_by": "",
                "sources": {"machine_status": "no answer to any probe"},
                "extra": {},
            }
        ev = self.evidence.get(index)
        mac = self.macs.get(ip, "")
        if ev is None:  # liveness only: many rows share one classification
            key = (alive.found_by, alive.ttl, alive.open_ports)
            quick = self._quick.get(key)
            if quick is None:
                facts = classify(Evidence(ip, alive.found_by, alive.ttl, set(alive.open_ports)))
                shared = {**facts.sources, "machine_status": alive.found_by}
                quick = self._quick[key] = (facts, shared)
            facts, shared = quick
            if not mac:  # the common case on a big sweep: share one read-only sources dict
                return self._row(ip, alive, facts, shared, list(alive.open_ports), None)
            open_ports = list(alive.open_ports)
        else:
            facts, open_ports = classify(ev), sorted(ev.open_ports)
        sources = dict(facts.sources)
        sources["machine_status"] = alive.found_by
        vendor = mac_vendor(mac)
        if mac:
            sources["mac"] = "kernel neighbour table"
            sources["mac_vendor"] = (
                "locally administered address (no vendor)"
                if is_locally_administered(mac)
                else "IEEE OUI registry (netaddr)"
            )
        row = self._row(ip, alive, facts, sources, open_ports, mac)
        row["mac_vendor"] = vendor
        if ev is not None:
            extra = row["extra"]
            for key in ("smb", "netbios", "snmp"):
                if getattr(ev, key):
                    extra[key] = getattr(ev, key)
            if ev.ssh_banner:
                extra["ssh_banner"] = ev.ssh_banner
            if ev.notes:
                extra["notes"] = list(ev.notes)
        return row

    @staticmethod
    def _row(
        ip: str,
        alive: Alive,
        facts: Classified,
        sources: dict[str, str],
        open_ports: list[int],
        mac: str | None,
    ) -> dict[str, Any]:
        extra: dict[str, Any] = {"ttl": alive.ttl, "open_ports": open_ports}
        if alive.rtt is not None:
            extra["rtt_ms"] = round(alive.rtt * 1000, 3)
        return {
            "ip": ip,
            "hostname": facts.hostname,
            "mac": mac or "",
            "mac_vendor": "",
            "os": facts.os,
            "agent_status": "unknown",
            "resource_type": facts.resource_type,
            "machine_status": "online",
            "description": "",
            "found_by": alive.found_by,
            "sources": sources,
            "extra": extra,
        }


def run_scan(
    scope: Scope,
    sweep_options: SweepOptions,
    identity: IdentityOptions | None,
    on_event: Event | None = None,
) -> ScanResult:
    """Scan every address of ``scope``; ``identity=None`` stops after liveness (like nmap -sn)."""
    return asyncio.run(_scan(scope, sweep_options, identity, on_event or (lambda _e: None)))


async def _scan(
    scope: Scope, options: SweepOptions, identity: IdentityOptions | None, emit: Event
) -> ScanResult:
    targets = targets_of(scope)
    started = time.time()
    emit(
        {
            "event": "scan_start",
            "targets": len(targets),
            "max_rate": options.max_rate,
            "timeout": options.timeout,
            "retries": options.retries,
            "time": started,
        }
    )
    progress = _Progress(len(targets), emit, "sweep")
    swept = await sweep(targets, options, check=scope.check, on_progress=progress.update)
    emit(
        {
            "event": "sweep_done",
            "alive": len(swept.alive),
            "packets": swept.packets,
            "icmp": swept.icmp_mode,
            "seconds": round(time.time() - started, 3),
        }
    )
    result = ScanResult(targets, swept, started=started)
    result.macs = neighbour_macs()
    if identity is not None and swept.alive:
        for index, alive in swept.alive.items():
            ip = socket.inet_ntoa(targets[index].to_bytes(4, "big"))
            result.evidence[index] = Evidence(ip, alive.found_by, alive.ttl, set(alive.open_ports))
        identifier = Identifier(
            identity,
            bucket=TokenBucket(options.max_rate),
            check=scope.check,
            check_dns=scope.check_dns,
        )
        hosts = list(result.evidence.values())
        await identifier.identify(hosts, _Progress(len(hosts), emit, "identify").update)
        _count_resolvers(result, identifier, hosts)
        emit(
            {
                "event": "identity_done",
                "hosts": len(hosts),
                "resolvers": result.resolvers,
                "seconds": round(time.time() - started, 3),
            }
        )
    result.ended = time.time()
    return result


def _count_resolvers(result: ScanResult, identifier: Identifier, hosts: list[Evidence]) -> None:
    """How many names each resolver gave; resolvers the scope refused become a scan note."""
    rdns = identifier.rdns
    if rdns is None:
        return
    result.resolvers = dict.fromkeys(rdns.servers, 0)
    for ev in hosts:
        if ev.rdns_server:
            result.resolvers[ev.rdns_server] = result.resolvers.get(ev.rdns_server, 0) + 1
    for server in rdns.refused:
        result.notes.append(f"reverse dns: {server} refused (not a resolver of this scan's scope)")


class _Progress:
    """Throttled progress events (at most ~4 per second)."""

    def __init__(self, total: int, emit: Event, phase: str) -> None:
        self.total, self.emit, self.phase = total, emit, phase
        self._last, self._done = 0.0, -1

    def update(self, done: int) -> None:
        now = time.monotonic()
        if done != self._done and (now - self._last >= 0.25 or done >= self.total):
            self._last, self._done = now, done
            self.emit({"event": "progress", "phase": self.phase, "done": done, "total": self.total})
