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
from rmmkit.windows.rrp import Registry
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
    by_hash = Material(credential="lab-hash", kind="ntlm_hash", user="administrator",
                       nt_hash=Secret(nt))
    for material in (lab_admin, by_hash):
        with winlab.scanner():
            smb = SmbSession.login("win-srv01", winlab.host("win-srv01").address, [material], timeout=5)
            try:
                shares = {s.name for s in smb.shares()}
            finally:
                smb.close()
        assert {"ADMIN$", "C$", "IPC$"} <= shares
        assert smb.credential == material.credential
    with winlab.scanner():
        smb = SmbSession.login("win-noadmin", winlab.host("win-noadmin").address, [lab_admin], timeout=5)
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


@pytest.mark.parametrize(("share", "path", "on_disk"), [
    ("ADMIN$", "Temp\\rmmkit-copy.bin", "C/Windows/Temp/rmmkit-copy.bin"),
    ("C$", "rmmkit-copy.bin", "C/rmmkit-copy.bin"),
])
def test_copy_reads_back_size_and_sha256(winlab: Lab, lab_admin: Material, tmp_path: Path,
                                         share: str, path: str, on_disk: str) -> None:
    payload = tmp_path / "setup.bin"
    payload.write_bytes(hashlib.sha256(b"seed").digest() * 7000)  # 224 KB: several SMB writes
    smb = login(winlab, "win-srv01", lab_admin)
    with winlab.scanner():
        copy = smb.put(payload, share, path)
        smb.close()
    landed = winlab.dir / "hosts" / "win-srv01" / on_disk
    assert landed.read_bytes() == payload.read_bytes()
    assert (copy.size, copy.sha256) == (len(payload.read_bytes()),
                                        hashlib.sha256(payload.read_bytes()).hexdigest())
    assert copy.remote.startswith("C:\\")


def _net_registry(lab: Lab, host: str, key: str, value: str) -> str:
    conf = lab.dir / "hosts" / host / "smb.conf"
    return lab.exec(["net", "-s", str(conf), "registry", "getvalue", key, value], host=host).stdout


def test_registry_read_and_write(winlab: Lab, lab_admin: Material) -> None:
    smb = login(winlab, "win-srv01", lab_admin)
    reg = Registry(smb)
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
            Registry(smb).write(r"HKLM\SOFTWARE\RMMKit\Test", "Deployed", "x")
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
