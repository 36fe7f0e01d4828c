"""Proof on the shared default lab (rmmkit.lab): every host kind gets the right columns,
and rmmkit finds exactly the live set that ``nmap -sn`` finds.

The scan runs in the lab's scanner namespace (no default route).  The lab's
DNS server (ns1, 10.77.1.53) is the scanner's system resolver and lies
outside the scanned ranges, as a client's domain controller does: names
come from it anyway (port 53 only), and they are the names ``nmap -sn``
finds through the same resolver.
"""

from __future__ import annotations

import json
import re
import sys

import pytest

pytestmark = [pytest.mark.lab, pytest.mark.slow]

RESOLVER = "10.77.1.53"  # ns1
RANGES = ("10.77.1.0-10.77.1.52", "10.77.1.54-10.77.1.255", "10.77.2.0/24")
NMAP_TARGETS = ("10.77.1.0-52", "10.77.1.54-255", "10.77.2.0/24")  # the same, nmap's syntax
EXCLUDED = "10.77.1.41"  # ping-b: alive, but never to be touched
SNMP_KINDS = {
    "ups-apc": "ups",
    "ups-eaton": "ups",
    "sw-cisco": "switch",
    "sw-hpe": "switch",
    "rtr-juniper": "router",
    "fw-paloalto": "firewall",
    "fw-fortinet": "firewall",
    "printer": "printer",
    "srv-w2003": "server",
    "nas-linux": "server",
}


def _rmmkit(lab, *args: str) -> str:
    proc = lab.exec([sys.executable, "-m", "rmmkit.cli.main", *args], timeout=300)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


@pytest.fixture(scope="module")
def proof_rows(lab, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("proof")
    secret = tmp / "community"
    secret.write_text("public")
    secret.chmod(0o600)
    inventory = tmp / "inventory.yml"
    inventory.write_text(f"""credentials:
  - {{name: snmp-ro, kind: snmp_community, secret: {{source: file, key: {secret}}}}}
sites:
  - name: proof
    ranges: {json.dumps(list(RANGES))}
    excludes: ["{EXCLUDED}"]
    credentials: [snmp-ro]
""")
    out = _rmmkit(
        lab,
        "scan",
        "--site",
        "proof",
        "-i",
        str(inventory),
        "--format",
        "json",
        "--no-store",
        "--ports",
        "22,80,443,445,8080",
    )
    return {row["ip"]: row for row in json.loads(out)}


def _hosts(lab, kind: str):
    return [h for h in lab.hosts if h.kind == kind]


def test_every_address_in_scope_has_one_row(proof_rows):
    assert len(proof_rows) == 2 * 256 - 2
    assert EXCLUDED not in proof_rows and RESOLVER not in proof_rows


def test_windows_like_samba_hosts(lab, proof_rows):
    for host in _hosts(lab, "windows-smb"):
        row = proof_rows[host.address]
        assert row["machine_status"] == "online", host.name
        names = {row["hostname"].split(".")[0].lower(), row["extra"]["smb"]["server_name"].lower()}
        assert host.hostname.lower() in names, (host.name, row["hostname"])
        assert row["resource_type"] == "server"
        assert row["mac"] == host.mac.lower()
        assert row["sources"]["os"] == "smb ntlm challenge"


def test_linux_ssh_hosts(lab, proof_rows):
    for host in _hosts(lab, "linux-ssh"):
        row = proof_rows[host.address]
        assert row["machine_status"] == "online", host.name
        assert row["extra"]["ssh_banner"].startswith("SSH-2.0-"), host.name
        assert row["resource_type"] == "server"
        assert row["mac"] == host.mac.lower()


def test_snmp_devices_are_their_kind(lab, proof_rows):
    for host in _hosts(lab, "snmp"):
        row = proof_rows[host.address]
        assert row["machine_status"] == "online", host.name
        seen = (host.name, row["extra"].get("snmp"), row["extra"].get("notes"))
        assert row["resource_type"] == SNMP_KINDS[host.name], seen
        assert row["hostname"], host.name


def test_ping_only_filtered_and_dead(lab, proof_rows):
    ping = proof_rows[lab.host("ping-a").address]
    assert (ping["machine_status"], ping["found_by"], ping["resource_type"]) == (
        "online",
        "icmp",
        "icmp",
    )
    assert ping["mac_vendor"].startswith("Apple")
    filtered = proof_rows[lab.host("filtered").address]
    assert filtered["machine_status"] == "online"
    assert filtered["found_by"].startswith("tcp/")
    for host in _hosts(lab, "dead"):
        row = proof_rows[host.address]
        assert row["machine_status"] == "offline", host.name
        assert row["description"]


def test_reverse_dns_names_come_from_the_lab_dns(lab, proof_rows):
    with_ptr = [h for h in lab.hosts if h.ptr and h.address in proof_rows and h.kind != "dead"]
    assert with_ptr
    for host in with_ptr:
        row = proof_rows[host.address]
        assert row["hostname"].lower().startswith(host.ptr.lower()), (host.name, row["hostname"])
        assert row["sources"]["hostname"] == f"reverse dns ({RESOLVER})"


def test_reverse_dns_names_equal_nmap_sn(lab, proof_rows, capsys):
    """``nmap -sn`` (no -n: the system resolver) in the same namespace, on the same ranges."""
    proc = lab.exec(["nmap", "-sn", "-oG", "-", *NMAP_TARGETS, "--exclude", EXCLUDED], timeout=300)
    theirs = dict(re.findall(r"Host: ([\d.]+) \(([^)]+)\)\s+Status: Up", proc.stdout))
    ours = {
        ip: row["hostname"]
        for ip, row in proof_rows.items()
        if row["sources"].get("hostname", "").startswith("reverse dns")
    }
    assert len(theirs) >= 5, proc.stdout
    assert ours == theirs, (
        sorted(ours.items() - theirs.items()),
        sorted(theirs.items() - ours.items()),
    )
    with capsys.disabled():
        print(f"\nnmap -sn names (default lab): {len(theirs)} equal: {sorted(theirs.items())}")


def test_same_live_set_as_nmap(lab):
    ours = json.loads(
        _rmmkit(
            lab,
            "scan",
            *RANGES,
            "--exclude",
            EXCLUDED,
            "--ping-only",
            "--no-store",
            "--format",
            "json",
        )
    )
    live = {r["ip"] for r in ours if r["machine_status"] == "online"}
    proc = lab.exec(
        ["nmap", "-sn", "-n", "-oG", "-", *NMAP_TARGETS, "--exclude", EXCLUDED], timeout=300
    )
    theirs = set(re.findall(r"Host: ([\d.]+) \(\)\s+Status: Up", proc.stdout))
    assert len(theirs) > 20, "nmap found too little: the comparison would prove nothing"
    assert live == theirs, (sorted(live - theirs), sorted(theirs - live))
