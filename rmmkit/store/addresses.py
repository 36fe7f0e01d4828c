"""Addresses as sortable keys, and IP-range filters over them.

Why hex keys: an IPv6 address does not fit a BIGINT, and the two backends
disagree on numeric types that do; 32 lowercase hex digits (IPv4 mapped to
``::ffff:a.b.c.d``) sort like the addresses on both, so "every row in
10.1.0.0/24" is an indexed ``BETWEEN``.
"""

from __future__ import annotations

import ipaddress

import netaddr
import sqlalchemy as sa

from rmmkit.errors import InputError

V4_MAPPED = 0xFFFF << 32  # ::ffff:0:0/96


def ip_key(ip: str) -> str:
    """``10.0.0.1`` → ``00000000000000000000ffff0a000001``; raises InputError on a non-address."""
    return canonical(ip)[1]


def canonical(ip: str) -> tuple[str, str]:
    """The address's canonical text (``FD00:0::5`` → ``fd00::5``) and its key."""
    try:  # the stdlib parser: strict (no "10.1" shorthand) and fast enough for /16 scans
        addr = ipaddress.ip_address(str(ip).strip())
    except ValueError:
        raise InputError(f"not an IP address: {ip!r}", expected="an IPv4 or IPv6 address") from None
    value = int(addr) | V4_MAPPED if addr.version == 4 else int(addr)
    return str(addr), f"{value:032x}"


def _hex(addr: netaddr.IPAddress) -> str:
    if addr.version == 4:
        addr = addr.ipv6(ipv4_compatible=False)
    return f"{int(addr):032x}"


def parse_ranges(spec: str | list[str] | tuple[str, ...]) -> list[tuple[str, str]]:
    """``"10.0.0.0/24"``, ``"10.0.0.5-10.0.0.9"``, an address, or a list/comma list of them."""
    items = spec.split(",") if isinstance(spec, str) else list(spec)
    out = []
    for raw in items:
        text = str(raw).strip()
        if not text:
            continue
        try:
            if "-" in text:
                start, end = (netaddr.IPAddress(p.strip()) for p in text.split("-", 1))
                if start.version != end.version or start > end:
                    raise ValueError
            else:
                net = netaddr.IPNetwork(text)
                start, end = net[0], net[-1]
        except (netaddr.AddrFormatError, ValueError, TypeError):
            raise InputError(
                f"bad IP range {text!r}", expected="a.b.c.d, a.b.c.d/nn or a.b.c.d-a.b.c.e"
            ) from None
        out.append((_hex(start), _hex(end)))
    return out


def range_filter(column: sa.ColumnElement[str], spec: str | list[str]) -> sa.ColumnElement[bool]:
    """A WHERE clause: ``column`` (an ip_key column) inside any of the ranges."""
    ranges = parse_ranges(spec)
    if not ranges:
        return sa.true()
    return sa.or_(*(column.between(lo, hi) for lo, hi in ranges))
