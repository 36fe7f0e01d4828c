"""linux-ssh hosts: each state the agent deployer must meet, seen through real SSH clients."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import paramiko
import pytest

from rmmkit.lab import Lab

pytestmark = pytest.mark.lab

INVENTORY_ADMIN_PASSWORD = "Lab-Adm1n-Pass"  # what inventories/lab.yml's lab-admin resolves to


def connect(lab: Lab, host: str, user: str, password: str) -> paramiko.SSHClient:
    client = paramiko.SSHClient()
    client.set_missing_host_key_policy(paramiko.AutoAddPolicy())
    with lab.scanner():
        client.connect(
            lab.host(host).address,
            username=user,
            password=password,
            look_for_keys=False,
            allow_agent=False,
            timeout=10,
        )
    return client


def run(client: paramiko.SSHClient, command: str, stdin: str = "") -> tuple[int, str, str]:
    inp, out, err = client.exec_command(command, timeout=20)
    if stdin:
        inp.write(stdin)
        inp.channel.shutdown_write()
    code = out.channel.recv_exit_status()
    return code, out.read().decode(), err.read().decode()


def test_openssh_client_with_password_via_askpass(lab: Lab, tmp_path: Path) -> None:
    """OpenSSH's own client, password from a 0600 file through SSH_ASKPASS (not argv, not env)."""
    secret = tmp_path / "pw"
    secret.write_text(lab.host("lnx-noagent").user("admin").password)
    secret.chmod(0o600)
    askpass = tmp_path / "askpass"
    askpass.write_text(f"#!/bin/sh\ncat {secret}\n")
    askpass.chmod(stat.S_IRWXU)
    cmd = (
        f"SSH_ASKPASS={askpass} SSH_ASKPASS_REQUIRE=force DISPLAY=none setsid -w ssh "
        f"-o UserKnownHostsFile={lab.known_hosts} -o StrictHostKeyChecking=yes "
        f"-o PreferredAuthentications=password -o NumberOfPasswordPrompts=1 "
        f"admin@{lab.host('lnx-noagent').address} 'hostname; id -un'"
    )
    proc = lab.exec(cmd, timeout=30)
    assert proc.stdout.split() == ["lnx-noagent", "admin"], proc.stderr


def test_agent_states(lab: Lab) -> None:
    expected = {"lnx-noagent": None, "lnx-outdated": "2.9.1", "lnx-current": "3.2.0"}
    for host, version in expected.items():
        client = connect(lab, host, "admin", INVENTORY_ADMIN_PASSWORD)
        try:
            code, out, _ = run(client, "/opt/rmmagent/bin/rmmagent --version")
            if version is None:
                assert code == 127
            else:
                assert (code, out.strip()) == (0, f"rmmagent {version}")
                assert run(client, "test -f /etc/systemd/system/rmmagent.service")[0] == 0
        finally:
            client.close()


def test_wrong_password_and_second_credential(lab: Lab) -> None:
    with pytest.raises(paramiko.AuthenticationException):
        connect(lab, "lnx-wrongpw", "admin", INVENTORY_ADMIN_PASSWORD)
    with pytest.raises(paramiko.AuthenticationException):
        connect(lab, "lnx-secondcred", "admin", INVENTORY_ADMIN_PASSWORD)
    ops = lab.host("lnx-secondcred").user("ops")
    client = connect(lab, "lnx-secondcred", ops.name, ops.password)
    try:
        assert run(client, "sudo -n id -u")[1].strip() == "0"
    finally:
        client.close()


def test_key_only_host(lab: Lab) -> None:
    deploy = lab.host("lnx-keyonly").user("deploy")
    assert deploy.key
    client = paramiko.SSHClient()
    client.set_missing_host_key_policy(paramiko.AutoAddPolicy())
    with lab.scanner():
        client.connect(
            lab.host("lnx-keyonly").address,
            username="deploy",
            key_filename=str(lab.ssh_key),
            look_for_keys=False,
            allow_agent=False,
        )
    try:
        assert run(client, "id -un")[1].strip() == "deploy"
    finally:
        client.close()
    with pytest.raises(paramiko.AuthenticationException):
        connect(lab, "lnx-keyonly", "deploy", INVENTORY_ADMIN_PASSWORD)


def test_changed_host_key_is_detected(lab: Lab) -> None:
    known = paramiko.HostKeys(str(lab.known_hosts))
    for host, changed in (("lnx-hostkey", True), ("lnx-current", False)):
        address = lab.host(host).address
        with lab.scanner():
            transport = paramiko.Transport((address, 22))
        try:
            transport.start_client(timeout=10)
            served = transport.get_remote_server_key()
        finally:
            transport.close()
        assert (known.check(address, served) is False) is changed, host


def test_sudo_with_password_and_refused(lab: Lab) -> None:
    client = connect(lab, "lnx-noagent", "admin", INVENTORY_ADMIN_PASSWORD)
    try:
        assert run(client, "sudo -n true")[0] != 0  # needs the password …
        code, out, _ = run(client, "sudo -S -p '' id -u", stdin=INVENTORY_ADMIN_PASSWORD + "\n")
        assert (code, out.strip()) == (0, "0")  # … and accepts it
    finally:
        client.close()
    client = connect(lab, "lnx-nosudo", "admin", INVENTORY_ADMIN_PASSWORD)
    try:
        code, _, err = run(client, "sudo -S -p '' id -u", stdin=INVENTORY_ADMIN_PASSWORD + "\n")
        assert code != 0 and "not in the sudoers file" in err
    finally:
        client.close()


def test_disk_full_for_the_installer(lab: Lab) -> None:
    payload = os.urandom(256 * 1024)
    client = connect(lab, "lnx-diskfull", "admin", INVENTORY_ADMIN_PASSWORD)
    try:
        sftp = client.open_sftp()
        with pytest.raises(OSError), sftp.open("/tmp/rmmagent-installer.bin", "wb") as fh:
            fh.write(payload)
        sftp.close()
    finally:
        client.close()
    client = connect(lab, "lnx-current", "admin", INVENTORY_ADMIN_PASSWORD)
    try:
        sftp = client.open_sftp()
        with sftp.open("/tmp/rmmagent-installer.bin", "wb") as fh:
            fh.write(payload)
        assert sftp.stat("/tmp/rmmagent-installer.bin").st_size == len(payload)
        sftp.close()
    finally:
        client.close()
    # Each host has its own /tmp: the copy on lnx-current is not visible next door.
    assert (
        lab.exec(["test", "-e", "/tmp/rmmagent-installer.bin"], host="lnx-noagent").returncode == 1
    )
