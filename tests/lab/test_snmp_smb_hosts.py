"""snmp and windows-smb hosts through net-snmp's snmpget, smbclient, nmblookup and impacket."""

from __future__ import annotations

from pathlib import Path

import pytest

from rmmkit.lab import Lab

pytestmark = pytest.mark.lab

SYS_OBJECT_ID = "1.3.6.1.2.1.1.2.0"
ENTERPRISES = {  # IANA private enterprise numbers of the recorded vendors
    "ups-apc": 318,
    "ups-eaton": 705,
    "sw-cisco": 9,
    "sw-hpe": 11,
    "rtr-juniper": 2636,
    "fw-paloalto": 25461,
    "fw-fortinet": 12356,
    "srv-w2003": 311,
    "printer": 11,
}


def snmpget(lab: Lab, address: str, *oids: str, community: str = "public") -> list[str]:
    proc = lab.exec(
        ["snmpget", "-v2c", "-c", community, "-t2", "-r1", "-On", "-Oqv", address, *oids]
    )
    assert proc.returncode == 0, proc.stderr
    return proc.stdout.splitlines()


def test_recordings_answer_with_their_vendor(lab: Lab) -> None:
    for name, enterprise in ENTERPRISES.items():
        host = lab.host(name)
        oid = snmpget(lab, host.address, SYS_OBJECT_ID)[0]
        assert oid.startswith(f".1.3.6.1.4.1.{enterprise}."), (name, oid)
        # The recording's own file name is a community too.
        assert (
            snmpget(lab, host.address, SYS_OBJECT_ID, community=host.facts["community"])[0] == oid
        )


def test_printer_mib(lab: Lab) -> None:
    address = lab.host("printer").address
    name, status, device, level, capacity, console = snmpget(
        lab,
        address,
        "1.3.6.1.2.1.43.5.1.1.16.1",  # prtGeneralPrinterName
        "1.3.6.1.2.1.25.3.5.1.1.1",  # hrPrinterStatus
        "1.3.6.1.2.1.25.3.2.1.5.1",  # hrDeviceStatus
        "1.3.6.1.2.1.43.11.1.1.9.1.1",  # prtMarkerSuppliesLevel
        "1.3.6.1.2.1.43.11.1.1.8.1.1",  # prtMarkerSuppliesMaxCapacity
        "1.3.6.1.2.1.43.16.5.1.2.1.1",  # prtConsoleDisplayBufferText
    )
    assert name == '"HP LaserJet Pro M404dn"'
    assert (status, device) == ("3", "3")  # idle, warning
    assert 0 <= int(level) < int(capacity)
    assert console == '"Cartridge low"'
    walk = lab.exec(["snmpwalk", "-v2c", "-c", "public", "-On", address, "1.3.6.1.2.1.43.11.1.1.6"])
    assert walk.stdout.count("STRING") == 2


def _v3_get(lab: Lab, conf_dir: Path, address: str, auth: str, priv: str, user: str) -> str:
    """snmpget v3 authPriv with the passphrases in an snmp.conf (0600), never on argv."""
    conf_dir.mkdir(exist_ok=True)
    conf = conf_dir / "snmp.conf"
    conf.write_text(
        f"defSecurityName {user}\ndefSecurityLevel authPriv\ndefAuthType SHA\n"
        f"defPrivType AES\ndefAuthPassphrase {auth}\ndefPrivPassphrase {priv}\n"
    )
    conf.chmod(0o600)
    proc = lab.exec(
        [
            "env",
            f"SNMPCONFPATH={conf_dir}",
            "snmpget",
            "-v3",
            "-t2",
            "-r0",
            "-Oqv",
            address,
            "1.3.6.1.2.1.1.5.0",
        ]
    )
    return proc.stdout.strip() if proc.returncode == 0 else f"error: {proc.stderr.strip()}"


def test_snmpd_v3_auth_priv(lab: Lab, tmp_path: Path) -> None:
    host = lab.host("nas-linux")
    v3 = host.facts["v3"]
    good = _v3_get(
        lab, tmp_path / "good", host.address, v3["auth_password"], v3["priv_password"], v3["user"]
    )
    assert good == '"nas-linux"'
    bad = _v3_get(
        lab, tmp_path / "bad", host.address, "not-the-password", v3["priv_password"], v3["user"]
    )
    assert bad.startswith("error:") and "nas-linux" not in bad
    assert snmpget(lab, host.address, "1.3.6.1.2.1.1.5.0") == ['"nas-linux"']


