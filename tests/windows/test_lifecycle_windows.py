"""The shared agent lifecycle on Samba hosts: RunOnce deployments stay pending, failures explain.

Why a simulated logon: Samba keeps the RunOnce value but nothing runs it.
:func:`logon` does what Windows does at the next logon — read our RunOnce
value, delete it, run the command — with the staged file executed inside
the host's namespace, so the pending → installed path is seen end to end
through the real registry (checked with ``net registry`` on the host).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from rmmkit.lab import Lab
from rmmkit.results import Status, TaskResult
from rmmkit.store import open_store
from rmmkit.windows.deploy import run_once_name
from rmmkit.windows.errors import builtin_table
from rmmkit.windows.rrp import RUN_ONCE

from .helpers import run_action

pytestmark = pytest.mark.lab
AGENT = "schedagent"
AGENT_KEY = r"HKLM\SOFTWARE\RMMKit\SchedAgent"
INSTALLER = """#!/bin/sh
# lab installer run by the simulated logon: records the agent's version in the host's registry
net -s "$RMKA_SMB_CONF" registry createkey 'HKLM\\SOFTWARE\\RMMKit\\SchedAgent' >/dev/null
net -s "$RMKA_SMB_CONF" registry setvalue 'HKLM\\SOFTWARE\\RMMKit\\SchedAgent' Version sz 1.0.0
"""
HOSTS = ("win-srv01", "win-noadmin", "win-fw")


@pytest.fixture(scope="module")
def estate(winlab: Lab, tmp_path_factory: pytest.TempPathFactory) -> Path:
    d = tmp_path_factory.mktemp("schedinv")
    (d / "lab.pw").write_text(winlab.host("win-srv01").users[0].password)
    (d / "lab.pw").chmod(0o600)
    (d / "sched.cmd").write_text(INSTALLER)
    sha = hashlib.sha256(INSTALLER.encode()).hexdigest()
    hosts = "\n".join(
        f"  - {{name: {h}, address: {winlab.host(h).address}, "
        "vars: {os: windows, windows_deploy_method: remote_registry}}"
        for h in HOSTS
    )
    (d / "inventory.yml").write_text(f"""\
credentials:
  - {{name: lab-admin, kind: password, user: WORKGROUP/administrator,
     secret: {{source: file, key: {d}/lab.pw}}}}
agents:
  - name: {AGENT}
    version: "1.0.0"
    installers: [{{os: windows, arch: any, path: sched.cmd, sha256: "{sha}"}}]
    commands: {{install: '"{{{{ installer }}}}"'}}
    detect: {{registry: '{AGENT_KEY}\\Version'}}
sites:
  - name: winlab
    ranges: [10.79.7.0/24]
    credentials: [lab-admin]
