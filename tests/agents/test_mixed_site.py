"""One playbook over a mixed site: ``discover`` → ``agent_status`` → ``deploy_agent``.

The seed's scanning tool scans once, then deploys to every Windows, Mac and
Linux machine over its own protocol and lists SNMP devices for monitoring
only.  Here the run goes from the lab's scanner namespace (no default route)
to real peers: OpenSSH (Linux), Samba (Windows), snmpsim recordings (UPS,
switch, printer, firewall, a Windows SNMP agent), a ping-only kernel, a
filtered host and a dead address.  tcpdump in the scanner namespace records
every connection attempt; after the scan, no packet may reach a network
device or a host without a route, and TCP 22 only the Linux hosts.
"""

from __future__ import annotations

import json
import re
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from rmmkit.lab.lab import Lab
from rmmkit.store import open_store
from rmmkit.windows.deploy import run_once_name
from rmmkit.windows.rrp import RUN_ONCE

from .conftest import CURRENT, SCANNER, SITE, Project

pytestmark = pytest.mark.lab

NETWORK_DEVICES = {"ups-apc": "ups", "sw-cisco": "switch", "printer": "printer"}
NETWORK_DEVICES["fw-fortinet"] = "firewall"
NO_ROUTE = ("srv-w2003", "filtered")  # alive, but the scan saw no SSH and no SMB
LINUX, WINDOWS = ("lnx-noagent", "lnx-current"), ("win-srv01", "win-ws02")
PACKET = re.compile(r"^(\d+\.\d+) .*?IP (\d+\.\d+\.\d+\.\d+)\.\d+ > (\d+\.\d+\.\d+\.\d+)\.(\d+):")


def _capture(lab: Lab, pcap: Path) -> subprocess.Popen[str]:
    """tcpdump in the scanner namespace: every IPv4 packet the scanner sends (not ARP)."""
    tcpdump = ["tcpdump", "-i", "any", "-n", "-Z", "root", "--immediate-mode", "-w", str(pcap)]
    dump = subprocess.Popen(
        ["ip", "netns", "exec", lab.scanner_ns, *tcpdump, f"ip and src host {SCANNER}"],
        stderr=subprocess.PIPE,
        text=True,
    )
    assert dump.stderr is not None
    lines = [dump.stderr.readline()]  # "data link type …" (with -i any), then "listening on …"
    while lines[-1] and "listening" not in lines[-1] and len(lines) < 5:
        lines.append(dump.stderr.readline())
    if "listening" not in lines[-1]:
        dump.kill()  # by the PID we started
        dump.wait(timeout=10)
        raise AssertionError(f"tcpdump did not start: {lines}")
    return dump


def _packets(pcap: Path) -> list[tuple[float, str, int]]:
    """(time, destination, destination port) of every TCP/UDP packet in the capture."""
    text = subprocess.run(
        ["tcpdump", "-r", str(pcap), "-n", "-tt"], capture_output=True, text=True, check=True
    ).stdout
    found = (PACKET.match(line) for line in text.splitlines())
    return [(float(m[1]), m[3], int(m[4])) for m in found if m]


@pytest.fixture(scope="module")
def run(project: Project) -> Iterator[dict[str, Any]]:
    """Run the playbook once under tcpdump; the run's JSON, the packets and the store."""
    lab = project.lab
    pcap = project.dir / "run.pcap"
    dump = _capture(lab, pcap)
    try:
        time.sleep(0.2)
        argv = [sys.executable, "-m", "rmmkit.cli.main", "run", str(project.playbook)]
        argv += ["-i", str(project.inventory), "--db", project.db, "-y", "-o", "json"]
        proc = lab.exec(["env", "RMMKIT_NO_PLUGIN_COMMANDS=1", *argv], timeout=300)
        time.sleep(0.3)  # the last packets reach the capture
    finally:
        dump.send_signal(signal.SIGINT)  # tcpdump flushes and closes the file on SIGINT
        dump.wait(timeout=10)
    assert proc.returncode == 0, (proc.returncode, proc.stderr[-2000:], proc.stdout[-2000:])
    out = json.loads(proc.stdout)
    store = open_store(project.db)
    try:
        rows = store.latest_hosts(SITE)
        events = store.deployment_events()
    finally:
        store.close()
    address_of = {(r["hostname"] or r["ip"]): r["ip"] for r in rows}
    by_address = {
        address_of[name]: host["results"] for name, host in out["hosts"].items() if name != SITE
    }
    yield {
        "scan": out["hosts"][SITE]["results"][0],
        "results": by_address,
        "packets": _packets(pcap),
        "events": events,
    }


