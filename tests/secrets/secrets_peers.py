"""Real peers on loopback for the secrets tests: OpenSSH sshd and net-snmp snmpd.

Why loopback and not the lab: these tests prove that credential material
reaches paramiko and pysnmp intact; one daemon on 127.0.0.1 with a free port
is enough, starts in milliseconds and needs no namespace.  Each daemon is
ours: started here, stopped here by its PID.
"""

from __future__ import annotations

import contextlib
import getpass
import os
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

from rmmkit.lab.daemons import free_port, stop_daemon, wait_tcp

SSHD = shutil.which("sshd") or "/usr/sbin/sshd"
SNMPD = shutil.which("snmpd") or "/usr/sbin/snmpd"


@contextlib.contextmanager
def sshd(workdir: Path, authorized_keys: str) -> Iterator[tuple[int, str]]:
    """OpenSSH on 127.0.0.1:<free port> accepting ``authorized_keys`` for the current user."""
    workdir.mkdir(parents=True, exist_ok=True)
    host_key = workdir / "host_ed25519"
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(host_key)], check=True)
    (workdir / "authorized_keys").write_text(authorized_keys)
    port = free_port()
    config = workdir / "sshd_config"
    config.write_text(
        f"Port {port}\nListenAddress 127.0.0.1\nHostKey {host_key}\n"
        f"PidFile {workdir}/sshd.pid\nAuthorizedKeysFile {workdir}/authorized_keys\n"
        "PermitRootLogin prohibit-password\nPasswordAuthentication yes\n"
        "KbdInteractiveAuthentication no\nUsePAM no\nStrictModes no\nLogLevel VERBOSE\n"
    )
    Path("/run/sshd").mkdir(exist_ok=True)  # privilege-separation directory sshd insists on
    log = open(workdir / "sshd.log", "wb")  # noqa: SIM115 - closed below
    proc = subprocess.Popen([SSHD, "-D", "-e", "-f", str(config)], stdout=log, stderr=log)
    try:
        wait_tcp(port, proc)
        yield port, getpass.getuser()
    finally:
        stop_daemon(proc)
        log.close()


@contextlib.contextmanager
def snmpd(workdir: Path, config_lines: list[str]) -> Iterator[int]:
    """net-snmp snmpd on udp:127.0.0.1:<free port> with the given configuration lines."""
    workdir.mkdir(parents=True, exist_ok=True)
    conf = workdir / "snmpd.conf"
    conf.write_text("\n".join([*config_lines, "sysDescr rmmkit secrets test peer", ""]))
    port = free_port(socket.SOCK_DGRAM)
    env = {
        "PATH": os.environ.get("PATH", ""),
        "MIBS": "",
        "MIBDIRS": "/nonexistent",
        "SNMP_PERSISTENT_DIR": str(workdir / "persist"),
    }
    proc = subprocess.Popen(
        [
            SNMPD,
            "-f",
            "-r",
            "-I",
            "-smux",
            "-C",
            "-c",
            str(conf),
            "-Lf",
            str(workdir / "snmpd.log"),
            f"udp:127.0.0.1:{port}",
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 10
        while "NET-SNMP version" not in _read(workdir / "snmpd.log"):
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("snmpd did not start: " + _read(workdir / "snmpd.log")[-500:])
            time.sleep(0.05)
        yield port
    finally:
        stop_daemon(proc)


def _read(path: Path) -> str:
    try:
        return path.read_text(errors="replace")
    except FileNotFoundError:
        return ""


@contextlib.contextmanager
def smbd(workdir: Path, user: str, password: str) -> Iterator[int]:
    """Samba smbd on 127.0.0.1:<free port>, standalone, with one share and ``user``/``password``.

    The password reaches ``smbpasswd`` on stdin (never argv) and lives in a
    private tdbsam database under ``workdir``; the system's accounts are untouched.
    """
    dirs = {name: workdir / name for name in ("private", "lock", "state", "cache", "pid", "share")}
    for d in dirs.values():
        d.mkdir(parents=True, exist_ok=True)
    port = free_port()
    conf = workdir / "smb.conf"
    conf.write_text(
        "[global]\n  workgroup = ACME\n  netbios name = RMMSECRETS\n"
        "  server role = standalone server\n  security = user\n"
        f"  passdb backend = tdbsam:{dirs['private']}/passdb.tdb\n"
        f"  private dir = {dirs['private']}\n"
        f"  lock directory = {dirs['lock']}\n  state directory = {dirs['state']}\n"
        f"  cache directory = {dirs['cache']}\n  pid directory = {dirs['pid']}\n"
        f"  ncalrpc dir = {dirs['state']}/ncalrpc\n  smb ports = {port}\n"
        "  interfaces = 127.0.0.1\n  bind interfaces only = yes\n  disable netbios = yes\n"
        f"  log file = {workdir}/log.%m\n  map to guest = never\n  load printers = no\n"
        f"  server min protocol = SMB2\n[share]\n  path = {dirs['share']}\n  read only = yes\n"
    )
    subprocess.run(
        ["smbpasswd", "-c", str(conf), "-s", "-a", user],
        input=f"{password}\n{password}\n",
        text=True,
        check=True,
        capture_output=True,
    )
    log = open(workdir / "smbd.out", "wb")  # noqa: SIM115 - closed below
    proc = subprocess.Popen(
        ["smbd", "--foreground", "--no-process-group", "-s", str(conf), "--debug-stdout"],
        stdout=log,
        stderr=log,
        start_new_session=True,  # on exit smbd signals its whole process group: keep us out of it
    )
    try:
        wait_tcp(port, proc)
        yield port
    finally:
        stop_daemon(proc)
        log.close()
