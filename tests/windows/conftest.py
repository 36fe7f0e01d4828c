"""The Windows area's lab: Samba hosts, a filtered host, and the impacket SCMR peer.

Why its own small lab (tests/windows/topology.yml) instead of the default
one: six hosts start in ~3 s.  The lab user of ``win-srv01`` is declared
``admin: true`` there (BUILTIN\\Administrators: Samba only lets administrators
write the registry or create-access the SCM; ``win-noadmin`` keeps a plain
user).  One thing is added here, test-side: the SCMR peer is started inside
``win-peer``'s namespaces and stopped by its PID.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from rmmkit.lab import Lab, netns
from rmmkit.lab.fixtures import lab_unavailable_reason, require
from rmmkit.secrets.credentials import Material
from rmmkit.secrets.values import Secret

from .addc import DomainController
from .addc import start as start_dc
from .addc import stop as stop_dc

HERE = Path(__file__).resolve().parent
TOPOLOGY = HERE / "topology.yml"
PEER_PASSWORD = "Peer-Adm1n-Pass"  # fake, test-only; reaches the peer on its stdin
HOSTS = ("win-srv01", "win-noadmin", "win-peer")
INSTALLED = r"C:\Program Files\RMMKit Agent\installed.txt"
SCRIPT = """#!/bin/sh
# lab installer: records where it ran (host name and addresses of its namespace)
mkdir -p "../../../Program Files/RMMKit Agent"
{ echo "rmmagent 3.2.0"; hostname; ip -o -4 addr show | awk '{print $4}'; } \\
  > "../../../Program Files/RMMKit Agent/installed.txt"
exit ${1:-0}
"""


def start_peer(lab: Lab) -> int:
    info = lab.host("win-peer")
    root = lab.dir / "hosts" / "win-peer" / "C"
    root.mkdir(exist_ok=True)
    ns = lab.dir / "ns"
    prefix = netns.enter_argv(info.netns, ns / "win-peer.mnt", ns / "win-peer.uts")
    log = lab.dir / "hosts" / "win-peer" / "log" / "scm_peer.log"
    # The host has a private /tmp (and the checkout may live under /tmp, as in CI):
    # run a copy kept in the lab's own directory, which every host can see.
    script = lab.dir / "hosts" / "win-peer" / "scm_peer.py"
    shutil.copyfile(HERE / "peers" / "scm_peer.py", script)
    proc = netns.spawn(
        [
            sys.executable,
            str(script),
            info.address,
            str(root),
            "administrator",
        ],
        prefix,
        log,
        stdin_text=PEER_PASSWORD + "\n",
    )
    deadline = time.monotonic() + 20
    while "listening" not in (log.read_text() if log.exists() else ""):
        if proc.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError(f"scm peer did not start: {log.read_text()[-400:]}")
        time.sleep(0.05)
    return proc.pid


@pytest.fixture(scope="session")
def winlab() -> Iterator[Lab]:
    reason = lab_unavailable_reason()
    if reason:
        pytest.skip(reason)
    require(topology_file=TOPOLOGY)  # missing packages fail here, one line each
    lab = Lab.up(TOPOLOGY, name=f"rmkw{os.getpid() % 100000}")
    peer_pid = 0
    try:
        peer_pid = start_peer(lab)
        yield lab
    finally:
        if peer_pid:
            netns.stop_pids([peer_pid], lab.host("win-peer").netns)
        lab.down()


@pytest.fixture(scope="session")
def addc(winlab: Lab) -> Iterator[DomainController]:
    """Samba's AD domain controller in ``win-dc`` (a real KDC), for the Kerberos tests."""
    require("ad-dc")  # samba-ad-provision, samba-dsdb-modules, krb5-user … (rmmkit lab doctor)
    dc = start_dc(winlab)
    try:
        yield dc
    finally:
        stop_dc(dc)


def password(name: str, value: str, user: str = "administrator") -> Material:
    return Material(credential=name, kind="password", user=user, password=Secret(value))


@pytest.fixture(scope="session")
def lab_admin(winlab: Lab) -> Material:
    user = winlab.host("win-srv01").users[0]
    return password("lab-admin", user.password, user.name)


@pytest.fixture(scope="session")
def peer_admin() -> Material:
    return password("peer-admin", PEER_PASSWORD)


@pytest.fixture(scope="session")
def inventory(winlab: Lab, tmp_path_factory: pytest.TempPathFactory) -> Path:
    d = tmp_path_factory.mktemp("wininv")
    (d / "lab.pw").write_text(winlab.host("win-srv01").users[0].password)
    (d / "peer.pw").write_text(PEER_PASSWORD)
    for name in ("lab.pw", "peer.pw"):
        (d / name).chmod(0o600)
    (d / "setup.cmd").write_text(SCRIPT)
    sha = hashlib.sha256((d / "setup.cmd").read_bytes()).hexdigest()
    hosts = "\n".join(
        f"  - {{name: {h}, address: {winlab.host(h).address}, vars: {{os: windows}}}}"
        for h in HOSTS
    )
    (d / "inventory.yml").write_text(f"""\
credentials:
  - {{name: lab-admin, kind: password, user: WORKGROUP/administrator,
     secret: {{source: file, key: {d}/lab.pw}}}}
  - {{name: peer-admin, kind: password, user: administrator,
     secret: {{source: file, key: {d}/peer.pw}}}}
agents:
  - name: rmmagent
    version: "3.2.0"
    installers: [{{os: windows, arch: any, path: setup.cmd, sha256: "{sha}"}}]
    commands: {{install: "{{{{ installer }}}}"}}
    detect: {{registry: 'HKLM\\SOFTWARE\\RMMKit\\Agent\\Version'}}
  - name: peeragent
    version: "3.2.0"
    installers: [{{os: windows, arch: any, path: setup.cmd, sha256: "{sha}"}}]
    commands: {{install: "{{{{ installer }}}}"}}
    detect: {{file: '{INSTALLED}'}}
sites:
  - name: winlab
    ranges: [10.79.7.0/24]
    credentials: [lab-admin, peer-admin]
hosts:
{hosts}
""")
    return d / "inventory.yml"