def _of(lab: Lab, name: str, run: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The agent task results of lab host ``name``, by task."""
    return {r["task"]: r for r in run["results"][lab.host(name).address]}


def test_linux_hosts_get_the_agent_over_ssh(project: Project, run: dict[str, Any]) -> None:
    lab = project.lab
    noagent, current = _of(lab, "lnx-noagent", run), _of(lab, "lnx-current", run)
    assert noagent["status"]["data"]["agent_status"]["rmmagent"]["status"] == "not_installed"
    assert noagent["deploy"]["status"] == "changed", noagent["deploy"]
    assert noagent["deploy"]["data"]["agents"]["rmmagent"]["after"]["version"] == CURRENT
    assert current["status"]["data"]["agent_status"]["rmmagent"]["version"] == CURRENT
    assert current["deploy"]["status"] == "ok"
    for result in (*noagent.values(), *current.values()):
        assert result["data"]["route"]["transport"] == "ssh"
        assert result["data"]["route"]["reason"].startswith("the scan saw SSH banner 'SSH-2.0-")
    on_host = lab.exec("/opt/rmmagent/bin/rmmagent --version", host="lnx-noagent", check=True)
    assert on_host.stdout.strip() == f"rmmagent {CURRENT}"  # checked on the host itself
    (event,) = [e for e in run["events"] if e["ip"] == lab.host("lnx-noagent").address]
    assert (event["method"], event["result"]) == ("ssh", "installed")


def test_windows_hosts_get_the_agent_over_smb(project: Project, run: dict[str, Any]) -> None:
    lab = project.lab
    srv, ws = _of(lab, "win-srv01", run), _of(lab, "win-ws02", run)
    assert srv["status"]["data"]["agent_status"]["rmmagent"]["version"] == "3.2.0"
    assert srv["deploy"]["status"] == "ok"  # the registry says it is current: nothing to do
    assert ws["status"]["data"]["agent_status"]["rmmagent"]["status"] == "not_installed"
    assert ws["deploy"]["status"] == "changed", ws["deploy"]
    assert ws["deploy"]["data"]["agents"]["rmmagent"]["scheduled"] is True
    for result in (*srv.values(), *ws.values()):
        assert result["data"]["route"]["transport"] == "smb"
        assert result["data"]["route"]["reason"].startswith("the scan saw an SMB answer (Samba")
    (event,) = [e for e in run["events"] if e["ip"] == lab.host("win-ws02").address]
    assert (event["method"], event["result"]) == ("remote_registry", "scheduled")
    conf = lab.dir / "hosts" / "win-ws02" / "smb.conf"
    value = lab.exec(
        ["net", "-s", str(conf), "registry", "getvalue", RUN_ONCE, run_once_name("rmmagent")],
        host="win-ws02",
        check=True,
    ).stdout
    staged = re.search(r"C:\\Windows\\(Temp\\rmmkit-\w+\\rmmagent-[\d.]+\.cmd)", value)
    assert staged, value  # the command Windows runs at the next logon, in the real registry
    on_disk = lab.dir / "hosts" / "win-ws02" / "C" / "Windows" / staged[1].replace("\\", "/")
    assert on_disk.read_text() == (project.dir / f"rmmagent-{CURRENT}.cmd").read_text()


def test_network_devices_and_hosts_without_a_way_in_are_skipped(
    project: Project, run: dict[str, Any]
) -> None:
    lab = project.lab
    for name, kind in NETWORK_DEVICES.items():
        for result in _of(lab, name, run).values():
            assert result["status"] == "skipped", (name, result)
            assert (
                result["msg"]
                == f"network device ({kind}): agents are not installed on network devices"
            )
    for result in _of(lab, "ping-a", run).values():
        assert result["status"] == "skipped"
        assert result["msg"].startswith("network device (icmp: answers ICMP only)")
    for name in NO_ROUTE:
        for result in _of(lab, name, run).values():
            assert result["status"] == "skipped", (name, result)
            assert result["msg"].startswith("nothing to reach it over: the scan saw no SSH banner")
    assert "the scan saw Windows (os 'Hardware: x86" in _of(lab, "srv-w2003", run)["deploy"]["msg"]
    assert lab.host("dead-a").address not in run["results"]  # offline: not a target at all
    every = [r for results in run["results"].values() for r in results]
    assert not [r for r in every if r["status"] in ("unreachable", "failed")]
    skipped = {a for a, results in run["results"].items() if results[0]["status"] == "skipped"}
    assert {e["ip"] for e in run["events"]}.isdisjoint(skipped)  # no attempt, no event


def test_after_the_scan_tcp_22_reaches_only_the_linux_hosts(
    project: Project, run: dict[str, Any]
) -> None:
    lab = project.lab
    address = {name: lab.host(name).address for name in (*LINUX, *WINDOWS)}
    linux = {address[n] for n in LINUX}
    windows = {address[n] for n in WINDOWS}
    scan_ended = run["scan"]["ended"]
    before = [p for p in run["packets"] if p[0] <= scan_ended]
    after = [p for p in run["packets"] if p[0] > scan_ended]
    # the capture does see TCP 22 probes: the scan's own, to the Linux hosts and to others
    probed = {d for _, d, port in before if port == 22}
    assert probed >= linux and probed - linux, probed
    ssh_after = Counter(d for _, d, port in after if port == 22)
    smb_after = Counter(d for _, d, port in after if port == 445)
    assert set(ssh_after) == linux, ssh_after  # no packet to TCP 22 of any other host
    assert set(smb_after) == windows, smb_after
    assert {d for _, d, _ in after} <= linux | windows  # network devices: no packet at all


def test_rmmkit_transport_still_wins_and_the_capture_would_see_it(
    project: Project, run: dict[str, Any]
) -> None:
    """The negative control: forced to ssh, the UPS gets TCP 22 packets and ends unreachable."""
    lab = project.lab
    forced = project.dir / "forced"
    forced.mkdir()
    text = project.inventory.read_text().replace(
        "vars: {windows_deploy_method: remote_registry}",
        "vars: {windows_deploy_method: remote_registry, rmmkit_transport: {agent_status: ssh}}",
    )
    assert "rmmkit_transport" in text
    (forced / "inventory.yml").write_text(text)
    (forced / "status.yml").write_text(
        f"name: status\ntargets: {{sites: [{SITE}]}}\n"
        "tasks:\n  - {name: status, action: agent_status}\n"
    )
    ups = lab.host("ups-apc").address
    pcap = forced / "forced.pcap"
    dump = _capture(lab, pcap)
    try:
        time.sleep(0.2)
        argv = [sys.executable, "-m", "rmmkit.cli.main", "run", str(forced / "status.yml")]
        argv += ["-i", str(forced / "inventory.yml"), "--db", project.db, "-o", "json"]
        argv += ["--limit", ups]  # the latest scan's rows, from the first run's store
        proc = lab.exec(["env", "RMMKIT_NO_PLUGIN_COMMANDS=1", *argv], timeout=120)
        time.sleep(0.3)
    finally:
        dump.send_signal(signal.SIGINT)
        dump.wait(timeout=10)
    (host,) = json.loads(proc.stdout)["hosts"].values()
    (result,) = host["results"]
    assert result["status"] == "unreachable", result
    assert result["msg"] and "connection refused" in result["msg"].lower(), result["msg"]
    assert {d for _, d, port in _packets(pcap) if port == 22} == {ups}
