"""The temporary-service deploy path against the impacket SCMR peer, via the shared lifecycle."""

from __future__ import annotations

import hashlib
from pathlib import Path
from types import SimpleNamespace

import pytest

from rmmkit.agents.deploy import Lifecycle
from rmmkit.agents.errors import AgentError
from rmmkit.agents.events import DeploymentRecorder
from rmmkit.declared.models import Agent, Installer, ResolvedHost
from rmmkit.errors import TransportError
from rmmkit.lab import Lab
from rmmkit.secrets.credentials import Material
from rmmkit.windows.smb import SmbSession
from rmmkit.windows.transport import WindowsConnection
from tests.windows.conftest import INSTALLED, SCRIPT

pytestmark = pytest.mark.lab


def agent(tmp_path: Path, *, args: str = "") -> Agent:
    installer = tmp_path / "rmmagent-setup.cmd"
    installer.write_text(SCRIPT)
    digest = hashlib.sha256(installer.read_bytes()).hexdigest()
    return Agent(
        name="rmmagent",
        version="3.2.0",
        installers=(Installer("windows", "x86_64", str(installer), digest),),
        commands={"install": "{{ installer }}" + args},
        detect={"file": INSTALLED},
    )


@pytest.fixture()
def peer(winlab: Lab, peer_admin: Material) -> WindowsConnection:
    info = winlab.host("win-peer")
    drive = winlab.dir / "hosts" / "win-peer" / "C"
    installed = drive / "Program Files" / "RMMKit Agent" / "installed.txt"
    installed.unlink(missing_ok=True)
    with winlab.scanner():
        smb = SmbSession.login("win-peer", info.address, [peer_admin], timeout=5)
    host = ResolvedHost(
        name="win-peer", address=info.address, vars={"windows_deploy_method": "service"}
    )
    conn = WindowsConnection(smb, host)
    yield conn
    conn.close()


def lifecycle(conn: WindowsConnection, a: Agent, tmp_path: Path) -> Lifecycle:
    target = conn.agent_target()
    recorder = DeploymentRecorder(SimpleNamespace(store=None), conn.host, a.name, target.method)
    return Lifecycle(target, a, recorder, host=conn.host, base_dir=tmp_path, timeout=30)


def test_service_method_installs_in_the_hosts_namespace(
    winlab: Lab, peer: WindowsConnection, tmp_path: Path
) -> None:
    a = agent(tmp_path)
    with winlab.scanner():
        check = lifecycle(peer, a, tmp_path).deploy(check=True)
        change = lifecycle(peer, a, tmp_path).deploy(check=False)
        again = lifecycle(peer, a, tmp_path).deploy(check=False)
    assert (check.operation, check.after) == ("install", None)
    assert change.operation == "install" and change.after is not None
    assert change.after.status == "installed" and again.operation == "none"
    drive = winlab.dir / "hosts" / "win-peer" / "C"
    ran = (drive / "Program Files" / "RMMKit Agent" / "installed.txt").read_text().split()
    assert ran[:2] == ["rmmagent", "3.2.0"] and "WIN-PEER" in ran
    assert f"{winlab.host('win-peer').address}/24" in ran  # it ran inside win-peer's namespace
    assert not list((drive / "Windows" / "Temp").glob("rmmkit-*"))  # staging and marker removed


def test_installer_exit_code_fails_the_deployment(
    winlab: Lab, peer: WindowsConnection, tmp_path: Path
) -> None:
    with pytest.raises(AgentError) as info, winlab.scanner():
        lifecycle(peer, agent(tmp_path, args=" 7"), tmp_path).deploy(check=False)
    assert info.value.code == "install_failed" and "exited 7" in str(info.value)


def test_temporary_service_is_deleted_and_missing_files_explained(
    winlab: Lab, peer: WindowsConnection, tmp_path: Path
) -> None:
    script = tmp_path / "x.cmd"
    script.write_text("#!/bin/sh\nexit 0\n")
    with winlab.scanner():
        peer.smb.mkdir("ADMIN$", "Temp\\t1")
        copy = peer.smb.put(script, "ADMIN$", "Temp\\t1\\x.cmd")
        run = peer.services.run_temporary(copy.remote, timeout=10)
        assert peer.services.query(run.name) is None
        with pytest.raises(TransportError) as info:
            peer.services.run_temporary(r"C:\Windows\Temp\t1\setup.exe", timeout=5)
        peer.smb.delete("ADMIN$", "Temp\\t1\\x.cmd")
        peer.smb.rmdir("ADMIN$", "Temp\\t1")
    assert run.rc == 0 and run.state == "stopped"
    assert info.value.failure.message == "The system cannot find the file/path specified"
    assert (
        "If any file is missing from the deployment, this message appears (setup.exe)."
        in info.value.causes
    )
