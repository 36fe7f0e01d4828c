"""Logging in: key file, ssh-agent, additional credentials, accept-new, unreachable; no leaks.

The canary tests drive unique secrets through the transport against real
sshd hosts (success with sudo, authentication failure, unreachable) with
every logger at DEBUG, and look for them in logs, results, the store file,
error texts and the command lines sent to the hosts.
"""

from __future__ import annotations

import io
import json
import logging
import os
import re
import shutil
import signal
import subprocess
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from rmmkit.results import Status
from rmmkit.secrets.canary import Canaries, assert_no_canary
from rmmkit.ssh.connection import SshConnection
from rmmkit.ssh.errors import SudoError
from rmmkit.store import open_store

from .conftest import CURRENT, Estate, write_inventory
from .helpers import make_session, run_action

pytestmark = pytest.mark.lab
CANARIES = Canaries(3)


@pytest.fixture
def ssh_agent(estate: Estate, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """Our own ssh-agent holding the lab key; stopped by its PID."""
    sock = tmp_path / "agent.sock"
    proc = subprocess.run(
        ["ssh-agent", "-s", "-a", str(sock)], capture_output=True, text=True, check=True
    )
    pid = int(re.search(r"SSH_AGENT_PID=(\d+)", proc.stdout).group(1))
    try:
        subprocess.run(
            ["ssh-add", "-q", str(estate.lab.ssh_key)],
            check=True,
            capture_output=True,
            env={**os.environ, "SSH_AUTH_SOCK": str(sock)},
        )
        monkeypatch.setenv("SSH_AUTH_SOCK", str(sock))
        yield str(sock)
    finally:
        os.kill(pid, signal.SIGTERM)


def test_key_file_credential(estate: Estate, tmp_path: Path) -> None:
    inv = _copy(estate, tmp_path, credentials=["lab-admin", "lab-key"])
    results = run_action(estate.lab, inv, "agent_status", ["lnx-keyonly"])
    assert results["lnx-keyonly"].status is Status.OK, results["lnx-keyonly"].msg


def test_ssh_agent_then_declared_credentials(
    estate: Estate, tmp_path: Path, ssh_agent: str
) -> None:
    inv = _copy(
        estate, tmp_path, host_vars={"lnx-keyonly": {"ssh_agent": True, "ssh_user": "deploy"}}
    )
    session = make_session(inv)
    host = _host(session, "lnx-keyonly")
    with estate.lab.scanner():
        conn = session.transport("ssh").open(host, timeout=10)
    try:
        assert (conn.login.method, conn.login.user) == ("agent", "deploy")
        assert conn.run("id -un").out.strip() == "deploy"
        assert conn.run("id -u", sudo=True).out.strip() == "0"  # NOPASSWD, key login: sudo -n
    finally:
        conn.close()
        session.close()


def test_second_credential_is_used_in_declared_order(estate: Estate) -> None:
    session = make_session(estate.inventory)
    with estate.lab.scanner():
        conn = session.transport("ssh").open(_host(session, "lnx-secondcred"), timeout=10)
    try:
        assert (conn.login.credential, conn.login.user) == ("lab-ops", "ops")
    finally:
        conn.close()
        session.close()


def test_accept_new_host_keys_records_first_seen_only(estate: Estate, tmp_path: Path) -> None:
    inv = _copy(estate, tmp_path)
    (tmp_path / "known_hosts").write_text("")
    hosts = ["lnx-noagent", "lnx-current"]
    refused = run_action(estate.lab, inv, "agent_status", hosts)
    assert all("unknown host key" in r.msg for r in refused.values())
    assert (tmp_path / "known_hosts").read_text() == ""
    run_action(estate.lab, inv, "agent_status", hosts, settings={"accept_new_host_keys": True})
    recorded = (tmp_path / "known_hosts").read_text().splitlines()
    assert sorted(line.split()[0] for line in recorded) == ["10.77.1.10", "10.77.1.12"]
    served = estate.lab.host("lnx-noagent").facts.get("host_key_pub") or []
    assert any(line.split()[1:] == list(served) for line in recorded)
    again = run_action(estate.lab, inv, "agent_status", hosts)
    assert all(r.status is Status.OK for r in again.values())
    (tmp_path / "known_hosts").write_text(estate.known_hosts.read_text())
    changed = run_action(
        estate.lab, inv, "agent_status", ["lnx-hostkey"], settings={"accept_new_host_keys": True}
    )
    assert "host key changed" in changed["lnx-hostkey"].msg  # accept-new never overrides


def test_unreachable_and_refused(estate: Estate, tmp_path: Path) -> None:
    inv = _copy(estate, tmp_path, host_vars={"lnx-current": {"ssh_port": 2222}})
    text = inv.read_text().replace("hosts:\n", "hosts:\n  - {name: ghost, address: 10.77.1.99}\n")
    inv.write_text(text)
    results = run_action(estate.lab, inv, "agent_status", ["lnx-current", "ghost"])
    assert results["lnx-current"].status is Status.UNREACHABLE
    assert "connection refused" in results["lnx-current"].msg
    assert results["ghost"].status is Status.UNREACHABLE


@pytest.fixture
def canary_user(estate: Estate) -> Iterator[str]:
    """A user on lnx-badcopy whose password is a canary and who may sudo with it."""
    host = "lnx-badcopy"
    estate.lab.exec(
        "useradd -m cnryuser && chpasswd && "
        "echo 'cnryuser ALL=(ALL:ALL) ALL' > /etc/sudoers.d/cnry && "
        "chmod 440 /etc/sudoers.d/cnry",
        host=host,
        input=f"cnryuser:{CANARIES[0]}\n",
        check=True,
    )
    yield host
    estate.lab.exec("userdel -r cnryuser; rm -f /etc/sudoers.d/cnry", host=host)


def test_no_secret_leaks_through_the_transport(
    estate: Estate,
    tmp_path: Path,
    canary_user: str,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    caplog.set_level(logging.DEBUG)
    sent: list[str] = []
    real_exec = SshConnection._exec

    def spy(self: SshConnection, command: str, timeout: float, stdin: bytes | None) -> Any:
        sent.append(command)
        return real_exec(self, command, timeout, stdin)

    monkeypatch.setattr(SshConnection, "_exec", spy)
    inv = _copy(
        estate,
        tmp_path,
        credentials=["cnry-ok"],
        sha="0" * 64,
        extra=(
            f"  - {{name: cnry-ok, kind: password, user: cnryuser, "
            f"secret: {{source: file, key: {tmp_path}/cnry-ok.pw}}}}\n"
            f"  - {{name: cnry-bad, kind: password, user: admin, "
            f"secret: {{source: file, key: {tmp_path}/cnry-bad.pw}}}}"
        ),
    )
    for i, name in ((0, "cnry-ok"), (1, "cnry-bad")):
        (tmp_path / f"{name}.pw").write_text(CANARIES[i])
        (tmp_path / f"{name}.pw").chmod(0o600)
    store = open_store(None, project_dir=tmp_path)
    out = io.StringIO()
    try:
        # success, then sudo with the canary password on stdin; then a failed deployment event
        session = make_session(inv)
        with estate.lab.scanner():
            conn = session.transport("ssh").open(_host(session, canary_user), timeout=10)
        try:
            assert conn.run("id -u", sudo=True).out.strip() == "0"
            # a wrong sudo password (another canary): refused, named, not leaked
            conn.login = replace(
                conn.login, material=replace(conn.login.material, password=CANARIES.secret(2))
            )
            with pytest.raises(SudoError) as sudo_err:
                conn.run("id -u", sudo=True)
        finally:
            conn.close()
            session.close()
        deploy = run_action(estate.lab, inv, "deploy_agent", [canary_user], store=store, out=out)
        assert deploy[canary_user].status is Status.FAILED
        # authentication failure and unreachable, both with canary passwords
        bad = _copy(
            estate,
            tmp_path / "bad",
            credentials=["cnry-bad"],
            extra=(
                f"  - {{name: cnry-bad, kind: password, user: admin, "
                f"secret: {{source: file, key: {tmp_path}/cnry-bad.pw}}}}"
            ),
        )
        bad.write_text(
            bad.read_text().replace("hosts:\n", "hosts:\n  - {name: ghost, address: 10.77.1.99}\n")
        )
        failed = run_action(
            estate.lab, bad, "agent_status", ["lnx-noagent", "ghost"], store=store, out=out
        )
        assert failed["lnx-noagent"].status is Status.FAILED
        assert failed["ghost"].status is Status.UNREACHABLE
        assert store.deployment_events(host=canary_user)[-1]["result"] == "failed"
    finally:
        store.close()
    texts = {
        "debug logs": caplog.text,
        "results": json.dumps([r.to_dict() for r in [*deploy.values(), *failed.values()]]),
        "run output": out.getvalue(),
        "sudo error": f"{sudo_err.value!s} {sudo_err.value.causes}",
        "commands sent to hosts (remote argv)": "\n".join(sent),
    }
    for where, text in texts.items():
        assert_no_canary(text, CANARIES, where=where)
    for path in (tmp_path / ".rmmkit").glob("*"):
        assert_no_canary(path.read_bytes(), CANARIES, where=f"store file {path.name}")
    assert sent, "the spy saw no command"


def _copy(estate: Estate, folder: Path, **kw: Any) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name in ("admin.pw", "ops.pw", f"rmmagent-{CURRENT}.sh"):
        shutil.copy(estate.dir / name, folder / name)
        (folder / name).chmod(0o600)
    shutil.copy(estate.known_hosts, folder / "known_hosts")
    copy = Estate(folder, estate.lab, estate.installer_sha)
    return write_inventory(copy, **kw)


def _host(session: Any, name: str) -> Any:
    from rmmkit.declared.models import Targets
    from rmmkit.declared.selection import select_hosts

    return next(
        h for h in select_hosts(session.inventory, Targets(hosts=(name,))) if h.name == name
    )


def test_agents_cli_end_to_end(estate: Estate) -> None:
    """``rmmkit agents status`` as a user runs it: exit 2 when a host failed, JSON per host."""
    import sys

    proc = estate.lab.exec(
        [
            sys.executable,
            "-m",
            "rmmkit.cli.main",
            "agents",
            "status",
            "-i",
            str(estate.inventory),
            "-l",
            "lnx-diskfull,lnx-wrongpw",
            "--no-store",
            "-o",
            "json",
        ],
        timeout=120,
    )
    assert proc.returncode == 2, proc.stderr
    hosts = json.loads(proc.stdout)["hosts"]
    status = hosts["lnx-diskfull"]["results"][0]["data"]["agent_status"]["rmmagent"]["status"]
    assert status == "not_installed"  # every deploy fails there: the state never changes
    assert hosts["lnx-wrongpw"]["status"] == "failed"
