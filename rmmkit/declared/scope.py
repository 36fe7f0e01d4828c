"""The one place that decides whether an address may be touched.

Why integer intervals: every probe of every scan asks :meth:`Scope.allows`,
so the answer must cost a dict-free bisect over a few merged ``(start, end)``
pairs, not a walk over netaddr objects.  netaddr does the parsing and the
set arithmetic (ranges minus excludes) once, when the scope is built.

Name servers are the one allowance beyond the ranges: reverse DNS asks the
resolver the machine (or the site) is configured with, as ``nmap -sn`` does,
and that resolver usually sits in another subnet.  :meth:`Scope.allows_dns`
lets those addresses be touched on port 53 (UDP/TCP) and nothing else;
:meth:`Scope.allows` never sees them, so its hot path is unchanged.
"""

from __future__ import annotations

import ipaddress
import socket
from bisect import bisect_right
from collections.abc import Iterable, Iterator
from typing import Any

import netaddr

from rmmkit.errors import InputError, ScopeError

RANGE_FORMS = "an address (10.0.0.5), a range (10.0.0.10-10.0.0.200) or a CIDR block (10.0.0.0/24)"
_AF_INET = socket.AF_INET
_inet_pton = socket.inet_pton
_from_bytes = int.from_bytes
DEFAULT_MAX_RANGE_SIZE = 65536  # a /16: larger ranges must be declared with settings.max_range_size
DNS_PORT = 53  # the only port a resolver outside the ranges may be touched on


def parse_range(text: str) -> netaddr.IPRange:
    """Parse one range; raise :class:`InputError` (no location: callers add it) when malformed."""
    if not isinstance(text, str) or not text.strip():
        raise InputError(f"{text!r} is not a range", expected=RANGE_FORMS)
    spec = text.strip()
    try:
        if "-" in spec:
            first, _, last = (part.strip() for part in spec.partition("-"))
            start, end = _address(first, spec), _address(last, spec)
            if start.version != end.version:
                raise InputError(f"range {spec!r} mixes IPv4 and IPv6", expected=RANGE_FORMS)
            if start > end:
                raise InputError(
                    f"range {spec!r} starts after it ends", expected="start address <= end address"
                )
            return netaddr.IPRange(start, end)
        if "/" in spec:
            network = ipaddress.ip_network(spec, strict=False)
            return netaddr.IPRange(int(network.network_address), int(network.broadcast_address))
        address = _address(spec, spec)
        return netaddr.IPRange(address, address)
    except ValueError:
        raise InputError(f"{spec!r} is not a valid range", expected=RANGE_FORMS) from None


def _address(text: str, spec: str) -> netaddr.IPAddress:
    """Strict address parsing: ``10.0.0.300`` and ``10.1`` are errors, not guesses."""
    try:
        return netaddr.IPAddress(str(ipaddress.ip_address(text)))
    except ValueError:
        where = "" if text == spec else f" in {spec!r}"
        raise InputError(
            f"{text!r}{where} is not a valid IP address", expected=RANGE_FORMS
        ) from None


def range_size(text: str) -> int:
    return int(parse_range(text).size)


def _to_int(address: Any) -> tuple[int, int]:
    """(version, integer) of an address given as str, int, netaddr or ipaddress object."""
    if isinstance(address, str):
        family, version = (socket.AF_INET6, 6) if ":" in address else (socket.AF_INET, 4)
        try:
            return version, int.from_bytes(socket.inet_pton(family, address), "big")
        except OSError:
            raise ScopeError(f"{address!r} is not an IP address") from None
    if isinstance(address, int):
        return (4 if address < 2**32 else 6), address
    if isinstance(address, netaddr.IPAddress | ipaddress.IPv4Address | ipaddress.IPv6Address):
        return address.version, int(address)
    raise ScopeError(f"{address!r} is not an IP address")


Interval = tuple[int, int, int]  # (version, first, last)


def _bounds(specs: Iterable[str]) -> list[Interval]:
    out = []
    for spec in specs:
        parsed = parse_range(spec)
        out.append((parsed.version, parsed.first, parsed.last))
    return out


def _merge(intervals: Iterable[Interval]) -> list[Interval]:
    """Sorted, overlapping or adjacent intervals joined."""
    merged: list[Interval] = []
    for version, first, last in sorted(intervals):
        if merged and merged[-1][0] == version and first <= merged[-1][2] + 1:
            if last > merged[-1][2]:
                merged[-1] = (version, merged[-1][1], last)
        else:
            merged.append((version, first, last))
    return merged


def _subtract(included: list[Interval], excluded: list[Interval]) -> Iterator[Interval]:
    """``included`` minus ``excluded`` (both merged and sorted)."""
    for version, first, last in included:
        for ex_version, ex_first, ex_last in excluded:
            if ex_version != version or ex_last < first or ex_first > last:
                continue
            if ex_first > first:
                yield version, first, ex_first - 1
            first = ex_last + 1
            if first > last:
                break
        if first <= last:
            yield version, first, last


