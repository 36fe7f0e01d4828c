"""Real SNMP peers for the SNMP tests: snmpsim (recordings) and net-snmp snmpd (v2c + v3).

Both listen on 127.0.0.1 at random free UDP ports, are started once per
session and stopped by PID.  Nothing leaves loopback.
"""

from __future__ import annotations

import os
import socket
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from rmmkit.lab.daemons import free_port, stop_daemon
from rmmkit.lab.fixtures import require
from rmmkit.lab.requirements import File
from rmmkit.secrets.values import Secret
from rmmkit.snmp.auth import SnmpAuth

from .recordings import DATA, RECORDINGS, write_served_copy

V3_USER = "rmksv3"
V3_AUTH = "rmks-auth-passphrase"
V3_PRIV = "rmks-priv-passphrase"
V2C_COMMUNITY = "rmks-lab-community"
# (auth, priv) pairs net-snmp 5.9 speaks besides the default SHA-256/AES; one user each
V3_PROTOCOL_PAIRS = (
    ("SHA", "AES"),
    ("SHA-224", "AES-192"),
    ("SHA-384", "AES-256"),
    ("SHA-512", "AES-256"),
    ("MD5", "DES"),
)


def v3_pair_user(auth: str, priv: str) -> str:
    return f"rmks-{auth}-{priv}".lower().replace("-", "")


def free_udp_port() -> int:
    return free_port(socket.SOCK_DGRAM)


def wait_answers(port: int, community: str, deadline: float) -> None:
    """Poll with a v2c GET of sysObjectID until the agent answers (or fail)."""
    from rmmkit.snmp.client import SnmpOptions, run_sync

    auth = SnmpAuth.v2c(community)
    opts = SnmpOptions(port=port, timeout=0.5, retries=0)
    while True:
        try:
            run_sync(lambda c: c.get("127.0.0.1", auth, ["1.3.6.1.2.1.1.2.0"]), opts)
            return
        except Exception:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.3)


stop = stop_daemon  # by PID: TERM, then KILL after 5 s
# The snmpsim-data recordings snmpsim serves here (the printers are the repository's own).
RECORDING_FILES = tuple(
    File(str(path), pip="snmpsim-data", extra="lab", why=f"recording {community}")
    for community, (path, _) in RECORDINGS.items()
    if DATA in path.parents
)


@dataclass(frozen=True)
class Agent:
    host: str
    port: int


@pytest.fixture(scope="session")
def snmpsim_agent(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Agent]:
    require("snmp", extra=RECORDING_FILES, title="tests/snmp recordings")
    base = tmp_path_factory.mktemp("snmpsim")
    data = base / "data"
    data.mkdir()
    for community in RECORDINGS:
        write_served_copy(community, data)
    port = free_udp_port()
    env = {**os.environ, "SNMPSIM_ALLOW_ROOT": "true"}
    proc = subprocess.Popen(
        [
            "snmpsim-command-responder",
            f"--data-dir={data}",
            f"--cache-dir={base / 'cache'}",
            f"--agent-udpv4-endpoint=127.0.0.1:{port}",
            f"--agent-udpv4-endpoint=127.0.0.2:{port}",  # a second address for multi-host runs
            "--logging-method=null",
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_answers(port, "linux-slackware", time.monotonic() + 60)
        yield Agent("127.0.0.1", port)
    finally:
        stop(proc)


@pytest.fixture(scope="session")
def snmpd_agent(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Agent]:
    require("snmp")  # snmpd, snmpsim, snmpsim-data (rmmkit lab doctor --kind snmp)
    base = tmp_path_factory.mktemp("snmpd")
    port = free_udp_port()
    conf = base / "snmpd.conf"
    conf.write_text(
        f"agentAddress udp:127.0.0.1:{port}\n"
        f"rocommunity {V2C_COMMUNITY} 127.0.0.1\n"
        f"createUser {V3_USER} SHA-256 {V3_AUTH} AES {V3_PRIV}\n"
        f"rouser {V3_USER} priv\n"
        + "".join(
            f"createUser {v3_pair_user(a, p)} {a} {V3_AUTH} {p} {V3_PRIV}\n"
            f"rouser {v3_pair_user(a, p)} priv\n"
            for a, p in V3_PROTOCOL_PAIRS
        )
        + "sysServices 72\n"
    )
    proc = subprocess.Popen(
        ["snmpd", "-f", "-Lo", "-C", "-c", str(conf), f"--persistentDir={base / 'persist'}"],
        env={**os.environ, "MIBS": ""},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_answers(port, V2C_COMMUNITY, time.monotonic() + 20)
        yield Agent("127.0.0.1", port)
    finally:
        stop(proc)


@pytest.fixture()
def v3_auth() -> SnmpAuth:
    return SnmpAuth.v3(
        V3_USER,
        Secret(V3_AUTH),
        Secret(V3_PRIV),
        auth_protocol="SHA-256",
        priv_protocol="AES",
        name="lab-v3",
    )


@pytest.fixture()
def v2c_auth() -> SnmpAuth:
    return SnmpAuth.v2c(Secret(V2C_COMMUNITY), name="lab-v2c")


def recording_path(community: str) -> Path:
    return RECORDINGS[community][0]


ENGINES = ("native", "pysnmp")  # the v1/v2c engines (rmmkit.snmp.client.ENGINES)


@pytest.fixture(params=ENGINES)
def engine(request: pytest.FixtureRequest) -> str:
    """Run a v1/v2c test once per engine: both must behave the same against real agents."""
    return str(request.param)
