"""SMB, svcctl and winreg against real Samba hosts; every result is checked on the host itself."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from impacket.ntlm import compute_nthash

from rmmkit.errors import AuthenticationError, ProtocolError, TransportError
from rmmkit.lab import Lab
from rmmkit.secrets.credentials import Material
from rmmkit.secrets.values import Secret
from rmmkit.windows.rrp import RemoteRegistry
from rmmkit.windows.scmr import ServiceManager
from rmmkit.windows.smb import SmbSession
from tests.windows.conftest import password

pytestmark = pytest.mark.lab
AGENT_KEY = r"HKLM\SOFTWARE\RMMKit\Agent"


def login(lab: Lab, host: str, *materials: Material) -> SmbSession:
    with lab.scanner():
        return SmbSession.login(host, lab.host(host).address, list(materials), timeout=5)


def test_ntlm_password_and_hash_login_and_shares(winlab: Lab, lab_admin: Material) -> None:
    nt = compute_nthash(winlab.host("win-srv01").users[0].password).hex()
    by_hash = Material(
        credential="lab-hash", kind="ntlm_hash", user="administrator", nt_hash=Secret(nt)
    )
    for material in (lab_admin, by_hash):
        with winlab.scanner():
            smb = SmbSession.login(
                "win-srv01", winlab.host("win-srv01").address, [material], timeout=5
            )
            try:
                shares = {s.name for s in smb.shares()}
            finally:
                smb.close()
        assert {"ADMIN$", "C$", "IPC$"} <= shares
        assert smb.credential == material.credential
    with winlab.scanner():
        smb = SmbSession.login(
            "win-noadmin", winlab.host("win-noadmin").address, [lab_admin], timeout=5
        )
        assert "ADMIN$" not in {s.name for s in smb.shares()}
        smb.close()


def test_additional_credentials_in_order(winlab: Lab, lab_admin: Material) -> None:
    old = password("old-admin", "Not-The-Pass-1")
    smb = login(winlab, "win-srv01", old, lab_admin)
    smb.close()
    assert smb.credential == "lab-admin"
    with pytest.raises(AuthenticationError) as info, winlab.scanner():
        SmbSession.login("win-srv01", winlab.host("win-srv01").address, [old], timeout=5)
    assert "STATUS_LOGON_FAILURE" in str(info.value) and "old-admin" in str(info.value)
    assert "Incorrect login credentials are configured." in info.value.causes


@pytest.mark.parametrize(
    ("share", "path", "on_disk"),
    [
        ("ADMIN$", "Temp\\rmmkit-copy.bin", "C/Windows/Temp/rmmkit-copy.bin"),
        ("C$", "rmmkit-copy.bin", "C/rmmkit-copy.bin"),
    ],
)
def test_copy_reads_back_size_and_sha256(
    winlab: Lab, lab_admin: Material, tmp_path: Path, share: str, path: str, on_disk: str
) -> None:
    payload = tmp_path / "setup.bin"
    payload.write_bytes(hashlib.sha256(b"seed").digest() * 7000)  # 224 KB: several SMB writes
    smb = login(winlab, "win-srv01", lab_admin)
    with winlab.scanner():
        copy = smb.put(payload, share, path)
        smb.close()
    landed = winlab.dir / "hosts" / "win-srv01" / on_disk
    assert landed.read_bytes() == payload.read_bytes()
    assert (copy.size, copy.sha256) == (
        len(payload.read_bytes()),
        hashlib.sha256(payload.read_bytes()).hexdigest(),
    )
    assert copy.remote.startswith("C:\\")


def _net_registry(lab: Lab, host: str, key: str, value: str) -> str:
    conf = lab.dir / "hosts" / host / "smb.conf"
    return lab.exec(["net", "-s", str(conf), "registry", "getvalue", key, value], host=host).stdout


def test_registry_read_and_write(winlab: Lab, lab_admin: Material) -> None:
    smb = login(winlab, "win-srv01", lab_admin)
    reg = RemoteRegistry(smb)
    with winlab.scanner():
        version = reg.read(AGENT_KEY, "Version")
        missing = reg.read(AGENT_KEY, "NoSuchValue")
        reg.write(r"HKLM\SOFTWARE\RMMKit\Test", "Deployed", "3.2.1")
        reg.write(r"HKLM\SOFTWARE\RMMKit\Test", "Attempts", 4)
        back = reg.values(r"HKLM\SOFTWARE\RMMKit\Test")
        assert reg.delete_value(r"HKLM\SOFTWARE\RMMKit\Test", "Attempts") is True
        assert reg.delete_value(r"HKLM\SOFTWARE\RMMKit\Test", "Attempts") is False
        reg.close()
        smb.close()
    assert (version, missing) == (winlab.host("win-srv01").facts["agent_version"], None)
    assert back == {"Deployed": "3.2.1", "Attempts": 4}
    assert "3.2.1" in _net_registry(winlab, "win-srv01", r"HKLM\SOFTWARE\RMMKit\Test", "Deployed")


def test_registry_write_needs_an_administrator(winlab: Lab, lab_admin: Material) -> None:
    smb = login(winlab, "win-noadmin", lab_admin)  # same user name, not in BUILTIN\Administrators
    with pytest.raises(TransportError) as info, winlab.scanner():
        try:
            RemoteRegistry(smb).write(r"HKLM\SOFTWARE\RMMKit\Test", "Deployed", "x")
        finally:
            smb.close()
    assert info.value.failure.category == "privileges"
    assert "Access is Denied" in str(info.value)


def test_services_enumerate_and_query(winlab: Lab, lab_admin: Material) -> None:
    smb = login(winlab, "win-srv01", lab_admin)
    scm = ServiceManager(smb)
    with winlab.scanner():
        listed = {s.name: s for s in scm.services()}
        remote_registry = scm.query("RemoteRegistry")
        absent = scm.query("NoSuchService")
        with pytest.raises(ProtocolError) as info:  # Samba cannot create services
            scm.run_temporary(r"C:\Windows\Temp\x.exe", timeout=2)
        scm.close()
        smb.close()
    assert "RemoteRegistry" in listed and listed["RemoteRegistry"].state == "running"
    assert remote_registry is not None and remote_registry.state == "running"
    assert remote_registry.start_type and remote_registry.binary_path
    assert absent is None
    assert info.value.failure.category == "unsupported"


def test_facts_fall_back_to_the_registry_when_wmi_is_blocked(
    winlab: Lab, lab_admin: Material
) -> None:
    from rmmkit.declared.models import ResolvedHost
    from rmmkit.windows.facts import collect
    from rmmkit.windows.transport import WindowsConnection

    info = winlab.host("win-srv01")
    smb = login(winlab, "win-srv01", lab_admin)
    conn = WindowsConnection(smb, ResolvedHost(name=info.name, address=info.address))
    with winlab.scanner():
        try:
            facts = collect(conn)
        finally:
            conn.close()
    assert facts["sources"]["os"] == "registry"
    assert facts["os"]["caption"] == info.options["product_name"]
    assert facts["os"]["build"] == info.options["current_build"]
    assert facts["sources"]["disks"] == facts["sources"]["hotfixes"] == "unavailable"


def test_remote_registry_method_stages_and_sets_run_once(
    winlab: Lab, lab_admin: Material, tmp_path: Path
) -> None:
    from rmmkit.declared.models import Agent, ResolvedHost
    from rmmkit.windows.deploy import run_once_name
    from rmmkit.windows.rrp import RUN_ONCE
    from rmmkit.windows.transport import WindowsConnection

    info = winlab.host("win-srv01")
    installer = tmp_path / "rmmagent-setup.exe"
    installer.write_bytes(b"MZ" + bytes(range(256)) * 64)
    agent = Agent(name="rmmagent", version="3.3.0", detect={"registry": AGENT_KEY + r"\Version"})
    conn = WindowsConnection(
        login(winlab, "win-srv01", lab_admin), ResolvedHost(name=info.name, address=info.address)
    )
    target = conn.agent_target("remote_registry")
    with winlab.scanner():
        try:
            assert target.platform() == ("windows", "x86_64")
            target.mark(agent, True)
            remote = target.stage(installer, agent)
            assert target.sha256(remote) == hashlib.sha256(installer.read_bytes()).hexdigest()
            result = target.execute(f'"{remote}" /quiet', timeout=10)
            target.mark(agent, False)
            target.cleanup(remote)  # kept: RunOnce needs it at the next logon
            pending = target.probe(agent)
            on_host = _net_registry(winlab, "win-srv01", RUN_ONCE, run_once_name("rmmagent"))
            conn.registry.delete_value(RUN_ONCE, run_once_name("rmmagent"))
            after = target.probe(agent)
        finally:
            conn.close()
    assert result.rc == 0 and "next logon" in result.out
    staged = winlab.dir / "hosts" / "win-srv01" / "C" / remote[3:].replace("\\", "/")
    assert staged.read_bytes() == installer.read_bytes()
    assert pending.in_progress and pending.registry_version == "3.2.0"
    assert remote in on_host  # the value Windows would run at the next logon
    assert not after.in_progress


def test_no_secret_in_logs_or_errors(
    winlab: Lab, lab_admin: Material, caplog: pytest.LogCaptureFixture
) -> None:
    import logging

    from rmmkit.secrets.canary import Canaries, assert_no_canary

    canaries = Canaries(2)
    wrong = [password(f"c{i}", canaries.values[i]) for i in range(2)]
    caplog.set_level(logging.DEBUG)
    with pytest.raises(AuthenticationError) as info, winlab.scanner():
        SmbSession.login("win-srv01", winlab.host("win-srv01").address, wrong, timeout=5)
    smb = login(winlab, "win-srv01", *wrong, lab_admin)
    smb.close()
    text = f"{info.value}\n{info.value.causes}\n{wrong!r}\n{smb.material!r}\n{caplog.text}"
    assert_no_canary(text, canaries, where="SMB login errors and DEBUG logs")
    assert winlab.host("win-srv01").users[0].password not in text
