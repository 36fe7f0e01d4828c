"""Pure logic of discovery: classification rules, the token bucket, options, diffs, ARP parsing."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rmmkit.discovery.classify import classify, device_kind, os_from_ssh, os_from_ttl
from rmmkit.discovery.diff import diff_scans
from rmmkit.discovery.icmp import IcmpEngine, _fold
from rmmkit.discovery.identity import Evidence
from rmmkit.discovery.neighbours import mac_vendor, neighbour_macs
from rmmkit.discovery.rate import TokenBucket
from rmmkit.discovery.sitecfg import ports_from
from rmmkit.errors import InputError


def _ev(**kw) -> Evidence:
    return Evidence(ip="10.0.0.1", found_by=kw.pop("found_by", "icmp"), **kw)


@pytest.mark.parametrize(
    ("os_name", "build", "expected"),
    [
        ("Windows Server 2022 Build 20348", 20348, "server"),
        ("Windows 11 Build 22631", 22631, "desktop"),
        ("Windows 10 Build 19045", 19045, "desktop"),
    ],
)
def test_windows_release_decides_desktop_or_server(os_name, build, expected):
    got = classify(_ev(smb={"os": os_name, "os_build": build, "server_name": "PC1"}))
    assert got.resource_type == expected
    assert got.os == os_name and got.sources["os"] == "smb ntlm challenge"
    assert got.hostname == "PC1"


def test_shared_build_is_a_server_only_when_it_registers_as_domain_controller():
    smb = {"os": "Windows 10 / Server 2019 Build 17763", "os_build": 17763}
    assert classify(_ev(smb=smb)).resource_type == "desktop"
    assert classify(_ev(smb=smb, netbios={"domain_controller": True})).resource_type == "server"


def test_linux_with_sshd_is_a_server_by_default():
    got = classify(_ev(ssh_banner="SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3", ttl=64))
    assert (got.os, got.resource_type) == ("Linux (Debian)", "server")
    assert got.sources["os"] == "ssh banner"


@pytest.mark.parametrize(
    ("descr", "oid", "kind"),
    [
        ("APC Web/SNMP Management Card Smart-UPS 1500", "", "ups"),
        ("HP ETHERNET MULTI-ENVIRONMENT, JETDIRECT", "", "printer"),
        ("Fortigate 60F", "", "firewall"),
        ("RouterOS CCR1009", "", "router"),
        ("Cisco IOS Software, Catalyst L3 Switch", "", "switch"),
        ("some box", "1.3.6.1.4.1.318.1.3.27", "ups"),
        ("some box", "1.3.6.1.4.1.99999", "snmp"),
    ],
)
def test_snmp_device_kinds(descr, oid, kind):
    assert device_kind(descr, oid) == kind
    got = classify(
        _ev(
            snmp={"sys_descr": descr, "sys_object_id": oid, "sys_name": "dev"},
            snmp_via="snmp v2c (community #1)",
        )
    )
    assert got.resource_type == kind
    assert got.hostname == "dev"


def test_icmp_only_host_and_ttl_is_the_last_resort():
    got = classify(_ev(ttl=128))
    assert (got.resource_type, got.os, got.sources["os"]) == ("icmp", os_from_ttl(128), "icmp ttl")
    assert os_from_ttl(250).startswith("network device")
    assert classify(_ev(found_by="tcp/80", open_ports={80})).resource_type == "unknown"


def test_reverse_dns_name_wins_over_netbios():
    got = classify(_ev(rdns="pc1.example.test", netbios={"name": "PC1"}))
    assert (got.hostname, got.sources["hostname"]) == ("pc1.example.test", "reverse dns")


def test_ssh_banner_oses():
    assert os_from_ssh("SSH-2.0-OpenSSH_for_Windows_8.1").startswith("Windows")
    assert os_from_ssh("SSH-2.0-dropbear_2022.83") == "Unix-like (dropbear_2022.83)"


def test_token_bucket_holds_the_rate_on_a_fake_clock():
    now = [0.0]
    bucket = TokenBucket(1000, clock=lambda: now[0])
    sent = 0
    for _ in range(10_000):  # 10 s of 1 ms ticks
        now[0] += 0.001
        n = bucket.available()
        bucket.take(n)
        sent += n
    assert 9_990 <= sent <= 10_001


@given(st.integers(0, 2**32 - 1), st.integers(0, 10))
def test_echo_checksum_is_valid(index, attempt):
    engine = IcmpEngine([], bucket=TokenBucket(1))
    packet = engine.packet(index, attempt)
    words = sum(int.from_bytes(packet[i : i + 2], "big") for i in range(0, len(packet), 2))
    assert _fold(words) == 0  # a correct ICMP checksum folds the whole packet to zero


def test_ports_option():
    assert ports_from("22, 80,22") == (22, 80)
    assert ports_from("none") == ()
    assert ports_from([443]) == (443,)
    with pytest.raises(InputError, match="not a TCP port"):
        ports_from("22,http")
    with pytest.raises(InputError):
        ports_from("70000")


def test_diff_new_gone_changed():
    older = [
        {"ip": "10.0.0.1", "machine_status": "online", "hostname": "a"},
        {"ip": "10.0.0.2", "machine_status": "online", "hostname": "b"},
        {"ip": "10.0.0.3", "machine_status": "offline"},
    ]
    newer = [
        {"ip": "10.0.0.1", "machine_status": "online", "hostname": "a2"},
        {"ip": "10.0.0.2", "machine_status": "offline"},
        {"ip": "10.0.0.3", "machine_status": "online", "hostname": "c"},
    ]
    got = diff_scans(older, newer)
    assert [r["ip"] for r in got["new"]] == ["10.0.0.3"]
    assert [r["ip"] for r in got["gone"]] == ["10.0.0.2"]
    assert got["changed"] == [{"ip": "10.0.0.1", "fields": {"hostname": ("a", "a2")}}]


def test_arp_table_parsing_keeps_complete_entries(tmp_path):
    table = tmp_path / "arp"
    table.write_text(
        "IP address       HW type     Flags       HW address            Mask     Device\n"
        "10.0.0.5         0x1         0x2         00:1b:21:aa:bb:cc     *        eth0\n"
        "10.0.0.6         0x1         0x0         00:00:00:00:00:00     *        eth0\n"
    )
    assert neighbour_macs(table) == {"10.0.0.5": "00:1b:21:aa:bb:cc"}
    assert mac_vendor("00:1b:21:aa:bb:cc") == "Intel Corporate"
    assert mac_vendor("02:1b:21:aa:bb:cc") == ""  # locally administered: no vendor
