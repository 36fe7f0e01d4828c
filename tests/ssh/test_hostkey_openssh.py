"""A refused host key means zero authentication attempts, as a real OpenSSH sshd logs them.

Why a private sshd on loopback: the lab's sshd logs at ``ERROR``, where an
authentication attempt leaves no trace; this one runs at ``DEBUG1``, where
sshd writes ``userauth-request … method …`` for every attempt (``none``
probes included) and ``KEX done`` once the key exchange — the moment our
client sees the host key — is over.  The positive control (a key accepted
by the site's policy) shows those lines do appear when we authenticate.
It listens on 127.0.0.1 only and is stopped by its PID.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import paramiko
import pytest

from rmmkit.declared.loader import load_inventory
from rmmkit.declared.models import Credential, ResolvedHost, SecretRef
from rmmkit.errors import AuthenticationError
from rmmkit.lab.daemons import free_port, stop_daemon, wait_tcp
from rmmkit.run.session import Session
from rmmkit.ssh.errors import HostKeyError
from rmmkit.ssh.knownhosts import fingerprint
from rmmkit.ssh.transport import SshTransport
from rmmkit.transports.base import ConnectionCache

from .helpers import plugins
from .peer import ed25519_key

SSHD = Path("/usr/sbin/sshd")
CONFIG = """\
ListenAddress 127.0.0.1:{port}
HostKey {key}
PidFile none
UsePAM no
PasswordAuthentication yes
KbdInteractiveAuthentication no
UseDNS no
LogLevel DEBUG1
"""
END_OF_CONNECTION = re.compile(r"^debug1: do_cleanup$", re.M)  # the monitor, after the session


@dataclass
class Sshd:
    port: int
    log: Path
    key: paramiko.PKey

    def offset(self) -> int:
        return self.log.stat().st_size

    def since(self, offset: int, connections: int, timeout: float = 15.0) -> str:
        """The log written after ``offset``, once ``connections`` sessions have ended."""
        deadline = time.monotonic() + timeout
        while True:
            with open(self.log, encoding="utf-8", errors="replace") as fh:
                fh.seek(offset)
                text = fh.read()
            if len(END_OF_CONNECTION.findall(text)) >= connections:
                return text
            if time.monotonic() > deadline:
                raise AssertionError(f"sshd logged {connections} session end(s)? got:\n{text}")
            time.sleep(0.05)


@pytest.fixture(scope="module")
def sshd(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Sshd]:
    if not SSHD.exists() or shutil.which("ssh-keygen") is None:
        pytest.skip("OpenSSH (openssh-server) is not installed: run scripts/bootstrap.sh")
    if os.geteuid() != 0:
        pytest.skip("sshd with privilege separation needs root")
    root = tmp_path_factory.mktemp("sshd")
    key = root / "host_key"
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(key)], check=True)
    port = free_port()
    (root / "sshd_config").write_text(CONFIG.format(port=port, key=key))
    Path("/run/sshd").mkdir(mode=0o755, exist_ok=True)  # sshd's privilege separation directory
    log = root / "sshd.log"
    proc = subprocess.Popen(
        [str(SSHD), "-D", "-E", str(log), "-f", str(root / "sshd_config")],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_tcp(port, proc)
        served = paramiko.Ed25519Key(filename=str(key))
        yield Sshd(port, log, served)
    finally:
        stop_daemon(proc)


def transport(tmp_path: Path, *, site: str, known: str = "") -> SshTransport:
    inv = tmp_path / "inventory.yml"
    inv.write_text(
        f"sites:\n  - {{name: hq, ranges: [127.0.0.0/24], ssh_host_keys: {site}}}\n"
        "hosts:\n  - {name: peer, address: 127.0.0.1}\n"
    )
    (tmp_path / "known_hosts").write_text(known)
    session = Session.create(
        inventory=load_inventory(inv, plugins()), plugins=plugins(), project_dir=tmp_path
    )
    return SshTransport(session)


def target(tmp_path: Path, port: int) -> ResolvedHost:
    secret = tmp_path / "pw"
    secret.write_text("not-a-real-password")
    secret.chmod(0o600)
    cred = Credential("c", "password", user="rmmkit-nobody", secret=SecretRef("file", str(secret)))
    return ResolvedHost(
        "peer", "127.0.0.1", site="hq", vars={"ssh_port": port}, credentials=(cred,)
    )


def connect(ssh: SshTransport, host: ResolvedHost) -> ConnectionCache:
    cache = ConnectionCache(host, lambda _n, h, t: ssh.open(h, timeout=t), timeout=10)
    cache.get("ssh")
    return cache


@pytest.mark.parametrize("case", ["strict, new host", "accept_new, changed key"])
def test_a_refused_key_reaches_no_authentication_in_sshd(
    sshd: Sshd, tmp_path: Path, case: str
) -> None:
    if case == "strict, new host":
        ssh, code = transport(tmp_path, site="strict"), "host_key_unknown"
    else:
        other = ed25519_key()
        pinned = f"[127.0.0.1]:{sshd.port} {other.get_name()} {other.get_base64()}\n"
        ssh, code = transport(tmp_path, site="accept_new", known=pinned), "host_key_changed"
    before = (tmp_path / "known_hosts").read_text()
    start = sshd.offset()
    with pytest.raises(HostKeyError) as err:
        connect(ssh, target(tmp_path, sshd.port))
    log = sshd.since(start, connections=1)
    assert err.value.code == code and fingerprint(sshd.key) in str(err.value)
    assert "KEX done" in log  # the peer was reached: it showed its key
    assert "userauth-request" not in log and "rmmkit-nobody" not in log  # and got no attempt
    assert (tmp_path / "known_hosts").read_text() == before


def test_positive_control_an_accepted_key_is_followed_by_authentication(
    sshd: Sshd, tmp_path: Path
) -> None:
    ssh = transport(tmp_path, site="accept_new")
    start = sshd.offset()
    with pytest.raises(AuthenticationError) as err:  # the user does not exist on this machine
        connect(ssh, target(tmp_path, sshd.port))
    log = sshd.since(start, connections=1)
    assert "userauth-request for user rmmkit-nobody" in log and "KEX done" in log
    assert err.value.code == "auth_failed"
    recorded = (tmp_path / "known_hosts").read_text()
    assert recorded == f"[127.0.0.1]:{sshd.port} ssh-ed25519 {sshd.key.get_base64()}\n"