class Scope:
    """Declared ranges minus excludes: ``allows``/``check`` every address before a packet leaves.

    ``resolvers`` are name servers reverse DNS may ask: :meth:`allows_dns`
    admits them on port 53 only, even outside the ranges (or excluded).
    """

    def __init__(
        self,
        ranges: Iterable[str] = (),
        excludes: Iterable[str] = (),
        *,
        cap: int | None = None,
        resolvers: Iterable[str] = (),
    ) -> None:
        self._intervals: dict[int, tuple[list[int], list[int]]] = {4: ([], []), 6: ([], [])}
        included = _merge(_bounds(ranges))
        excluded = _merge(_bounds(excludes))
        for version, first, last in _subtract(included, excluded):
            starts, ends = self._intervals[version]
            starts.append(first)
            ends.append(last)
        self._v4 = self._intervals[4]
        self.size = sum(
            e - s + 1 for st, en in self._intervals.values() for s, e in zip(st, en, strict=True)
        )
        self.cap = cap
        if cap is not None and self.size > cap:
            raise ScopeError(f"scope holds {self.size} addresses, more than the cap of {cap}")
        self.resolvers: tuple[str, ...] = ()
        self._resolver_keys: frozenset[tuple[int, int]] = frozenset()
        self._add_resolvers(resolvers)

    def _add_resolvers(self, resolvers: Iterable[str]) -> None:
        """Name servers as text (in the given order, no repeats) and as (version, int) keys."""
        keys = set(self._resolver_keys)
        names = list(self.resolvers)
        for server in resolvers:
            key = _to_int(server)  # ScopeError: not an address
            if key not in keys:
                keys.add(key)
                names.append(str(server))
        self.resolvers, self._resolver_keys = tuple(names), frozenset(keys)

    def allows(self, address: Any) -> bool:
        """True when ``address`` is inside a declared range and not excluded."""
        if address.__class__ is str and ":" not in address:  # the hot path: IPv4 text
            try:
                value = _from_bytes(_inet_pton(_AF_INET, address), "big")
            except OSError:
                return False
            starts, ends = self._v4
        else:
            try:
                version, value = _to_int(address)
            except ScopeError:
                return False
            starts, ends = self._intervals[version]
        index = bisect_right(starts, value) - 1
        return index >= 0 and value <= ends[index]

    def allows_dns(self, address: Any, port: int = DNS_PORT) -> bool:
        """True when a DNS query may go to ``address`` on ``port``: a declared resolver, or an
        address of the scope, and port 53 (nothing else is ever sent to a resolver)."""
        if port != DNS_PORT:
            return False
        try:
            key = _to_int(address)
        except ScopeError:
            return False
        return key in self._resolver_keys or self.allows(address)

    def check_dns(self, address: Any, port: int = DNS_PORT) -> None:
        """Raise :class:`ScopeError` unless a DNS query may go to ``address`` on ``port``."""
        if not self.allows_dns(address, port):
            raise ScopeError(
                f"{address} port {port} is neither a declared resolver on port {DNS_PORT} "
                "nor inside the declared ranges: refusing to query it"
            )

    def covers(self, spec: str) -> bool:
        """True when every address of the range ``spec`` is allowed (one bisect, no iteration)."""
        parsed = parse_range(spec)
        starts, ends = self._intervals[parsed.version]
        index = bisect_right(starts, parsed.first) - 1
        return index >= 0 and parsed.last <= ends[index]

    def check(self, address: Any) -> None:
        """Raise :class:`ScopeError` unless ``address`` may be touched."""
        if not self.allows(address):
            raise ScopeError(
                f"{address} is outside the declared ranges (or excluded): refusing to touch it"
            )

    def intervals(self) -> list[tuple[int, int, int]]:
        """``(version, first, last)`` integer intervals, sorted (for fast bulk consumers)."""
        out: list[tuple[int, int, int]] = []
        for version in (4, 6):
            starts, ends = self._intervals[version]
            out.extend((version, s, e) for s, e in zip(starts, ends, strict=True))
        return out

    def __iter__(self) -> Iterator[str]:
        """Every allowed address in ascending order, as text."""
        for version, first, last in self.intervals():
            if version == 4:
                for value in range(first, last + 1):
                    yield socket.inet_ntoa(value.to_bytes(4, "big"))
            else:
                for value in range(first, last + 1):
                    yield socket.inet_ntop(socket.AF_INET6, value.to_bytes(16, "big"))

    def __len__(self) -> int:
        return self.size

    def __contains__(self, address: object) -> bool:
        return self.allows(address)

    def __or__(self, other: Scope) -> Scope:
        merged = Scope()
        for version, first, last in _merge(self.intervals() + other.intervals()):
            starts, ends = merged._intervals[version]
            starts.append(first)
            ends.append(last)
        merged.size = sum(e - s + 1 for _v, s, e in merged.intervals())
        merged._add_resolvers((*self.resolvers, *other.resolvers))
        return merged

    def __repr__(self) -> str:
        dns = f", resolvers {', '.join(self.resolvers)}" if self.resolvers else ""
        return f"Scope({self.size} addresses in {len(self.intervals())} intervals{dns})"
