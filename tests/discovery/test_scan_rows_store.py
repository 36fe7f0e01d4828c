"""Scan rows in a real SQLite store: each site's latest scan, and the Description column
written back by agent deployments (failure text in, cleared by a later success).

Store logic only (no network): the deployment errors are the lifecycle's own
``AgentError`` codes; the real-peer proof is tests/discovery/test_resolver_lab.py.
"""

from __future__ import annotations

import json
import subprocess
import sys
from types import SimpleNamespace

import pytest

from rmmkit.agents.causes import CAUSES
from rmmkit.agents.errors import AgentError
from rmmkit.agents.events import DeploymentRecorder, resolve_scheduled
from rmmkit.declared.models import ResolvedHost
from rmmkit.errors import EXIT_INVALID_INPUT
from rmmkit.store import open_store


def _scan(store, site: str, rows: list[dict], *, finish: bool = True) -> str:
    scan_id = store.begin_scan(site, ["10.0.0.0/24"], [])
    store.add_scan_rows(scan_id, rows)
    if finish:
        store.finish_scan(scan_id)
    return scan_id


def _row(ip: str, status: str = "online", **extra) -> dict:
    return {"ip": ip, "machine_status": status, "resource_type": "server", **extra}


@pytest.fixture
def db(tmp_path):
    url = f"sqlite:///{tmp_path}/rows.db"
    store = open_store(url)
    old = _scan(store, "hq", [_row("10.0.0.1"), _row("10.0.0.2"), _row("10.0.0.3")])
    new = _scan(store, "hq", [_row("10.0.0.1"), _row("10.0.0.2", "offline")])
    _scan(store, "hq", [_row("10.0.0.9")], finish=False)  # still running: not "latest"
    branch = _scan(store, "branch", [_row("10.0.0.1", resource_type="printer")])
    yield SimpleNamespace(url=url, store=store, old=old, new=new, branch=branch)
    store.close()


def test_latest_rows_are_each_sites_newest_finished_scan(db):
    rows = db.store.latest_scan_rows()
    got = [(r["site"], r["ip"], r["scan_id"], r["machine_status"]) for r in rows]
    assert got == [
        ("branch", "10.0.0.1", db.branch, "online"),
        ("hq", "10.0.0.1", db.new, "online"),
        ("hq", "10.0.0.2", db.new, "offline"),
    ]
    assert [r["ip"] for r in db.store.latest_scan_rows(site="hq", ip_range="10.0.0.2")] == [
        "10.0.0.2"
    ]
    assert [r["site"] for r in db.store.latest_scan_rows(resource_type="printer")] == ["branch"]
    assert db.store.latest_scan_rows(since=2**40) == []


def _report(url: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "rmmkit.cli.main", "report", "scan-details", *args, "--db", url],
        capture_output=True,
        text=True,
        timeout=60,
        env={"RMMKIT_NO_PLUGIN_COMMANDS": "1", "PATH": "/usr/bin:/bin", "HOME": "/tmp"},
    )


def test_report_latest_beside_the_full_history(db):
    full = json.loads(_report(db.url, "--format", "json").stdout)
    latest = json.loads(_report(db.url, "--latest", "--format", "json").stdout)
    assert len(full) == 7  # every row of every scan, the running one included
    assert [(r["site"], r["ip"]) for r in latest] == [
        ("branch", "10.0.0.1"),
        ("hq", "10.0.0.1"),
        ("hq", "10.0.0.2"),
    ]
    both = _report(db.url, "--latest", "--scan", db.new)
    assert both.returncode == EXIT_INVALID_INPUT
    assert len(both.stderr.strip().splitlines()) == 1 and "--latest" in both.stderr


def test_report_verbose_adds_the_notes_column(db):
    db.store.add_scan_rows(db.new, [{"ip": "10.0.0.1", "extra": {"notes": ["rdns: NXDOMAIN"]}}])
    plain = _report(db.url, "--latest", "--site", "hq").stdout
    verbose = _report(db.url, "--latest", "--site", "hq", "-v").stdout
    assert "rdns: NXDOMAIN" not in plain
    assert verbose.splitlines()[0].split()[-1] == "Notes"
    assert "rdns: NXDOMAIN" in verbose
    rows = json.loads(_report(db.url, "--latest", "--site", "hq", "--format", "json").stdout)
    assert rows[0]["extra"]["notes"] == ["rdns: NXDOMAIN"]  # JSON carries them always


def _description(store, site: str, ip: str) -> str:
    rows = [r for r in store.latest_scan_rows(site=site) if r["ip"] == ip]
    return rows[0]["description"] or ""


def test_failed_deployment_writes_description_and_success_clears_it(db):
    session = SimpleNamespace(store=db.store)
    host = ResolvedHost(name="srv1", address="10.0.0.1", site="hq")
    failing = DeploymentRecorder(session, host, "rmmagent", "ssh")
    failing.start(None, "3.2.0")
    failing.fail(AgentError("srv1: sudo: 3 incorrect password attempts", code="sudo_refused"))
    assert _description(db.store, "hq", "10.0.0.1") == CAUSES["sudo_refused"][0]
    assert _description(db.store, "branch", "10.0.0.1") == ""  # same address, other site
    DeploymentRecorder(session, host, "rmmagent", "ssh").status("not_installed")
    assert _description(db.store, "hq", "10.0.0.1") == CAUSES["sudo_refused"][0]  # observed only
    ok = DeploymentRecorder(session, host, "rmmagent", "ssh")
    ok.start(None, "3.2.0")
    ok.finish("installed", "installed", "3.2.0")
    assert _description(db.store, "hq", "10.0.0.1") == ""


def test_settled_scheduled_deployment_sets_or_clears_description(db):
    session = SimpleNamespace(store=db.store)
    host = ResolvedHost(name="ws2", address="10.0.0.2", site="hq")
    for observed, expected in (("not_installed", CAUSES["scheduled_failed"][0]), ("installed", "")):
        rec = DeploymentRecorder(session, host, "rmmagent", "remote_registry")
        rec.start(None, "3.2.0")
        rec.schedule("3.2.0")
        assert resolve_scheduled(session, host, "rmmagent", observed) in ("failed", "installed")
        assert _description(db.store, "hq", "10.0.0.2") == expected
