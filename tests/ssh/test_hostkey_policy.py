"""``ssh_host_keys: strict | accept_new`` against the lab's real OpenSSH hosts, through the runner.

What is proven here, on sshd in network namespaces (tests/ssh/topology.yml):
a new host on an ``accept_new`` site is reached and its key recorded (the
key the host really serves), the task result says so (message, data, JSONL,
the store); a changed key stays refused; ``strict`` (the default) refuses a
new host with the existing error; a host's own value and
``--accept-new-host-keys`` override the site; and the seed's nightly flow —
scan, then work on the hosts the scan found — reaches first-contact hosts.
Zero authentication attempts to a refused host: test_hostkey_openssh.py.
"""

from __future__ import annotations

import base64
import io
import json
import re
import shutil
from pathlib import Path
from typing import Any

import paramiko
import pytest

from rmmkit.declared.models import OutputSpec, Playbook, Targets, Task
from rmmkit.results import RunResult, Status, TaskResult
from rmmkit.run.options import RunOptions
from rmmkit.run.start import run_playbook
from rmmkit.ssh.knownhosts import fingerprint
from rmmkit.store import Store, open_store

from .conftest import CURRENT, Estate, write_inventory
from .helpers import make_session

pytestmark = pytest.mark.lab

NEW_HOSTS = ["lnx-noagent", "lnx-current"]
SITE_LINE = "    ranges: [10.77.1.0/24]\n"


def project(
    estate: Estate,
    folder: Path,
    *,
    site: str | None,
    host_policy: dict[str, str] | None = None,
    known: str = "",
) -> Path:
    """The estate's inventory in ``folder``, with ``ssh_host_keys`` on the site and hosts."""
    folder.mkdir(parents=True, exist_ok=True)
    for name in ("admin.pw", "ops.pw", f"rmmagent-{CURRENT}.sh"):
        shutil.copy(estate.dir / name, folder / name)
        (folder / name).chmod(0o600)
    (folder / "known_hosts").write_text(known)
    inv = write_inventory(Estate(folder, estate.lab, estate.installer_sha))
    text = inv.read_text()
    if site:
        text = text.replace(SITE_LINE, SITE_LINE + f"    ssh_host_keys: {site}\n")
    for host, mode in (host_policy or {}).items():
        address = estate.lab.host(host).address
        text = text.replace(
            f"{{name: {host}, address: {address}}}",
            f"{{name: {host}, address: {address}, ssh_host_keys: {mode}}}",
        )
    inv.write_text(text)
    return inv


def policy_line(inv: Path, *, host: str | None = None) -> str:
    """``file:line:col`` of the ``ssh_host_keys`` key of the site (or of ``host``'s mapping)."""
    for number, text in enumerate(inv.read_text().splitlines(), 1):
        if host is None and text.startswith("    ssh_host_keys:"):
            return f"{inv}:{number}:5"
        if host is not None and f"{{name: {host}," in text:
            return f"{inv}:{number}:{text.index('ssh_host_keys') + 1}"
    raise AssertionError("no ssh_host_keys declared")


def served_key(estate: Estate, host: str) -> tuple[str, str, str]:
    """(type, base64, SHA256 fingerprint) of the key the lab host's sshd really serves."""
    keytype, blob = estate.lab.host(host).facts["host_key_pub"]
    return keytype, blob, fingerprint(paramiko.Ed25519Key(data=base64.b64decode(blob)))


def run(
    estate: Estate,
    inv: Path,
    tasks: list[Task],
    *,
    hosts: list[str] | None = None,
    sites: tuple[str, ...] = (),
    store: Store | None = None,
    jsonl: Path | None = None,
    settings: dict[str, Any] | None = None,
) -> RunResult:
    session = make_session(inv, store=store, settings=settings)
    playbook = Playbook(
        path="<test>",
        name="test",
        targets=Targets(hosts=tuple(hosts or ()), sites=sites),
        tasks=tuple(tasks),
    )
    outputs = [OutputSpec("jsonl", {"file": str(jsonl)})] if jsonl else [OutputSpec("table")]
    try:
        with estate.lab.scanner():
            return run_playbook(
                session,
                playbook,
                RunOptions(timeout=120, connect_timeout=10),
                outputs=outputs,
                stdout=io.StringIO(),
            )
    finally:
        session.store = None  # the test owns the store
        session.close()


STATUS = Task(name="status", action="agent_status", args={"agent": "rmmagent"})


def status_of(result: RunResult) -> dict[str, TaskResult]:
    return {name: hr.results[-1] for name, hr in result.hosts.items()}


