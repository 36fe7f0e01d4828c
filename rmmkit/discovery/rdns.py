"""Reverse DNS: which resolvers a scan asks, and the paced PTR lookups themselves.

Why the machine's resolver by default: on a client network the resolver is
the domain controller, in another subnet than the scanned range, and it is
the one that knows the names (``nmap -sn`` asks it too).  A site may declare
its own (``dns: [...]``), ``--dns`` / the action's ``dns:`` override both.
The scope admits the chosen resolvers on port 53 only
(:meth:`rmmkit.declared.scope.Scope.allows_dns`); every lookup is checked
against it and draws a token from the scan's packet budget.
"""

from __future__ import annotations

import asyncio
import ipaddress
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from rmmkit.declared.scope import DNS_PORT
from rmmkit.discovery.rate import TokenBucket
from rmmkit.errors import InputError, ScopeError

SYSTEM = "system resolver, /etc/resolv.conf"


@dataclass(frozen=True)
class Resolvers:
    """The name servers of one scan, where they were declared, or why there are none."""

    servers: tuple[str, ...] = ()
    origin: str = ""  # "--dns", "site hq", SYSTEM
    note: str = ""  # set when reverse DNS is off or impossible

    def describe(self) -> str:
        """One line for the scan's notes: which resolvers were asked, or why none."""
        if self.servers:
            return f"reverse dns via {', '.join(self.servers)} ({self.origin})"
        return self.note


def parse_servers(values: Iterable[Any], where: str, location: Any = None) -> tuple[str, ...]:
    """Name servers as canonical address text; a bad one is an :class:`InputError`."""
    out: list[str] = []
    for value in values:
        try:
            address = str(ipaddress.ip_address(str(value).strip()))
        except ValueError:
            raise InputError(
                f"{where}: {value!r} is not an IP address",
                location=location,
                expected="a name server's address (10.0.0.53 or fd00::53)",
            ) from None
        if address not in out:
            out.append(address)
    return tuple(out)


def system_resolvers() -> tuple[str, ...]:
    """The machine's name servers (resolv.conf), as the system resolver would ask them."""
    import dns.resolver

    try:
        servers = dns.resolver.Resolver(configure=True).nameservers
    except Exception:  # no resolv.conf, or no nameserver line in it
        return ()
    out = []
    for server in servers:
        text = str(getattr(server, "address", server))
        try:
            out.append(str(ipaddress.ip_address(text)))
        except ValueError:  # a DoH URL or a scoped link-local address: not ours to ask
            continue
    return tuple(out)


def choose_resolvers(
    rdns: bool,
    declared: Iterable[Any] | None,
    *,
    site: Any = None,
    system: Callable[[], tuple[str, ...]] = system_resolvers,
) -> Resolvers:
    """``--dns``/``dns:`` first, then the site's ``dns``, then the machine's resolvers."""
    if not rdns:
        return Resolvers(note="reverse dns: off (--no-dns / rdns: false)")
    if declared is not None:
        servers = parse_servers(declared, "--dns")
        if not servers:
            return Resolvers(note="reverse dns: off (an empty dns: list)")
        return Resolvers(servers, "--dns")
    site_dns = tuple(getattr(site, "dns", ()) or ())
    if site_dns:
        where = f"site {site.name}: dns"
        return Resolvers(parse_servers(site_dns, where, site.location), f"site {site.name}")
    servers = system()
    if not servers:
        return Resolvers(note="reverse dns: no resolver configured (declare one with --dns)")
    return Resolvers(servers, SYSTEM)


class ReverseDns:
    """PTR lookups through the allowed resolvers, one budget token per query."""

    def __init__(
        self,
        servers: Iterable[str],
        *,
        bucket: TokenBucket,
        timeout: float,
        check_dns: Callable[[str, int], object] | None = None,
    ) -> None:
        self.bucket, self.timeout = bucket, timeout
        self.servers: list[str] = []
        self.refused: list[str] = []
        for server in servers:
            try:
                if check_dns is not None:
                    check_dns(server, DNS_PORT)
                self.servers.append(server)
            except ScopeError:
                self.refused.append(server)
        self._resolver: Any = None
        if self.servers:
            import dns.asyncresolver
            import dns.nameserver

            resolver = dns.asyncresolver.Resolver(configure=False)
            resolver.port = DNS_PORT
            # plain UDP/TCP on port 53, spelled out: never DoH, never another port
            resolver.nameservers = [
                dns.nameserver.Do53Nameserver(s, DNS_PORT) for s in self.servers
            ]
            self._resolver = resolver

    @property
    def active(self) -> bool:
        return self._resolver is not None

    async def lookup(self, ip: str) -> tuple[str, str]:
        """(name, resolver that answered); NXDOMAIN, timeouts … raise (the caller notes them)."""
        while self.bucket.available() < 1:
            await asyncio.sleep(min(max(self.bucket.wait_time(), 0.001), 0.01))
        self.bucket.take()
        answer = await self._resolver.resolve_address(ip, lifetime=self.timeout)
        server = str(answer.nameserver or "")
        return answer[0].target.to_text(omit_final_dot=True), server
