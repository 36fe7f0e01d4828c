"""The command line and the action: errors, --list, store, diff, report, the discover action."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys

import pytest

from rmmkit.errors import EXIT_INVALID_INPUT

from .conftest import SUBNET


def _rmmkit(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "rmmkit.cli.main", *args],
        capture_output=True,
        text=True,
        timeout=60,
        env={"RMMKIT_NO_PLUGIN_COMMANDS": "1", "PATH": "/usr/bin:/bin", "HOME": "/tmp"},
    )


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["scan", "10.0.0.300", "--list"], "'10.0.0.300' is not a valid IP address"),
        (["scan", "10.0.0.9-10.0.0.1", "--list"], "starts after it ends"),
        (["scan", "--list"], "nothing to scan"),
        (
            ["scan", "10.0.0.0/24", "--ports", "22,ssh", "--list"],
            "--ports: 'ssh' is not a TCP port",
        ),
        (["scan", "10.0.0.0/8", "--list"], "more than the cap"),
        (["report", "scan-details", "--since", "yesterday-ish"], "is not a date"),
        (["scan", "10.0.0.0/24", "--dns", "dc01", "--list"], "--dns: 'dc01' is not an IP address"),
    ],
)
def test_bad_input_is_one_line_with_exit_code_3(args, needle):
    proc = _rmmkit(*args)
    assert proc.returncode == EXIT_INVALID_INPUT, proc.stderr
    assert needle in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1
    assert "Traceback" not in proc.stderr


def test_list_prints_exact_targets_in_order():
    proc = _rmmkit("scan", "10.9.0.0/30", "10.9.0.8", "--exclude", "10.9.0.2", "--list")
    assert proc.returncode == 0
    assert proc.stdout.split() == ["10.9.0.0", "10.9.0.1", "10.9.0.3", "10.9.0.8"]


def test_list_names_the_resolver_it_would_ask_and_never_lists_it():
    proc = _rmmkit("scan", "10.9.0.0/30", "--dns", "10.9.9.53", "--list")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split() == ["10.9.0.0", "10.9.0.1", "10.9.0.2", "10.9.0.3"]
    assert "note: reverse dns via 10.9.9.53 (--dns), port 53 only" in proc.stderr
    quiet = _rmmkit("scan", "10.9.0.0/30", "--dns", "10.9.9.53", "--no-dns", "--list")
    assert quiet.stderr == ""


def test_list_sends_nothing(minilab):
    from .test_discovery_mini import _capture

    packets = _capture(minilab, ["scan", f"{SUBNET}.0/24", "--list"])
    assert packets == []


def test_store_diff_and_report(minilab, tmp_path):
    db = f"sqlite:///{tmp_path}/diff.db"
    ping_ns = minilab.net.namespaces[6]  # owns .14/.17/.18
    site = ["--site", "lab", "-i", str(minilab.inventory), "--no-dns", "--ports", "80", "--db", db]
    minilab.net.exec(ping_ns, "ip", "addr", "add", f"{SUBNET}.16/24", "dev", "rk6y")
    try:
        minilab.rmmkit("scan", *site, "--format", "json")
    finally:
        minilab.net.exec(ping_ns, "ip", "addr", "del", f"{SUBNET}.16/24", "dev", "rk6y")
    minilab.rmmkit("scan", *site, "--format", "json")
    diff = json.loads(
        minilab.rmmkit("scan", "diff", "--site", "lab", "--format", "json", "--db", db).stdout
    )
    assert [r["ip"] for r in diff["gone"]] == [f"{SUBNET}.16"]
    assert diff["new"] == []
    report = minilab.rmmkit(
        "report",
        "scan-details",
        "--site",
        "lab",
        "--resource",
        "ups",
        "--format",
        "csv",
        "--db",
        db,
    ).stdout
    rows = list(csv.DictReader(io.StringIO(report)))
    assert [r["IP address"] for r in rows] == [f"{SUBNET}.12"] * 2
    ranged = json.loads(
        minilab.rmmkit(
            "report",
            "scan-details",
            "--ip-range",
            f"{SUBNET}.14-{SUBNET}.15",
            "--format",
            "json",
            "--db",
            db,
        ).stdout
    )
    assert sorted({r["ip"] for r in ranged}) == [f"{SUBNET}.14", f"{SUBNET}.15"]
    future = json.loads(
        minilab.rmmkit(
            "report", "scan-details", "--since", "2999-01-01", "--format", "json", "--db", db
        ).stdout
    )
    assert future == []


def test_discover_action_writes_the_site_scan(minilab, tmp_path):
    code = f"""
import json
from rmmkit.actions.base import TaskContext
from rmmkit.declared.loader import load_inventory
from rmmkit.declared.models import ResolvedHost, Task
from rmmkit.run.session import Session
inv = load_inventory({str(minilab.inventory)!r})
session = Session.create(inventory=inv, db_url={f"sqlite:///{tmp_path}/act.db"!r})
action = session.plugins.actions.get("discover")()
host = ResolvedHost(name="lab", address="", site="lab")
ctx = TaskContext(host=host, task=Task("scan", "discover"), session=session, connections=None)
out = action.run(ctx, {{"rdns": False, "ports": [80]}})
check = action.run(TaskContext(host=host, task=Task("scan", "discover"), session=session,
                               connections=None, check=True), {{}})
live = [r["ip"] for r in session.store.latest_hosts("lab")]
print(json.dumps({{"data": out.data, "live": live, "check": check.msg}}))
"""
    out = minilab.net.exec(minilab.scanner, sys.executable, "-c", code)
    got = json.loads(out.strip().splitlines()[-1])
    assert got["data"]["targets"] == 7 and got["data"]["online"] == 6
    assert got["live"] == [f"{SUBNET}.{n}" for n in (10, 11, 12, 13, 14, 15)]
    assert got["check"] == "would scan 7 addresses of site lab"


def test_jsonl_events_for_runners():
    """Loopback only: the event stream a runner reads, in order, one host event per address."""
    proc = _rmmkit(
        "scan",
        "127.0.0.1-127.0.0.2",
        "--no-dns",
        "--no-store",
        "--ports",
        "none",
        "--format",
        "jsonl",
    )
    assert proc.returncode == 0, proc.stderr
    events = [json.loads(line) for line in proc.stdout.splitlines()]
    kinds = [e["event"] for e in events]
    assert kinds[0] == "scan_start" and kinds[-1] == "scan_finish"
    assert kinds.index("sweep_done") < kinds.index("identity_done") < kinds.index("host")
    hosts = [e for e in events if e["event"] == "host"]
    assert [h["ip"] for h in hosts] == ["127.0.0.1", "127.0.0.2"]
    assert all(h["machine_status"] == "online" and h["found_by"] == "icmp" for h in hosts)
    assert events[-1]["online"] == 2 and events[-1]["targets"] == 2