def test_accept_new_site_reaches_new_hosts_records_their_keys_and_says_so(
    estate: Estate, tmp_path: Path
) -> None:
    inv = project(estate, tmp_path / "p", site="accept_new")
    store = open_store(f"sqlite:///{tmp_path / 'store.db'}")
    events = tmp_path / "run.jsonl"
    try:
        result = run(estate, inv, [STATUS], hosts=NEW_HOSTS, store=store, jsonl=events)
        stored = {r["host"]: r for r in store.task_results(result.run_id)}
    finally:
        store.close()
    declared = policy_line(inv)
    recorded = (tmp_path / "p" / "known_hosts").read_text().splitlines()
    records = [json.loads(line) for line in events.read_text().splitlines()]
    streamed = {r["host"]: r for r in records if r["event"] == "task_result"}
    for name, got in status_of(result).items():
        address = estate.lab.host(name).address
        keytype, blob, print_ = served_key(estate, name)
        said = (
            f"accepted new host key {keytype} {print_} for {address}:22 "
            f"(policy accept_new from site lab, {declared})"
        )
        assert got.status is Status.OK, got.msg  # reached: logged in and probed
        assert got.msg.startswith(said + "; "), got.msg
        (notice,) = got.data["notices"]
        assert notice["fingerprint"] == print_ and notice["policy_from"] == f"site lab, {declared}"
        assert f"{address} {keytype} {blob}" in recorded  # the key the host really serves
        assert stored[name]["msg"] == got.msg and stored[name]["data"]["notices"] == [notice]
        assert streamed[name]["data"]["notices"] == [notice] and streamed[name]["msg"] == got.msg
    assert len(recorded) == len(NEW_HOSTS)
    again = status_of(run(estate, inv, [STATUS], hosts=NEW_HOSTS))
    assert all(r.status is Status.OK and "notices" not in r.data for r in again.values())
    assert (tmp_path / "p" / "known_hosts").read_text().splitlines() == recorded


def test_accept_new_still_refuses_a_changed_key(estate: Estate, tmp_path: Path) -> None:
    stale = estate.lab.known_hosts.read_text()  # lnx-hostkey was "re-installed"
    inv = project(estate, tmp_path / "p", site="accept_new", known=stale)
    got = status_of(run(estate, inv, [STATUS], hosts=["lnx-hostkey"]))["lnx-hostkey"]
    assert got.status is Status.FAILED and "host key changed" in got.msg
    assert "nothing was sent to the host" in got.msg and "notices" not in got.data
    assert (tmp_path / "p" / "known_hosts").read_text() == stale


@pytest.mark.parametrize("site", [None, "strict"])
def test_strict_refuses_a_new_host_with_the_existing_error(
    estate: Estate, tmp_path: Path, site: str | None
) -> None:
    inv = project(estate, tmp_path / "p", site=site)
    results = status_of(run(estate, inv, [STATUS], hosts=NEW_HOSTS))
    for name, got in results.items():
        _, _, print_ = served_key(estate, name)
        assert got.status is Status.FAILED
        assert re.search(rf"unknown host key ssh-ed25519 {re.escape(print_)} \(not in ", got.msg)
        assert "refused, nothing was sent to the host" in got.msg
    assert (tmp_path / "p" / "known_hosts").read_text() == ""


def test_a_host_overrides_its_site_and_the_flag_wins_for_its_run(
    estate: Estate, tmp_path: Path
) -> None:
    inv = project(  # the site says nothing: strict by default
        estate,
        tmp_path / "p",
        site=None,
        host_policy={"lnx-current": "strict", "lnx-noagent": "accept_new"},
    )
    results = status_of(run(estate, inv, [STATUS], hosts=NEW_HOSTS))
    assert results["lnx-current"].status is Status.FAILED
    assert "unknown host key" in results["lnx-current"].msg
    assert results["lnx-current"].causes[0] == (
        "ssh_host_keys: strict is declared for it "
        f"(host lnx-current, {policy_line(inv, host='lnx-current')})"
    )
    assert results["lnx-noagent"].status is Status.OK
    assert (
        results["lnx-noagent"]
        .msg.split("; ")[0]
        .endswith(
            f"(policy accept_new from host lnx-noagent, {policy_line(inv, host='lnx-noagent')})"
        )
    )
    flagged = status_of(
        run(estate, inv, [STATUS], hosts=NEW_HOSTS, settings={"accept_new_host_keys": True})
    )
    assert flagged["lnx-current"].status is Status.OK  # --accept-new-host-keys wins for its run
    assert (
        flagged["lnx-current"]
        .msg.split("; ")[0]
        .endswith("(policy accept_new from --accept-new-host-keys)")
    )
    assert "notices" not in flagged["lnx-noagent"].data  # recorded by the first run


@pytest.mark.parametrize("site", ["strict", "accept_new"])
def test_scan_then_status_reaches_newly_discovered_hosts_only_with_accept_new(
    estate: Estate, tmp_path: Path, site: str
) -> None:
    """The seed's "scan and deploy to newly discovered systems": no host is declared."""
    inv = project(estate, tmp_path / "p", site=site)
    text = inv.read_text().replace("10.77.1.0/24", "10.77.1.10-10.77.1.12")
    inv.write_text(text[: text.index("hosts:\n")])  # hosts come from the scan only
    discover = Task(name="scan", action="discover", args={"ports": [22], "timeout": 1})
    store = open_store(f"sqlite:///{tmp_path / 'store.db'}")
    try:
        result = run(estate, inv, [discover, STATUS], sites=("lab",), store=store)
    finally:
        store.close()
    found = {
        name: hr.results[-1]
        for name, hr in result.hosts.items()
        if hr.results and hr.results[-1].action == "agent_status"
    }
    addresses = {estate.lab.host(h).address for h in ("lnx-noagent", "lnx-outdated", "lnx-current")}
    assert len(found) == len(addresses), result.hosts.keys()  # the scan found all three
    recorded = (tmp_path / "p" / "known_hosts").read_text()
    if site == "strict":
        assert all("unknown host key" in r.msg for r in found.values())
        assert recorded == ""
        return
    for got in found.values():
        assert got.status is Status.OK, got.msg
        assert got.msg.startswith("accepted new host key ssh-ed25519 SHA256:")
        assert f"(policy accept_new from site lab, {policy_line(inv)})" in got.msg
    assert sorted(line.split()[0] for line in recorded.splitlines()) == sorted(addresses)
