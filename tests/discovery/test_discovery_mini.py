"""Discovery against real peers in a private network: columns, scope, rate, nmap parity."""

from __future__ import annotations

import json
import re
import signal
import subprocess
import time

import pytest

from .conftest import (
    COMMUNITY,
    CROWD,
    EXCLUDED,
    OUTSIDE,
    RESOLVER,
    SCOPE,
    SUBNET,
    V3_AUTH,
    V3_PRIV,
)

pytestmark = pytest.mark.lab


@pytest.fixture(scope="module")
def site_rows(minilab):
    rows = minilab.scan_json(
        "--site", "lab", "-i", str(minilab.inventory), "--no-dns", "--ports", "22,80"
    )
    return {row["ip"]: row for row in rows}


def test_windows_like_samba_host(site_rows):
    row = site_rows[f"{SUBNET}.10"]
    assert row["machine_status"] == "online"
    assert row["hostname"] == "WINSRV01"
    assert row["sources"]["hostname"] == "smb ntlm challenge"
    assert row["os"].startswith("Samba")
    assert row["resource_type"] == "server"
    assert row["extra"]["netbios"]["workgroup"] == "LABDOM"
    assert re.fullmatch(r"([0-9a-f]{2}:){5}[0-9a-f]{2}", row["mac"])
    assert row["sources"]["mac"] == "kernel neighbour table"
    assert row["agent_status"] == "unknown"


def test_linux_ssh_host(site_rows):
    row = site_rows[f"{SUBNET}.11"]
    assert row["machine_status"] == "online"
    assert row["extra"]["ssh_banner"].startswith("SSH-2.0-OpenSSH")
    assert row["os"].startswith(("Linux", "Unix-like"))
    assert row["sources"]["os"] == "ssh banner"
    assert row["resource_type"] == "server"


def test_snmp_devices_get_their_kind(site_rows):
    ups, printer = site_rows[f"{SUBNET}.12"], site_rows[f"{SUBNET}.13"]
    assert (ups["hostname"], ups["resource_type"]) == ("ups-basement", "ups")
    assert (printer["hostname"], printer["resource_type"]) == ("printer-2f", "printer")
    assert "snmp" in ups["sources"]["resource_type"]


def test_ping_only_filtered_dead_and_excluded(site_rows):
    ping = site_rows[f"{SUBNET}.14"]
    assert (ping["machine_status"], ping["found_by"]) == ("online", "icmp")
    assert ping["resource_type"] == "icmp"
    filtered = site_rows[f"{SUBNET}.15"]
    assert filtered["machine_status"] == "online"
    assert filtered["found_by"].startswith("tcp/")
    dead = site_rows[f"{SUBNET}.16"]
    assert dead["machine_status"] == "offline"
    assert dead["description"]  # says what failed
    assert EXCLUDED not in site_rows and OUTSIDE not in site_rows
    assert set(site_rows) == {f"{SUBNET}.{n}" for n in range(10, 17)}


def test_secret_never_printed_or_stored(minilab, site_rows):
    out = minilab.rmmkit(
        "report", "scan-details", "--site", "lab", "--format", "json", "--db", minilab.db
    )
    assert COMMUNITY not in out.stdout
    assert json.loads(out.stdout)
    path = minilab.db.removeprefix("sqlite:///")
    dump = minilab.net.exec(
        minilab.scanner,
        "python3",
        "-c",
        f"import sqlite3;print(list(sqlite3.connect({path!r}).iterdump()))",
    )
    assert COMMUNITY not in dump


