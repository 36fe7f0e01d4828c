"""Agent status, deploy, update, uninstall and facts against 11 real OpenSSH hosts.

Every change is verified afterwards by logging in with OpenSSH's own client
from the scanner namespace (``plain_ssh``).  The tests of this module run
in file order on one lab: status first, then check mode, then changes.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from rmmkit.agents.deploy import Lifecycle
from rmmkit.agents.errors import AgentError
from rmmkit.agents.events import DeploymentRecorder
from rmmkit.agents.posix import PosixTarget
from rmmkit.results import Status
from rmmkit.store import open_store

from .conftest import CURRENT, OPS_PASSWORD, Estate, plain_ssh, write_inventory
from .helpers import make_session, run_action

pytestmark = pytest.mark.lab
ALL = [
    "lnx-noagent",
    "lnx-outdated",
    "lnx-current",
    "lnx-wrongpw",
    "lnx-secondcred",
    "lnx-hostkey",
    "lnx-diskfull",
    "lnx-nosudo",
    "lnx-keyonly",
    "lnx-badcopy",
    "mac-design",
]


@pytest.fixture(scope="module")
def store(estate: Estate) -> Iterator[Any]:
    s = open_store(None, project_dir=estate.dir)
    scan = s.begin_scan("lab", ["10.77.1.0/24"], [])
    s.add_scan_rows(
        scan,
        [
            {"ip": h.address, "hostname": h.name, "machine_status": "online"}
            for h in estate.lab.hosts
        ],
    )
    s.finish_scan(scan)
    yield s
    s.close()


def agent_status_rows(store: Any) -> dict[str, str | None]:
    return {r["hostname"]: r["agent_status"] for r in store.scan_rows(site="lab")}


def installed_version(estate: Estate, host: str, tmp: Path, **login: Any) -> str:
    proc = plain_ssh(estate.lab, host, "/opt/rmmagent/bin/rmmagent --version", tmp=tmp, **login)
    assert proc.returncode in (0, 127), proc.stderr
    return proc.stdout.strip().removeprefix("rmmagent ") if proc.returncode == 0 else "absent"


def test_status_reports_each_state(estate: Estate, store: Any) -> None:
    results = run_action(estate.lab, estate.inventory, "agent_status", ALL, store=store)
    status = {
        h: (
            r.data.get("agent_status", {}).get("rmmagent", {}).get("status")
            if r.status is Status.OK
            else r.status.value
        )
        for h, r in results.items()
    }
    assert status == {
        "lnx-noagent": "not_installed",
        "lnx-outdated": "outdated",
        "lnx-current": "installed",
        "lnx-wrongpw": "failed",
        "lnx-secondcred": "not_installed",
        "lnx-hostkey": "failed",
        "lnx-diskfull": "not_installed",
        "lnx-nosudo": "not_installed",
        "lnx-keyonly": "failed",
        "lnx-badcopy": "not_installed",
        "mac-design": "outdated",
    }
    assert "host key changed" in results["lnx-hostkey"].msg
    assert "a man-in-the-middle is intercepting the connection" in results["lnx-hostkey"].causes
    assert "incorrect login credentials are configured" in results["lnx-wrongpw"].causes
    rows = agent_status_rows(store)
    assert rows["lnx-outdated"] == "outdated" and rows["lnx-current"] == "installed"
    assert rows["lnx-wrongpw"] == "unknown" and rows["lnx-noagent"] == "not_installed"


def test_check_mode_changes_nothing(estate: Estate, store: Any, tmp_path: Path) -> None:
    results = run_action(estate.lab, estate.inventory, "deploy_agent", ALL, check=True, store=store)
    changed = sorted(h for h, r in results.items() if r.status is Status.CHANGED)
    assert changed == [
        "lnx-badcopy",
        "lnx-diskfull",
        "lnx-noagent",
        "lnx-nosudo",
        "lnx-outdated",
        "lnx-secondcred",
        "mac-design",
    ]
    assert "would install" in results["lnx-noagent"].msg
    assert installed_version(estate, "lnx-noagent", tmp_path) == "absent"
    assert installed_version(estate, "lnx-outdated", tmp_path) == "2.9.1"
    assert store.deployment_events() == []  # check mode is not an attempt


def test_deploy_installs_updates_and_explains_failures(
    estate: Estate, store: Any, tmp_path: Path
) -> None:
    hosts = [
        "lnx-noagent",
        "lnx-outdated",
        "lnx-secondcred",
        "lnx-wrongpw",
        "lnx-hostkey",
        "lnx-diskfull",
        "lnx-nosudo",
    ]
    results = run_action(estate.lab, estate.inventory, "deploy_agent", hosts, store=store)
    got = {h: r.status for h, r in results.items()}
    assert got == {
        "lnx-noagent": Status.CHANGED,
        "lnx-outdated": Status.CHANGED,
        "lnx-secondcred": Status.CHANGED,
        "lnx-wrongpw": Status.FAILED,
        "lnx-hostkey": Status.FAILED,
        "lnx-diskfull": Status.FAILED,
        "lnx-nosudo": Status.FAILED,
    }
    # verified with OpenSSH's client, as the users who can log in
    assert installed_version(estate, "lnx-noagent", tmp_path) == CURRENT
    assert installed_version(estate, "lnx-outdated", tmp_path) == CURRENT
    assert (
        installed_version(estate, "lnx-secondcred", tmp_path, user="ops", password=OPS_PASSWORD)
        == CURRENT
    )
    assert installed_version(estate, "lnx-diskfull", tmp_path) == "absent"
    assert installed_version(estate, "lnx-nosudo", tmp_path) == "absent"
    leftovers = plain_ssh(estate.lab, "lnx-diskfull", "ls -A /tmp", tmp=tmp_path).stdout
    assert "rmmkit-" not in leftovers  # the failed copy was cleaned up
    events = {e["host"]: e for e in store.deployment_events()}
    assert set(events) == set(hosts)
    assert (
        events["lnx-outdated"]["from_version"],
        events["lnx-outdated"]["to_version"],
        events["lnx-outdated"]["result"],
    ) == ("2.9.1", CURRENT, "updated")
    assert events["lnx-noagent"]["result"] == "installed"
    assert events["lnx-noagent"]["ended"] >= events["lnx-noagent"]["started"]
    reasons = {h: events[h]["error"].split(":")[0] for h in hosts if events[h]["error"]}
    assert reasons == {
        "lnx-wrongpw": "Authentication failed",
        "lnx-hostkey": "Host key changed",
        "lnx-diskfull": "Not enough disk space on the target",
        "lnx-nosudo": "Sudo refused",
    }
    assert any("sudoers" in c for c in events["lnx-nosudo"]["causes"])
    rows = agent_status_rows(store)
    assert rows["lnx-noagent"] == rows["lnx-outdated"] == rows["lnx-secondcred"] == "installed"
    assert rows["lnx-diskfull"] == rows["lnx-nosudo"] == "not_installed"


def test_deploy_again_changes_nothing(estate: Estate, store: Any) -> None:
    before = len(store.deployment_events())
    results = run_action(estate.lab, estate.inventory, "deploy_agent", ["lnx-noagent"], store=store)
    assert results["lnx-noagent"].status is Status.OK
    assert len(store.deployment_events()) == before


def test_hosts_show_in_progress_while_deploying(estate: Estate, store: Any, tmp_path: Path) -> None:
    inventory = tmp_path / "inventory.yml"
    slow = Estate(estate.dir, estate.lab, estate.installer_sha)
    text = write_inventory(slow, host_vars={"mac-design": {"install_delay": 3}}).read_text()
    inventory.write_text(text.replace("update: sh", "update: sleep {{ install_delay }}; sh"))
    for name in ("admin.pw", "ops.pw", f"rmmagent-{CURRENT}.sh", "known_hosts"):
        (tmp_path / name).write_bytes((estate.dir / name).read_bytes())
        (tmp_path / name).chmod(0o600)
    write_inventory(estate)  # the module's inventory stays as it was
    results: dict[str, Any] = {}
    worker = threading.Thread(
        target=lambda: results.update(
            run_action(estate.lab, inventory, "deploy_agent", ["mac-design"], store=store)
        )
    )
    worker.start()
    seen_row = seen_probe = None
    deadline = time.monotonic() + 20
    while worker.is_alive() and time.monotonic() < deadline and not (seen_row and seen_probe):
        seen_row = seen_row or agent_status_rows(store)["mac-design"] == "in_progress"
        if seen_row and not seen_probe:
            probe = run_action(estate.lab, inventory, "agent_status", ["mac-design"])
            seen_probe = probe["mac-design"].data["agent_status"]["rmmagent"]["status"]
        time.sleep(0.1)
    worker.join(30)
    assert seen_row and seen_probe == "in_progress"
    assert results["mac-design"].status is Status.CHANGED
    assert agent_status_rows(store)["mac-design"] == "installed"
    assert installed_version(estate, "mac-design", tmp_path) == CURRENT


class TamperedTarget(PosixTarget):
    """Stages a copy altered on the way (one line appended), like a corrupted transfer."""

    def stage(self, local: Path, agent: Any) -> str:
        bad = local.with_name("tampered-" + local.name)
        bad.write_text(local.read_text() + "touch /opt/ran-tampered\n")
        return super().stage(bad, agent)


def test_checksum_mismatch_on_the_target_is_never_run(
    estate: Estate, store: Any, tmp_path: Path
) -> None:
    session = make_session(estate.inventory, store=store)
    host = next(h for h in _hosts(session) if h.name == "lnx-badcopy")
    agent = session.inventory.agents["rmmagent"]
    with estate.lab.scanner():
        conn = session.transport("ssh").open(host, timeout=10)
        try:
            life = Lifecycle(
                TamperedTarget(conn),
                agent,
                DeploymentRecorder(session, host, agent.name, "ssh"),
                host=host,
                base_dir=estate.dir,
                timeout=60,
            )
            with pytest.raises(AgentError) as err:
                life.deploy(check=False)
        finally:
            conn.close()
    assert err.value.code == "checksum_mismatch"
    ran = plain_ssh(estate.lab, "lnx-badcopy", "ls /opt; ls -A /tmp", tmp=tmp_path).stdout
    assert "ran-tampered" not in ran and "rmmagent" not in ran and "rmmkit-" not in ran
    event = [e for e in store.deployment_events(host="lnx-badcopy")][-1]
    assert event["result"] == "failed" and event["error"].startswith("Installer checksum mismatch")


def test_local_checksum_mismatch_copies_nothing(estate: Estate, tmp_path: Path) -> None:
    write_inventory(estate, sha="0" * 64)
    try:
        results = run_action(estate.lab, estate.inventory, "deploy_agent", ["lnx-badcopy"])
    finally:
        write_inventory(estate)
    assert results["lnx-badcopy"].status is Status.FAILED
    assert "nothing was copied" in results["lnx-badcopy"].msg
    assert "rmmkit-" not in plain_ssh(estate.lab, "lnx-badcopy", "ls -A /tmp", tmp=tmp_path).stdout


def test_uninstall(estate: Estate, store: Any, tmp_path: Path) -> None:
    check = run_action(
        estate.lab, estate.inventory, "uninstall_agent", ["lnx-current"], check=True, store=store
    )
    assert check["lnx-current"].status is Status.CHANGED
    assert installed_version(estate, "lnx-current", tmp_path) == CURRENT
    done = run_action(estate.lab, estate.inventory, "uninstall_agent", ["lnx-current"], store=store)
    assert done["lnx-current"].status is Status.CHANGED
    assert installed_version(estate, "lnx-current", tmp_path) == "absent"
    event = store.deployment_events(host="lnx-current")[-1]
    assert (event["from_version"], event["to_version"], event["result"]) == (
        CURRENT,
        None,
        "uninstalled",
    )
    assert agent_status_rows(store)["lnx-current"] == "not_installed"


def test_facts_are_stored(estate: Estate, store: Any, tmp_path: Path) -> None:
    results = run_action(
        estate.lab,
        estate.inventory,
        "collect_facts",
        ["lnx-noagent"],
        store=store,
        args={"samples": 2, "interval": 0.2},
    )
    assert results["lnx-noagent"].status is Status.OK
    [row] = store.facts(kind="ssh", host="lnx-noagent")
    facts = row["data"]
    expected = plain_ssh(
        estate.lab,
        "lnx-noagent",
        ". /etc/os-release; echo $PRETTY_NAME; df -Pk / | tail -n 1",
        tmp=tmp_path,
    ).stdout.splitlines()
    assert facts["os"]["pretty"] == expected[0]
    assert facts["hostname"] == "lnx-noagent"
    root = next(d for d in facts["disks"] if d["mount"] == "/")
    assert root["size_kb"] == int(expected[1].split()[1])
    assert len(facts["load"]["cpu_percent_samples"]) == 1
    assert len(facts["load"]["memory_used_percent_samples"]) == 2
    assert facts["processes"]["top_cpu"] and facts["complete"]


def _hosts(session: Any) -> list[Any]:
    from rmmkit.declared.models import Targets
    from rmmkit.declared.selection import select_hosts

    return select_hosts(session.inventory, Targets(hosts=tuple(session.inventory.hosts)))
