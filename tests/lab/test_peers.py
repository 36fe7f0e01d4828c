"""The default lab, checked peer by peer with each peer's own client, from the scanner."""

from __future__ import annotations

import ipaddress
import random
import re
from pathlib import Path

import pytest
from netaddr import EUI

from rmmkit.lab import Lab

pytestmark = pytest.mark.lab

ALL_KINDS = {"linux-ssh", "windows-smb", "snmp", "ping-only", "dead", "filtered", "anyip", "dns"}


def ping(lab: Lab, address: str) -> tuple[bool, int | None]:
    proc = lab.exec(["ping", "-n", "-c1", "-W1", address], timeout=10)
    ttl = re.search(r"ttl=(\d+)", proc.stdout)
    return proc.returncode == 0, int(ttl.group(1)) if ttl else None


def test_lab_is_big_fast_and_has_every_kind(lab: Lab) -> None:
    kinds = {h.kind for h in lab.hosts}
    assert kinds == ALL_KINDS
    assert len(lab.hosts) >= 12
    assert lab.timings["total_seconds"] <= 60, lab.timings
    assert all(row["state"] == "up" for row in lab.status()), lab.status()


def test_scanner_reaches_only_the_lab(lab: Lab) -> None:
    routes = lab.exec(["ip", "-4", "route"]).stdout
    assert "default" not in routes
    assert "10.88.0.0/16 via 10.77.1.250" in routes
    # `ip route get` asks the kernel's FIB only: no packet leaves.
    outside = lab.exec(["ip", "route", "get", "192.0.2.1"])
    assert outside.returncode != 0 and "unreachable" in outside.stderr
    assert lab.exec(["sysctl", "-n", "net.ipv4.ping_group_range"]).stdout.split() == [
        "0",
        "2147483647",
    ]


def test_ping_ttl_and_silence(lab: Lab) -> None:
    assert ping(lab, lab.host("ping-a").address) == (True, 64)
    assert ping(lab, lab.host("ping-b").address) == (True, 128)
    assert ping(lab, lab.host("win-srv01").address) == (True, 128)
    for silent in ("filtered", "dead-a", "dead-b"):
        assert ping(lab, lab.host(silent).address)[0] is False, silent


def test_filtered_host_has_one_open_port(lab: Lab) -> None:
    address = lab.host("filtered").address
    probe = (
        "import socket,sys; s=socket.create_connection((sys.argv[1], int(sys.argv[2])), 3);"
        " print(s.recv(64))"
    )
    ok = lab.exec(["python3", "-c", probe, address, "8080"])
    assert ok.returncode == 0 and "200 OK" in ok.stdout
    refused = lab.exec(["python3", "-c", probe, address, "22"])
    assert "ConnectionRefusedError" in refused.stderr


def test_filtered_listener_survives_port_scanner_resets(lab: Lab) -> None:
    """A TCP connect probe resets at once; the listener must keep serving afterwards."""
    address = lab.host("filtered").address
    hammer = (
        "import socket,struct,sys\n"
        "for _ in range(300):\n"
        "    s=socket.create_connection((sys.argv[1], 8080), 3)\n"
        "    s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack('ii', 1, 0))\n"
        "    s.close()\n"
        "s=socket.create_connection((sys.argv[1], 8080), 3); print(s.recv(64))\n"
    )
    after = lab.exec(["python3", "-c", hammer, address])
    assert after.returncode == 0 and "200 OK" in after.stdout, after.stderr
    row = next(r for r in lab.status() if r["host"] == "filtered")
    assert row["state"] == "up", row


def test_macs_show_vendors_and_are_on_the_wire(lab: Lab) -> None:
    expected = {
        "win-srv01": "Microsoft",
        "lnx-noagent": "Dell",
        "lnx-outdated": "VMware",
        "mac-design": "Apple",
        "ups-apc": "AMERICAN POWER CONVERSION",
        "fw-paloalto": "Palo Alto",
        "fw-fortinet": "Fortinet",
        "rtr-juniper": "Juniper",
        "sw-cisco": "Cisco",
    }
    for name, vendor in expected.items():
        host = lab.host(name)
        assert vendor.lower() in EUI(host.mac).oui.registration().org.lower(), name
    host = lab.host("lnx-noagent")
    ping(lab, host.address)
    neigh = lab.exec(["ip", "neigh", "show", host.address]).stdout
    assert host.mac.lower() in neigh.lower()


def test_each_host_has_its_own_name_and_users(lab: Lab) -> None:
    for name in ("lnx-noagent", "mac-design", "win-srv01"):
        assert lab.exec(["hostname"], host=name).stdout.strip() == lab.host(name).hostname
    assert lab.exec(["id", "ops"], host="lnx-secondcred").returncode == 0
    assert lab.exec(["id", "ops"], host="lnx-noagent").returncode != 0
    assert "ops" not in (lab.dir / "hosts" / "lnx-noagent").joinpath("etc-upper/passwd").read_text()
    assert "ops:" not in Path("/etc/passwd").read_text()  # the root namespace never changes


def test_reverse_dns_for_some_hosts(lab: Lab) -> None:
    named = lab.exec(["dig", "+short", "-x", lab.host("lnx-noagent").address]).stdout.strip()
    assert named == "lnx-noagent.lab.test."
    assert (
        lab.exec(["dig", "+short", "-x", lab.host("sw-cisco").address]).stdout.strip()
        == "core-sw1.lab.test."
    )
    unnamed = lab.exec(["dig", "-x", lab.host("lnx-wrongpw").address]).stdout
    assert "NXDOMAIN" in unnamed
    # The scanner's resolver (/etc/netns/<scanner>/resolv.conf) is the lab's dnsmasq.
    forward = lab.exec(["getent", "hosts", "win-srv01.lab.test"]).stdout
    assert forward.split()[0] == lab.host("win-srv01").address


def test_anyip_block_answers_ping_ssh_and_snmp(lab: Lab) -> None:
    import paramiko

    block = ipaddress.IPv4Network(lab.host("anyip").options["block"])
    rng = random.Random()
    addresses = [str(block[rng.randrange(1, block.num_addresses - 1)]) for _ in range(4)]
    admin = lab.host("anyip").user("admin")
    for address in addresses:
        assert ping(lab, address)[0], address
        snmp = lab.exec(
            ["snmpget", "-v2c", "-c", "public", "-t2", "-r1", "-Oqv", address, "1.3.6.1.2.1.1.5.0"]
        )
        assert snmp.stdout.strip() == '"anyip"', (address, snmp.stderr)
        with lab.scanner():
            client = paramiko.SSHClient()
            client.set_missing_host_key_policy(paramiko.AutoAddPolicy())
            client.connect(
                address,
                username=admin.name,
                key_filename=str(lab.ssh_key),
                look_for_keys=False,
                allow_agent=False,
                timeout=10,
            )
        try:
            _, out, _ = client.exec_command("hostname")
            assert out.read().decode().strip() == "anyip"
        finally:
            client.close()