def _capture(minilab, argv: list[str]) -> list[tuple[float, str, int | None]]:
    """Run the scan under tcpdump on the bridge: (timestamp, destination, destination port or
    None for ICMP) of every IP packet the scanner sent.

    IGMP is left out: the kernel joins multicast groups on its own when the bridge comes up.
    """
    pcap = minilab.net.tmp / f"cap-{time.monotonic_ns()}.pcap"
    bpf = f"ip and not igmp and src host {SUBNET}.1"
    dump = subprocess.Popen(
        [
            "ip",
            "netns",
            "exec",
            minilab.scanner,
            "tcpdump",
            "-i",
            "br0",
            "-n",
            "--immediate-mode",
            "-w",
            str(pcap),
            bpf,
        ],
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert "listening" in dump.stderr.readline()
        time.sleep(0.2)
        minilab.rmmkit(*argv)
        time.sleep(0.3)  # let the last packets reach the capture
    finally:
        dump.send_signal(signal.SIGINT)  # tcpdump flushes and closes the file on SIGINT
        dump.wait(timeout=10)
    text = subprocess.run(
        ["tcpdump", "-r", str(pcap), "-n", "-tt"], capture_output=True, text=True, check=True
    ).stdout
    out = []
    for line in text.splitlines():
        match = re.match(r"(\d+\.\d+) IP (\S+) > (\d+\.\d+\.\d+\.\d+)(?:\.(\d+))?:", line)
        if match:
            port = int(match.group(4)) if match.group(4) else None
            out.append((float(match.group(1)), match.group(3), port))
    return out


def _split_by_scope(packets, allowed: set[str]) -> tuple[list, list]:
    """(DNS packets to the resolver on port 53, violations): anything else must go to ``allowed``;
    any other packet to the resolver is a violation even when its address is allowed."""
    dns = [p for p in packets if p[1] == RESOLVER and p[2] == 53]
    bad = [p for p in packets if p not in dns and (p[1] not in allowed or p[1] == RESOLVER)]
    return dns, bad


def test_capture_shows_no_packet_outside_scope(minilab, capsys):
    """Reverse DNS on (the system resolver .53 is outside the site's range): DNS to .53 port 53
    is the only packet that leaves the range."""
    packets = _capture(
        minilab,
        ["scan", "--site", "lab", "-i", str(minilab.inventory), "--db", minilab.db],
    )
    dns, bad = _split_by_scope(packets, {f"{SUBNET}.{n}" for n in range(10, 17)})
    assert packets, "the capture saw nothing: the test would prove nothing"
    assert dns, "no DNS query reached the resolver: the allowance is untested"
    assert bad == [], bad
    with capsys.disabled():
        print(
            f"\ntcpdump site lab: {len(packets)} packets, {len(dns)} DNS to {RESOLVER}:53, 0 other"
        )


def test_capture_excluded_resolver_gets_dns_only(minilab, capsys):
    """The resolver inside the range but excluded: never probed (ICMP, TCP, identity), still
    asked for names on port 53 (the scope's resolver allowance); .17/.18 never touched."""
    packets = _capture(
        minilab,
        [
            "scan",
            f"{SUBNET}.10-{SUBNET}.60",
            *("--exclude", EXCLUDED, "--exclude", OUTSIDE, "--exclude", RESOLVER),
            *("--ports", "22,80", "--timeout", "0.5", "--format", "json", "--no-store"),
        ],
    )
    allowed = {f"{SUBNET}.{n}" for n in range(10, 61)} - {EXCLUDED, OUTSIDE, RESOLVER}
    dns, bad = _split_by_scope(packets, allowed)
    assert dns and not bad, bad
    # live neighbours of the resolver were probed (dead ones never resolve ARP: no IP packet)
    assert {p[1] for p in packets} >= {f"{SUBNET}.14", f"{SUBNET}.54"}
    with capsys.disabled():
        print(f"\ntcpdump excluded resolver: {len(packets)} packets, {len(dns)} DNS, 0 other")


def test_capture_rate_within_five_percent(minilab):
    rate = 1000
    packets = _capture(
        minilab,
        [
            "scan",
            f"{CROWD}.0/24",
            "--exclude",
            f"{CROWD}.77",
            "--ping-only",
            "--retries",
            "0",
            "--ports",
            "none",
            "--max-rate",
            str(rate),
            "--format",
            "json",
            "--no-store",
        ],
    )
    assert len(packets) == 255
    assert f"{CROWD}.77" not in {dst for _t, dst, _p in packets}
    span = packets[-1][0] - packets[0][0]
    measured = (len(packets) - 1) / span
    assert abs(measured - rate) / rate <= 0.05, measured


def test_same_live_set_as_nmap(minilab):
    rows = minilab.scan_json(SCOPE, "--exclude", EXCLUDED, "--ping-only", "--no-store")
    ours = {r["ip"] for r in rows if r["machine_status"] == "online"}
    xml = minilab.net.exec(
        minilab.scanner, "nmap", "-sn", "-n", "-oX", "-", f"{SUBNET}.10-17", "--exclude", EXCLUDED
    )
    theirs = set(re.findall(r'<status state="up"[^>]*/>\s*<address addr="([\d.]+)"', xml))
    assert theirs, "nmap found nothing: the comparison would prove nothing"
    assert ours == theirs


def test_snmp_v3_user_identifies_the_device(minilab):
    """Only .12 knows the v3 user: .13 (community only) stays unidentified, and says why."""
    rows = {
        r["ip"]: r
        for r in minilab.scan_json(
            "--site",
            "labv3",
            "-i",
            str(minilab.inventory),
            "--no-dns",
            "--ports",
            "none",
            "--no-store",
        )
    }
    ups, printer = rows[f"{SUBNET}.12"], rows[f"{SUBNET}.13"]
    assert (ups["hostname"], ups["resource_type"]) == ("ups-basement", "ups")
    assert ups["sources"]["hostname"] == "snmp v3 (snmp-v3)"
    assert printer["resource_type"] == "icmp"
    assert any("snmp snmp-v3" in note for note in printer["extra"]["notes"])
    assert printer["description"] == ""  # nothing for a technician to act on
    for secret in (V3_AUTH, V3_PRIV):
        assert secret not in json.dumps(rows)
