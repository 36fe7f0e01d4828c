"""From evidence to the seed's columns: host name, OS, resource type — with sources.

Why a pure module: these rules are opinions (is a Linux host with sshd a
server?) that users will want to read and tests must pin down without a
network.  Every fact says where it came from, so a surprising row can be
explained instead of argued about.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from rmmkit.discovery.identity import Evidence


def _hints(words: str, enterprises: str) -> re.Pattern[str]:
    """Words of sysDescr, or enterprise numbers of sysObjectID (1.3.6.1.4.1.N)."""
    oid = r"1\.3\.6\.1\.4\.1\.(" + enterprises.replace(".", r"\.") + r")\b"
    return re.compile(words + "|" + oid, re.I)


# Checked in this order: a UPS whose sysDescr mentions "switch" is still a UPS.
DEVICE_KINDS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("ups", _hints(r"\bups\b|powernet|smart-ups|eaton|apc web|uninterruptible", "318|534|935")),
    (
        "printer",
        _hints(
            r"printer|jetdirect|laserjet|officejet|lexmark|ricoh|kyocera|xerox|brother",
            "11.2.3.9|367|641|1602|2435",
        ),
    ),
    (
        "firewall",
        _hints(
            r"firewall|fortigate|fortios|pfsense|opnsense|sonicwall|palo alto|pan-os"
            r"|\basa\b|watchguard",
            "12356|25461|8741",
        ),
    ),
    ("router", _hints(r"router|routeros|mikrotik|junos|\bisr\d|edgeos|vyos", "14988|2636|41112")),
    (
        "switch",
        _hints(
            r"switch|catalyst|procurve|aruba|nexus|powerconnect|netgear", "9.1|11.2.3.7|674.10895"
        ),
    ),
)
GENERAL_OS = re.compile(r"\s*(linux|freebsd|hardware:.*software: windows|microsoft windows)", re.I)
SERVER_OS = re.compile(r"windows server|server 20\d\d", re.I)
DESKTOP_OS = re.compile(r"windows (10|11|8|7|vista|xp)\b", re.I)


@dataclass
class Classified:
    hostname: str = ""
    os: str = ""
    resource_type: str = "unknown"
    sources: dict[str, str] = field(default_factory=dict)


def device_kind(sys_descr: str, sys_object_id: str = "") -> str:
    """The network-device kind an SNMP agent describes, or "snmp" when nothing matches."""
    text = f"{sys_descr} {sys_object_id}"
    for kind, pattern in DEVICE_KINDS:
        if pattern.search(text):
            return kind
    return "snmp"


def os_from_ssh(banner: str) -> str:
    if not banner:
        return ""
    if re.search(r"windows", banner, re.I):
        return "Windows (OpenSSH for Windows)"
    for distro in ("Debian", "Ubuntu", "Raspbian", "FreeBSD", "Alpine", "RHEL", "Fedora"):
        if distro.lower() in banner.lower():
            return "FreeBSD" if distro == "FreeBSD" else f"Linux ({distro})"
    return "Unix-like (" + banner.split("-", 2)[-1] + ")"


def os_from_ttl(ttl: int | None) -> str:
    """Initial-TTL guess: 64 Unix-like, 128 Windows, 255 network gear; the weakest evidence."""
    if not ttl:
        return ""
    if ttl <= 64:
        return "Linux/Unix (guessed from TTL)"
    if ttl <= 128:
        return "Windows (guessed from TTL)"
    return "network device (guessed from TTL)"


def _smb_os(smb: dict) -> tuple[str, str]:
    """(os, origin) from an NTLM challenge; build 0 is Samba, which claims Windows 6.1."""
    if not smb.get("os"):
        return "", ""
    if smb.get("os_build") == 0:
        version = smb.get("os_version", "?")
        return f"Samba (SMB server, NTLM version {version})", "smb ntlm challenge"
    return smb["os"], "smb ntlm challenge"


def classify(ev: Evidence) -> Classified:
    """The host name, OS and resource type of one live host, each with its origin."""
    out = Classified()
    src = out.sources
    names = (
        (ev.rdns, f"reverse dns ({ev.rdns_server})" if ev.rdns_server else "reverse dns"),
        (ev.smb.get("server_name", ""), "smb ntlm challenge"),
        (ev.netbios.get("name", ""), "netbios node status"),
        (ev.snmp.get("sys_name", ""), ev.snmp_via or "snmp sysName"),
    )
    for value, origin in names:
        if value:
            out.hostname, src["hostname"] = value, origin
            break
    sys_descr = ev.snmp.get("sys_descr", "")
    smb_os, smb_origin = _smb_os(ev.smb)
    candidates = (
        (smb_os, smb_origin),
        (_snmp_os(sys_descr), f"snmp sysDescr ({ev.snmp_via})" if ev.snmp_via else "snmp sysDescr"),
        (os_from_ssh(ev.ssh_banner), "ssh banner"),
        (
            "Windows (NetBIOS/SMB)" if ev.netbios and not ev.ssh_banner else "",
            "netbios node status",
        ),
        (os_from_ttl(ev.ttl), "icmp ttl"),
    )
    for value, origin in candidates:
        if value:
            out.os, src["os"] = value, origin
            break
    out.resource_type, src["resource_type"] = _resource_type(ev, out.os, sys_descr)
    return out


def _snmp_os(sys_descr: str) -> str:
    if not sys_descr:
        return ""
    first = sys_descr.splitlines()[0].strip()
    if first.lower().startswith("linux"):
        parts = first.split()
        return "Linux " + parts[2] if len(parts) > 2 else "Linux"
    return first[:80]


def _resource_type(ev: Evidence, os_name: str, sys_descr: str) -> tuple[str, str]:
    """(type, why): Windows Server → server, Windows 10/11 → desktop, SNMP → device kind, …"""
    if ev.snmp:
        kind = device_kind(sys_descr, ev.snmp.get("sys_object_id", ""))
        if kind == "snmp" and GENERAL_OS.match(sys_descr):
            return "server", "snmp agent of a general-purpose OS (server by default)"
        if kind != "snmp" or not (ev.smb or ev.ssh_banner):
            return kind, f"snmp sysDescr/sysObjectID → {kind}"
    if ev.smb or ev.netbios:
        server, desktop = SERVER_OS.search(os_name), DESKTOP_OS.search(os_name)
        if server and not desktop:
            return "server", "os is a Windows Server release"
        if desktop and not server:
            return "desktop", "os is a Windows client release"
        if server and desktop:  # one build number for both (e.g. 17763): NetBIOS names decide
            if ev.netbios.get("domain_controller"):
                return "server", "build shared by client and server; registers as domain controller"
            return "desktop", "build shared by client and server; no server role seen"
        if os_name.startswith("Samba"):
            return "server", "samba file server"
        return "server", "answers smb/netbios"
    if ev.ssh_banner:
        return "server", "default: a host with sshd is a server"
    if ev.found_by == "icmp" and not ev.open_ports:
        return "icmp", "answers icmp only"
    return "unknown", f"found by {ev.found_by}; no identity probe answered"
