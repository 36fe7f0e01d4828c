"""The shared agent actions on Windows hosts through the real runner, store and inventory."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest

from rmmkit.lab import Lab
from rmmkit.loader import load_inventory
from rmmkit.models import Playbook, Targets, Task
from rmmkit.plugins import load_plugins
from rmmkit.results import Status, TaskResult
from rmmkit.runplan import RunOptions
from rmmkit.runsetup import run_playbook
from rmmkit.session import Session
from rmmkit.store import open_store

pytestmark = pytest.mark.lab


def run(
    lab: Lab, inventory: Path, action: str, hosts: list[str], store: Any, args: dict[str, Any]
) -> dict[str, TaskResult]:
    plugins = load_plugins()
    session = Session.create(
        inventory=load_inventory(inventory, plugins), plugins=plugins, project_dir=inventory.parent
    )
    session.store = store
    playbook = Playbook(
        path="<test>",
        name="test",
        targets=Targets(hosts=tuple(hosts)),
        tasks=(Task(name=action, action=action, args=args),),
    )
    try:
        with lab.scanner():
            result = run_playbook(
                session, playbook, RunOptions(timeout=120, connect_timeout=10), stdout=io.StringIO()
            )
    finally:
        session.store = None
        session.close()
    return {name: hr.results[0] for name, hr in result.hosts.items()}


def test_agent_status_and_deploy_over_smb(winlab: Lab, inventory: Path, tmp_path: Path) -> None:
    store = open_store(f"sqlite:///{tmp_path / 'rmmkit.db'}", project_dir=tmp_path)
    try:
        status = run(
            winlab,
            inventory,
            "agent_status",
            ["win-srv01", "win-noadmin"],
            store,
            {"agent": "rmmagent"},
        )
        (
            winlab.dir
            / "hosts"
            / "win-peer"
            / "C"
            / "Program Files"
            / "RMMKit Agent"
            / "installed.txt"
        ).unlink(missing_ok=True)
        deploy = run(winlab, inventory, "deploy_agent", ["win-peer"], store, {"agent": "peeragent"})
        events = store.deployment_events(host="win-peer")
    finally:
        store.close()
    got = {h: r.data["agent_status"]["rmmagent"]["status"] for h, r in status.items()}
    assert got == {"win-srv01": "installed", "win-noadmin": "not_installed"}
    assert status["win-srv01"].data["agent_status"]["rmmagent"]["version"] == "3.2.0"
    peer = deploy["win-peer"]
    assert peer.status == Status.CHANGED, (peer.msg, peer.causes)
    # auto: WMI (TCP 135) is closed on the peer, so the service method was chosen and recorded
    finished = [e for e in events if e["result"] == "installed"]
    assert len(finished) == 1 and finished[0]["method"] == "service"


def test_preflight_and_facts_actions(winlab: Lab, inventory: Path, tmp_path: Path) -> None:
    store = open_store(f"sqlite:///{tmp_path / 'rmmkit.db'}", project_dir=tmp_path)
    try:
        pre = run(winlab, inventory, "windows_preflight", ["win-srv01", "win-noadmin"], store, {})
        facts = run(winlab, inventory, "windows_facts", ["win-srv01"], store, {})
        stored = store.facts(kind="windows", host="win-srv01")
    finally:
        store.close()
    assert pre["win-srv01"].status == Status.OK
    assert pre["win-srv01"].data["windows_preflight"]["verdict"] == "partly_ready"
    noadmin = pre["win-noadmin"]
    assert noadmin.status == Status.FAILED and "host_config" in noadmin.msg
    assert "File and Printer sharing is disabled." in noadmin.causes
    assert facts["win-srv01"].status == Status.OK
    assert (
        stored
        and stored[0]["data"]["os"]["caption"] == winlab.host("win-srv01").options["product_name"]
    )