@pytest.fixture()
def smb_auth(lab: Lab, tmp_path: Path) -> Path:
    user = lab.host("win-srv01").users[0]
    path = tmp_path / "smb-auth"
    path.write_text(f"username={user.name}\npassword={user.password}\n")
    path.chmod(0o600)
    return path


def test_smb_shares_and_upload(lab: Lab, smb_auth: Path, tmp_path: Path) -> None:
    listing = lab.exec(
        ["smbclient", "-L", f"//{lab.host('win-srv01').address}", "-A", str(smb_auth)]
    )
    shares = {line.split()[0] for line in listing.stdout.splitlines() if "Disk" in line}
    assert {"ADMIN$", "C$"} <= shares, listing.stdout + listing.stderr
    no_admin = lab.exec(
        [
            "smbclient",
            f"//{lab.host('win-noadmin').address}/ADMIN$",
            "-A",
            str(smb_auth),
            "-c",
            "ls",
        ]
    )
    assert "NT_STATUS_BAD_NETWORK_NAME" in no_admin.stdout + no_admin.stderr
    payload = tmp_path / "rmmagent-setup.exe"
    payload.write_bytes(b"MZ lab installer")
    put = lab.exec(
        [
            "smbclient",
            f"//{lab.host('win-srv01').address}/ADMIN$",
            "-A",
            str(smb_auth),
            "-c",
            f"put {payload} Temp\\rmmagent-setup.exe",
        ]
    )
    assert put.returncode == 0, put.stderr
    landed = Path(lab.host("win-srv01").facts["drive"]) / "Windows" / "Temp" / "rmmagent-setup.exe"
    assert landed.read_bytes() == b"MZ lab installer"
    wrong = tmp_path / "wrong-auth"
    wrong.write_text("username=administrator\npassword=not-the-password\n")
    wrong.chmod(0o600)
    bad = lab.exec(["smbclient", "-L", f"//{lab.host('win-srv01').address}", "-A", str(wrong)])
    assert "NT_STATUS_LOGON_FAILURE" in bad.stdout + bad.stderr


def test_netbios_names(lab: Lab) -> None:
    status = lab.exec(["nmblookup", "-A", lab.host("win-ws02").address]).stdout
    assert "DESKTOP-WS02" in status and "<20>" in status


def _winreg(address: str, user: str, password: str, key: str, value: str) -> str:
    from impacket.dcerpc.v5 import rrp, transport

    rpc = transport.DCERPCTransportFactory(rf"ncacn_np:{address}[\pipe\winreg]")
    rpc.set_credentials(user, password, "", "", "")
    dce = rpc.get_dce_rpc()
    dce.connect()
    try:
        dce.bind(rrp.MSRPC_UUID_RRP)
        hklm = rrp.hOpenLocalMachine(dce)["phKey"]
        handle = rrp.hBaseRegOpenKey(dce, hklm, key)["phkResult"]
        return str(rrp.hBaseRegQueryValue(dce, handle, value)[1]).rstrip("\x00")
    finally:
        dce.disconnect()


def test_winreg_keys_and_winreg_off(lab: Lab) -> None:
    from impacket.smbconnection import SessionError

    srv = lab.host("win-srv01")
    user = srv.users[0]
    with lab.scanner():
        agent = _winreg(srv.address, user.name, user.password, r"SOFTWARE\RMMKit\Agent", "Version")
        product = _winreg(
            srv.address,
            user.name,
            user.password,
            r"SOFTWARE\WOW6432Node\Microsoft\Windows NT\CurrentVersion",
            "ProductName",
        )
        computer = _winreg(
            srv.address,
            user.name,
            user.password,
            r"SYSTEM\CurrentControlSet\Control\ComputerName\ComputerName",
            "ComputerName",
        )
        noreg = lab.host("win-noreg")
        with pytest.raises(SessionError, match="OBJECT_NAME_NOT_FOUND"):
            _winreg(noreg.address, user.name, user.password, r"SOFTWARE\RMMKit\Agent", "Version")
    assert (agent, product, computer) == ("3.2.0", "Windows Server 2019 Standard", "WIN-SRV01")
