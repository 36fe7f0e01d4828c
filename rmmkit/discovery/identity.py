"""Identity of live hosts: reverse DNS, NetBIOS, SMB, SSH banner, SNMP, TTL.

Why only live hosts and only open ports: a /16 sweep must not turn into a
million slow probes.  A quick TCP check of 22/139/445 decides which of the
expensive conversations are worth starting; each probe is bounded by the
identity timeout and a failure only becomes a note, never an exception.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from rmmkit.discovery.rate import TokenBucket
from rmmkit.discovery.rdns import ReverseDns, system_resolvers
from rmmkit.discovery.snmp_probe import SnmpIdentity
from rmmkit.discovery.tcp import TcpProber

IDENTITY_PORTS = (22, 139, 445)


@dataclass
class Evidence:
    """Everything the probes learnt about one live address (input of classify)."""

    ip: str
    found_by: str
    ttl: int | None = None
    open_ports: set[int] = field(default_factory=set)
    rdns: str = ""
    rdns_server: str = ""  # the resolver that gave the name
    netbios: dict[str, Any] = field(default_factory=dict)
    smb: dict[str, Any] = field(default_factory=dict)
    ssh_banner: str = ""
    snmp: dict[str, str] = field(default_factory=dict)
    snmp_via: str = ""
    notes: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class IdentityOptions:
    timeout: float = 2.0
    rdns: bool = True
    dns_servers: tuple[str, ...] | None = None  # None: the system's (the scope must admit them)
    communities: tuple[Any, ...] = ()  # SnmpAuth (rmmkit.snmp) or community Secrets, in order
    concurrency: int = 128


class Identifier:
    """Runs the identity probes of one scan on the scan's loop and a small thread pool."""

    def __init__(
        self,
        options: IdentityOptions,
        *,
        bucket: TokenBucket,
        check: Callable[[str], object] | None = None,
        check_dns: Callable[[str, int], object] | None = None,
    ) -> None:
        self.options, self.bucket, self.check = options, bucket, check
        self._pool = ThreadPoolExecutor(max_workers=32, thread_name_prefix="rmmkit-identity")
        self._snmp = SnmpIdentity(list(options.communities), timeout=min(options.timeout, 2.0))
        self.rdns: ReverseDns | None = None
        if check_dns is None and check is not None:  # no resolver allowance: in-scope ones only
            check_dns = lambda server, _port: check(server)  # noqa: E731
        if options.rdns:
            servers = options.dns_servers
            self.rdns = ReverseDns(
                system_resolvers() if servers is None else servers,
                bucket=bucket,
                timeout=options.timeout,
                check_dns=check_dns,
            )

    async def identify(
        self, hosts: list[Evidence], on_done: Callable[[int], None] | None = None
    ) -> None:
        """Fill ``hosts`` in place; ``on_done(count)`` after each host (progress)."""
        done = 0
        try:
            await self._port_check(hosts)
            gate = asyncio.Semaphore(self.options.concurrency)

            async def one(evidence: Evidence) -> None:
                nonlocal done
                async with gate:
                    await self._host(evidence)
                done += 1
                if on_done is not None:
                    on_done(done)

            await asyncio.gather(*(one(h) for h in hosts))
        finally:
            self._snmp.close()
            self._pool.shutdown(wait=False, cancel_futures=True)

    async def _port_check(self, hosts: list[Evidence]) -> None:
        prober = TcpProber(
            IDENTITY_PORTS,
            bucket=self.bucket,
            timeout=self.options.timeout,
            check=self.check,
            stop_at_first=False,
        )
        task = asyncio.ensure_future(prober.run())
        deadline = time.monotonic() + min(self.options.timeout, 2.0)
        for evidence in hosts:
            if not set(IDENTITY_PORTS) <= evidence.open_ports:
                prober.probe(evidence.ip, deadline)
        prober.close_input()
        await task
        for evidence in hosts:
            state = prober.states.get(evidence.ip)
            if state is not None:
                evidence.open_ports.update(state.open)

    async def _host(self, ev: Evidence) -> None:
        if self.check is not None:
            self.check(ev.ip)
        jobs = [self._rdns(ev)]
        if 22 in ev.open_ports:
            jobs.append(self._ssh(ev))
        if 445 in ev.open_ports:
            jobs.append(self._threaded(ev, "smb", self._smb))
        if ev.open_ports & {139, 445}:
            jobs.append(self._threaded(ev, "netbios", self._netbios))
        if self.options.communities:
            jobs.append(self._snmp_get(ev))
        await asyncio.gather(*jobs)

    async def _rdns(self, ev: Evidence) -> None:
        if self.rdns is None or not self.rdns.active:  # the scan's notes say why, once
            return
        try:
            ev.rdns, ev.rdns_server = await self.rdns.lookup(ev.ip)
        except Exception as exc:  # NXDOMAIN, timeout, refused: a note, not a failure
            ev.notes.append(f"rdns: {type(exc).__name__}")

    async def _ssh(self, ev: Evidence) -> None:
        try:
            reader, writer = await asyncio.wait_for(
                asyncio.open_connection(ev.ip, 22), self.options.timeout
            )
            try:
                line = await asyncio.wait_for(reader.readline(), self.options.timeout)
            finally:
                writer.close()
            ev.ssh_banner = line.decode("ascii", "replace").strip()
        except (TimeoutError, OSError) as exc:
            ev.notes.append(f"ssh banner: {type(exc).__name__}")

    async def _threaded(
        self, ev: Evidence, what: str, func: Callable[[str], dict[str, Any]]
    ) -> None:
        loop = asyncio.get_running_loop()
        try:
            setattr(ev, what, await loop.run_in_executor(self._pool, func, ev.ip))
        except Exception as exc:  # impacket raises many kinds; every one is just "no answer"
            ev.notes.append(f"{what}: {type(exc).__name__}: {str(exc)[:80]}")

    def _smb(self, ip: str) -> dict[str, Any]:
        from rmmkit.discovery.smb_probe import smb_identity

        return smb_identity(ip, timeout=self.options.timeout)

    def _netbios(self, ip: str) -> dict[str, Any]:
        from impacket.nmb import NetBIOS

        names = NetBIOS().getnodestatus("*", ip, timeout=min(self.options.timeout, 2.0))
        out: dict[str, Any] = {"names": []}
        for entry in names:
            name = entry["NAME"].decode("ascii", "replace").strip()
            group = bool(entry["NAME_FLAGS"] & 0x8000)
            out["names"].append(f"{name}<{entry['TYPE']:02x}>{' group' if group else ''}")
            if entry["TYPE"] == 0 and not group:
                out.setdefault("name", name)
            elif entry["TYPE"] == 0 and group:
                out.setdefault("workgroup", name)
            elif entry["TYPE"] == 0x1C and group:
                out["domain_controller"] = True
        return out

    async def _snmp_get(self, ev: Evidence) -> None:
        try:
            ev.snmp, via = await self._snmp.get(ev.ip)
        except Exception as exc:  # pysnmp errors: note them, keep identifying
            ev.snmp, via = {}, f"snmp: {type(exc).__name__}"
        if ev.snmp:
            ev.snmp_via = via
        else:
            ev.notes.append(via)
