"""Reverse DNS through a resolver outside the scanned range (dnsmasq in the mini network).

The scanner namespace's resolv.conf names .53, which no scan here covers:
names must come from it by default (as ``nmap -sn`` gets them), from the
site's ``dns`` when declared, from ``--dns`` above both, and never with
``--no-dns``.  Probe notes live in ``extra.notes``, not in Description.
"""

from __future__ import annotations

import json
import re

import pytest

from .conftest import EXCLUDED, PTR, RESOLVER, SITE_RESOLVER, SUBNET

pytestmark = pytest.mark.lab


def _jsonl(minilab, *args: str) -> tuple[dict[str, dict], dict]:
    """(rows by ip, scan_finish event) of one scan in the scanner namespace."""
    out = minilab.rmmkit("scan", *args, "--format", "jsonl", "--no-store").stdout
    events = [json.loads(line) for line in out.splitlines()]
    rows = {e["ip"]: e for e in events if e["event"] == "host"}
    return rows, events[-1]


@pytest.fixture(scope="module")
def system_dns(minilab):
    return _jsonl(minilab, "--site", "lab", "-i", str(minilab.inventory), "--ports", "22,80")


def _rdns_names(rows: dict[str, dict]) -> dict[str, str]:
    return {
        ip: r["hostname"]
        for ip, r in rows.items()
        if r["sources"].get("hostname", "").startswith("reverse dns")
    }


def test_names_come_from_the_system_resolver_outside_the_range(system_dns):
    rows, finish = system_dns
    assert RESOLVER not in rows  # not a target: only asked for names
    for ip, name in PTR.items():
        assert rows[ip]["hostname"] == name
        assert rows[ip]["sources"]["hostname"] == f"reverse dns ({RESOLVER})"
    samba = rows[f"{SUBNET}.10"]  # no PTR: the SMB name, and a note saying why
    assert samba["hostname"] == "WINSRV01"
    assert "rdns: NXDOMAIN" in samba["extra"]["notes"]
    assert finish["resolvers"] == {RESOLVER: len(PTR)}
    assert any(RESOLVER in n and "system resolver" in n for n in finish["notes"]), finish


def test_online_rows_have_no_description_offline_rows_say_why(system_dns):
    rows, _finish = system_dns
    online = [r for r in rows.values() if r["machine_status"] == "online"]
    assert len(online) == 6
    assert all(r["description"] == "" for r in online)
    dead = rows[f"{SUBNET}.16"]
    assert dead["machine_status"] == "offline"
    assert "icmp: no echo reply" in dead["description"] and "tcp/22" in dead["description"]


def test_same_names_as_nmap(minilab, system_dns, capsys):
    """``nmap -sn`` (system resolver, same namespace, same range) names the same hosts alike."""
    rows, _finish = system_dns
    grep = minilab.net.exec(
        minilab.scanner, "nmap", "-sn", "-oG", "-", f"{SUBNET}.10-17", "--exclude", EXCLUDED
    )
    theirs = dict(re.findall(r"Host: ([\d.]+) \(([^)]+)\)\s+Status: Up", grep))
    ours = _rdns_names(rows)
    assert theirs, "nmap named nothing: the comparison would prove nothing"
    assert ours == theirs
    with capsys.disabled():
        print(f"\nnmap -sn names (mini): {sorted(theirs.items())} == rmmkit's")


def test_site_dns_wins_over_the_system_and_dns_option_over_both(minilab):
    site = ("--site", "labdns", "-i", str(minilab.inventory), "--ports", "22")
    rows, finish = _jsonl(minilab, *site)
    assert rows[f"{SUBNET}.11"]["sources"]["hostname"] == f"reverse dns ({SITE_RESOLVER})"
    assert finish["resolvers"] == {SITE_RESOLVER: len(PTR)}
    assert any(f"{SITE_RESOLVER} (site labdns)" in n for n in finish["notes"]), finish
    rows, finish = _jsonl(minilab, *site, "--dns", RESOLVER)
    assert rows[f"{SUBNET}.11"]["sources"]["hostname"] == f"reverse dns ({RESOLVER})"
    assert finish["resolvers"] == {RESOLVER: len(PTR)}


def test_no_dns_names_nothing_and_says_so(minilab):
    rows, finish = _jsonl(
        minilab, "--site", "lab", "-i", str(minilab.inventory), "--ports", "22", "--no-dns"
    )
    assert _rdns_names(rows) == {}
    assert finish["resolvers"] == {}
    assert any("reverse dns: off" in n for n in finish["notes"]), finish


def test_verbose_table_shows_probe_notes(minilab):
    args = ("scan", "--site", "lab", "-i", str(minilab.inventory), "--ports", "22", "--no-store")
    plain = minilab.rmmkit(*args)
    verbose = minilab.rmmkit(*args, "-v")
    assert "Notes" not in plain.stdout and "rdns: NXDOMAIN" not in plain.stdout
    header = verbose.stdout.splitlines()[0]
    assert header.split()[-1] == "Notes"
    assert "rdns: NXDOMAIN" in verbose.stdout
    assert f"note: reverse dns via {RESOLVER}" in plain.stderr
