"""Up and down of small labs: down leaves nothing behind, failures clean up, CLI works."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from rmmkit.errors import LabError
from rmmkit.lab import Lab
from rmmkit.lab import netns as lab_netns
from rmmkit.lab.fixtures import lab_unavailable_reason
from rmmkit.lab.state import LAB_ROOT

pytestmark = [
    pytest.mark.lab,
    pytest.mark.skipif(lab_unavailable_reason() is not None, reason=str(lab_unavailable_reason())),
]

SMALL = {
    "segments": [{"name": "lan", "subnet": "10.77.9.0/24", "scanner": "10.77.9.1"}],
    "hosts": [
        {"name": "dns", "kind": "dns", "address": "10.77.9.53", "ptr": "dns"},
        {
            "name": "web",
            "kind": "linux-ssh",
            "address": "10.77.9.10",
            "users": [{"name": "admin", "password": "Small-Lab-1", "sudo": "password"}],
        },
        {
            "name": "win",
            "kind": "windows-smb",
            "address": "10.77.9.20",
            "users": [{"name": "administrator", "password": "Small-Lab-2"}],
        },
        {"name": "ping", "kind": "ping-only", "address": "10.77.9.30"},
        {"name": "gone", "kind": "dead", "address": "10.77.9.40"},
    ],
}


def _lab_traces(name: str) -> dict[str, object]:
    """Everything a lab could leave behind, read from the kernel and the file system."""
    prefix = f"rmk-{name}-"
    mounts = Path("/proc/self/mountinfo").read_text()
    pids = [p for p in os.listdir("/proc") if p.isdigit()]
    ours = []
    for pid in pids:
        try:
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace")
        except OSError:
            continue
        if f"/rmmkit-lab/{name}/" in cmdline:
            ours.append(pid)
    return {
        "netns": lab_netns.list_netns(prefix),
        "mounts": [line for line in mounts.splitlines() if f"/rmmkit-lab/{name}" in line],
        "processes": ours,
        "resolv": Path(f"/etc/netns/{prefix}scanner").exists(),
        "dir": (LAB_ROOT / name).exists(),
    }


NOTHING = {"netns": [], "mounts": [], "processes": [], "resolv": False, "dir": False}


def test_down_leaves_nothing_behind() -> None:
    name = f"c{os.getpid() % 10000}"
    lab = Lab.up(SMALL, name=name)
    traces = _lab_traces(name)
    assert len(traces["netns"]) == 6  # scanner, bridge, 4 hosts (the dead one has none)
    assert traces["processes"] and traces["mounts"] and traces["resolv"]
    daemon_pids = [d["pid"] for h in lab.hosts for d in h.daemons]
    assert lab.exec(["ping", "-c1", "-W1", "10.77.9.30"]).returncode == 0
    lab.down()
    assert _lab_traces(name) == NOTHING
    assert not any(Path(f"/proc/{pid}").exists() for pid in daemon_pids)
    with pytest.raises(LabError, match="not up"):
        Lab.attach(name)


def test_failed_up_cleans_up_and_says_why() -> None:
    name = f"f{os.getpid() % 10000}"
    broken = {
        **SMALL,
        "hosts": [
            *SMALL["hosts"][:2],
            {
                "name": "ups",
                "kind": "snmp",
                "address": "10.77.9.60",
                "recording": "UPS/no-such-device",
            },
        ],
    }
    with pytest.raises(LabError, match="unknown SNMP recording 'UPS/no-such-device'"):
        Lab.up(broken, name=name)
    assert _lab_traces(name) == NOTHING


def test_second_up_with_the_same_name_is_refused() -> None:
    name = f"d{os.getpid() % 10000}"
    tiny = {"segments": SMALL["segments"], "hosts": [SMALL["hosts"][3]]}
    lab = Lab.up(tiny, name=name)
    try:
        with pytest.raises(LabError, match="already up"):
            Lab.up(tiny, name=name)
        assert len(_lab_traces(name)["netns"]) == 3
    finally:
        lab.down()
    assert _lab_traces(name) == NOTHING


def test_cli_up_status_exec_down(tmp_path: Path) -> None:
    name = f"k{os.getpid() % 10000}"
    topology = tmp_path / "tiny.yml"
    topology.write_text(
        "segments:\n  - {name: lan, subnet: 10.77.9.0/24, scanner: 10.77.9.1}\n"
        "hosts:\n  - {name: p1, kind: ping-only, address: 10.77.9.30,"
        " mac: '00:15:5d:00:00:30', ttl: 128}\n"
    )

    def rmmkit(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(["rmmkit", "lab", *args], capture_output=True, text=True, timeout=120)

    up = rmmkit("up", str(topology), "--name", name)
    try:
        assert up.returncode == 0, up.stderr
        assert "ping-only" in up.stdout
        status = rmmkit("status", "--name", name)
        assert status.returncode == 0 and "00:15:5d:00:00:30" in status.stdout
        ping = rmmkit("exec", "--name", name, "--", "ping", "-c1", "-W1", "10.77.9.30")
        assert ping.returncode == 0 and "ttl=128" in ping.stdout
        inside = rmmkit("exec", "--name", name, "--host", "p1", "--", "hostname")
        assert inside.stdout.strip() == "p1"
        failing = rmmkit("exec", "--name", name, "--", "false")
        assert failing.returncode == 1
    finally:
        down = rmmkit("down", "--name", name)
    assert down.returncode == 0, down.stderr
    assert _lab_traces(name) == NOTHING
    again = rmmkit("down", "--name", name)
    assert again.returncode == 8 and "not up" in again.stderr and "Traceback" not in again.stderr
