"""MAC addresses from the kernel's neighbour table, vendors from the IEEE OUI registry.

Why the kernel's table: the sweep itself makes the kernel ARP for every
on-link address it pings, so after the sweep the table already holds the
MAC of every live local host — reading it costs no extra packet.  The table
is not used as proof of life: an entry outlives its host by up to a minute.  Routed
hosts have no entry (their MAC is the router's), and that is reported as such.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import netaddr

ARP_TABLE = Path("/proc/net/arp")  # per network namespace: /proc/net is /proc/self/net
ATF_COM = 0x2  # entry complete (the neighbour answered)


def neighbour_macs(table: Path = ARP_TABLE) -> dict[str, str]:
    """``ip -> MAC`` (lower-case, colon separated) of every complete IPv4 neighbour entry."""
    try:
        lines = table.read_text().splitlines()[1:]
    except OSError:
        return {}
    out: dict[str, str] = {}
    for line in lines:
        parts = line.split()
        if len(parts) < 4:
            continue
        ip, flags, mac = parts[0], int(parts[2], 16), parts[3].lower()
        if flags & ATF_COM and mac != "00:00:00:00:00:00":
            out[ip] = mac
    return out


@lru_cache(maxsize=4096)
def _vendor_of_prefix(prefix: str) -> str:
    try:
        return str(netaddr.EUI(prefix + ":00:00:00").oui.registration().org)
    except (netaddr.NotRegisteredError, netaddr.AddrFormatError, IndexError, ValueError):
        return ""


def mac_vendor(mac: str) -> str:
    """The organisation registered for ``mac``'s OUI; "" when unknown or locally administered."""
    if not mac or len(mac) < 8:
        return ""
    first_octet = int(mac[:2], 16)
    if first_octet & 0x02:  # locally administered (VMs, veths, randomised Wi-Fi): no vendor
        return ""
    return _vendor_of_prefix(mac[:8])


def is_locally_administered(mac: str) -> bool:
    return bool(mac) and bool(int(mac[:2], 16) & 0x02)
