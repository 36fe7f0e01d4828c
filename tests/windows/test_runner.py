"""The shared agent actions on Windows hosts through the real runner, store and inventory."""

from __future__ import annotations

from pathlib import Path

import pytest

from rmmkit.lab import Lab
from rmmkit.results import Status
from rmmkit.store import open_store

from .helpers import run_action

pytestmark = pytest.mark.lab


def test_agent_status_and_deploy_over_smb(winlab: Lab, inventory: Path, tmp_path: Path) -> None:
    store = open_store(f"sqlite:///{tmp_path / 'rmmkit.db'}", project_dir=tmp_path)
    try:
        status = run_action(
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
        deploy = run_action(
            winlab, inventory, "deploy_agent", ["win-peer"], store, {"agent": "peeragent"}
        )
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
        pre = run_action(
            winlab, inventory, "windows_preflight", ["win-srv01", "win-noadmin"], store, {}
        )
        facts = run_action(winlab, inventory, "windows_facts", ["win-srv01"], store, {})
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