hosts:
{hosts}
""")
    return d / "inventory.yml"


@pytest.fixture(scope="module")
def store(winlab: Lab, estate: Path) -> Iterator[Any]:
    s = open_store(f"sqlite:///{estate.parent / 'rmmkit.db'}", project_dir=estate.parent)
    scan = s.begin_scan("winlab", ["10.79.7.0/24"], [])
    s.add_scan_rows(scan, [{"ip": winlab.host(h).address, "hostname": h} for h in HOSTS])
    s.finish_scan(scan)
    yield s
    s.close()


def run(
    lab: Lab, inventory: Path, action: str, hosts: list[str], store: Any
) -> dict[str, TaskResult]:
    """``action`` for the lab agent; a short connect timeout because win-fw is filtered."""
    return run_action(
        lab, inventory, action, hosts, store, {"agent": AGENT}, timeout=60, connect_timeout=2
    )


def net_registry(lab: Lab, host: str, *args: str) -> str:
    conf = lab.dir / "hosts" / host / "smb.conf"
    return lab.exec(["net", "-s", str(conf), "registry", *args], host=host).stdout


def logon(lab: Lab, host: str) -> None:
    """Windows at the next logon: take our RunOnce value, delete it, run its command."""
    value = net_registry(lab, host, "getvalue", RUN_ONCE, run_once_name(AGENT))
    match = re.search(r"C:\\([^\"]+)", value)
    assert match, f"no RunOnce command on {host}: {value!r}"
    net_registry(lab, host, "deletevalue", RUN_ONCE, run_once_name(AGENT))
    staged = lab.dir / "hosts" / host / "C" / match.group(1).replace("\\", "/")
    conf = lab.dir / "hosts" / host / "smb.conf"
    lab.exec(f"RMKA_SMB_CONF={conf} sh '{staged}'", host=host, check=True)


def status_rows(store: Any) -> dict[str, str | None]:
    return {r["hostname"]: r["agent_status"] for r in store.scan_rows(site="winlab")}


def test_run_once_deployment_is_scheduled_then_resolved(
    winlab: Lab, estate: Path, store: Any
) -> None:
    before = run(winlab, estate, "agent_status", ["win-srv01"], store)["win-srv01"]
    deploy = run(winlab, estate, "deploy_agent", ["win-srv01"], store)["win-srv01"]
    events = [e for e in store.deployment_events(host="win-srv01") if e["agent"] == AGENT]
    pending_row = status_rows(store)["win-srv01"]
    pending = run(winlab, estate, "agent_status", ["win-srv01"], store)["win-srv01"]
    on_host = net_registry(winlab, "win-srv01", "getvalue", RUN_ONCE, run_once_name(AGENT))

    logon(winlab, "win-srv01")
    after = run(winlab, estate, "agent_status", ["win-srv01"], store)["win-srv01"]
    resolved = [e for e in store.deployment_events(host="win-srv01") if e["agent"] == AGENT]

    assert before.data["agent_status"][AGENT]["status"] == "not_installed"
    assert deploy.status == Status.CHANGED, (deploy.msg, deploy.causes)
    assert "scheduled" in deploy.msg and deploy.data["agents"][AGENT]["scheduled"] is True
    assert [e["result"] for e in events] == ["scheduled"] and events[0]["ended"] is None
    assert events[0]["method"] == "remote_registry" and events[0]["error"] is None
    assert pending_row == "in_progress"
    assert pending.data["agent_status"][AGENT]["status"] == "in_progress"
    assert "rmmkit-" in on_host  # the staged installer's path, run at the next logon
    assert after.data["agent_status"][AGENT] == {
        "status": "installed",
        "version": "1.0.0",
        "expected": "1.0.0",
        "detail": "version 1.0.0",
    }
    assert after.data["resolved_deployments"] == {AGENT: "installed"}
    assert len(resolved) == 1 and resolved[0]["result"] == "installed"
    assert resolved[0]["ended"] is not None and resolved[0]["started"] == events[0]["started"]
    assert status_rows(store)["win-srv01"] == "installed"


def test_failed_windows_hosts_show_the_error_tables_description(
    winlab: Lab, estate: Path, store: Any
) -> None:
    results = run(winlab, estate, "deploy_agent", ["win-noadmin", "win-fw"], store)
    events = {h: store.deployment_events(host=h) for h in ("win-noadmin", "win-fw")}
    assert results["win-noadmin"].status == Status.FAILED
    assert results["win-fw"].status in (Status.FAILED, Status.UNREACHABLE)
    table = builtin_table().entries
    # win-noadmin has no ADMIN$; on win-fw nothing listens on 445, so the kernel refuses
    for host, failure in (
        ("win-noadmin", "bad_network_name"),
        ("win-fw", "network_path_not_found"),
    ):
        (event,) = events[host]
        entry = table[failure]
        assert event["result"] == "failed"
        assert event["error"].startswith(entry["message"] + ": "), event["error"]
        assert set(entry["causes"]) <= set(event["causes"]), event["causes"]
