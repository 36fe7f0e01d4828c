"""Host keys: pinned, unknown, changed, accept-new; a refused key sends no credential at all."""

from __future__ import annotations

import base64
import json
import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import paramiko
import pytest

from rmmkit.declared.loader import load_inventory
from rmmkit.declared.models import (
    Credential,
    OutputSpec,
    Playbook,
    ResolvedHost,
    SecretRef,
    Targets,
    Task,
)
from rmmkit.errors import AuthenticationError
from rmmkit.results import Status
from rmmkit.run.options import RunOptions
from rmmkit.run.session import Session
from rmmkit.run.start import run_playbook
from rmmkit.secrets.canary import Canaries, assert_no_canary
from rmmkit.ssh.errors import HostKeyError
from rmmkit.ssh.knownhosts import KnownHosts, fingerprint
from rmmkit.ssh.transport import SshTransport
from rmmkit.transports.base import ConnectionCache

from .helpers import plugins
from .peer import Peer, ed25519_key

CANARIES = Canaries(4)


def line(name: str, key: paramiko.PKey) -> str:
    return f"{name} {key.get_name()} {key.get_base64()}\n"


@pytest.fixture
def peer() -> Iterator[Peer]:
    p = Peer(ed25519_key(), CANARIES[0])
    yield p
    p.close()


def transport(tmp_path: Path, known: str, *, accept_new: bool = False) -> SshTransport:
    (tmp_path / "known_hosts").write_text(known)
    session = Session.create(
        plugins=plugins(),
        project_dir=tmp_path,
        settings={"known_hosts": str(tmp_path / "known_hosts"), "accept_new_host_keys": accept_new},
    )
    return SshTransport(session)


def host(tmp_path: Path, port: int, password_index: int = 0) -> ResolvedHost:
    secret = tmp_path / "pw"
    secret.write_text(CANARIES[password_index])
    secret.chmod(0o600)
    cred = Credential("peer-cred", "password", user="admin", secret=SecretRef("file", str(secret)))
    return ResolvedHost("peer", "127.0.0.1", vars={"ssh_port": port}, credentials=(cred,))


@pytest.fixture(autouse=True)
def debug_logs(caplog: pytest.LogCaptureFixture) -> Iterator[None]:
    """paramiko and rmmkit at DEBUG (as with -vvv): no canary may appear in any record."""
    caplog.set_level(logging.DEBUG)
    yield
    assert_no_canary(caplog.text, CANARIES, where="debug logs")


def test_changed_key_sends_no_password(tmp_path: Path, peer: Peer) -> None:
    pinned = ed25519_key()  # what known_hosts remembers: not the key the peer serves
    ssh = transport(tmp_path, line(f"[127.0.0.1]:{peer.port}", pinned))
    with pytest.raises(HostKeyError) as err:
        ssh.open(host(tmp_path, peer.port), timeout=5)
    peer.settle()
    assert err.value.code == "host_key_changed"
    assert fingerprint(peer.key) in str(err.value)
    assert peer.recorder.attempts == []  # not even a "none" probe reached the server
    assert_no_canary(str(err.value), CANARIES, where="the error")


def test_pinned_key_logs_in_and_the_peer_sees_the_password(tmp_path: Path, peer: Peer) -> None:
    """Positive control: with the right key the same peer does receive the password."""
    ssh = transport(tmp_path, line(f"[127.0.0.1]:{peer.port}", peer.key))
    conn = ssh.open(host(tmp_path, peer.port), timeout=5)
    conn.close()
    assert ("password", "admin", CANARIES[0]) in peer.recorder.attempts


def test_unknown_key_is_refused_unless_accept_new(tmp_path: Path, peer: Peer) -> None:
    ssh = transport(tmp_path, "")
    with pytest.raises(HostKeyError) as err:
        ssh.open(host(tmp_path, peer.port), timeout=5)
    peer.settle()
    assert err.value.code == "host_key_unknown" and peer.recorder.attempts == []
    assert (tmp_path / "known_hosts").read_text() == ""
    ssh = transport(tmp_path, "", accept_new=True)
    ssh.open(host(tmp_path, peer.port), timeout=5).close()
    recorded = (tmp_path / "known_hosts").read_text()
    assert recorded == line(f"[127.0.0.1]:{peer.port}", peer.key)
    again = transport(tmp_path, recorded)  # no accept-new: the recorded key is now pinned
    again.open(host(tmp_path, peer.port), timeout=5).close()


def test_accept_new_never_overrides_a_changed_key(tmp_path: Path, peer: Peer) -> None:
    ssh = transport(tmp_path, line(f"[127.0.0.1]:{peer.port}", ed25519_key()), accept_new=True)
    with pytest.raises(HostKeyError):
        ssh.open(host(tmp_path, peer.port), timeout=5)
    peer.settle()
    assert peer.recorder.attempts == []


def test_wrong_password_is_an_authentication_error_without_the_secret(
    tmp_path: Path, peer: Peer
) -> None:
    ssh = transport(tmp_path, line(f"[127.0.0.1]:{peer.port}", peer.key))
    with pytest.raises(AuthenticationError) as err:
        ssh.open(host(tmp_path, peer.port, password_index=1), timeout=5)
    assert err.value.code == "auth_failed" and "peer-cred" in str(err.value)
    assert_no_canary(repr(err.value) + str(err.value.causes), CANARIES, where="the error")


def test_known_hosts_patterns(tmp_path: Path) -> None:
    k1, k2, k3 = ed25519_key(), ed25519_key(), ed25519_key()
    hashed = paramiko.HostKeys.hash_host("10.0.0.9")
    path = tmp_path / "known_hosts"
    path.write_text(
        "# comment\n"
        + line("10.88.*.*,!10.88.0.13", k1)
        + line(hashed, k2)
        + line("[10.0.0.7]:2222", k3)
        + "@revoked 10.77.* "
        f"{k3.get_name()} {k3.get_base64()}\n" + "garbage\n"
    )
    known = KnownHosts(path)
    assert known.verify("10.88.4.5", 22, k1) == "known"
    with pytest.raises(HostKeyError):  # negated: the wildcard does not cover .13
        known.verify("10.88.0.13", 22, k1)
    assert known.verify("10.0.0.9", 22, k2) == "known"
    assert known.verify("10.0.0.7", 2222, k3) == "known"
    with pytest.raises(HostKeyError) as err:
        known.verify("10.0.0.7", 22, k3)
    assert err.value.code == "host_key_unknown"
    with pytest.raises(HostKeyError) as err:
        known.verify("10.77.1.1", 22, k3)
    assert "revoked" in str(err.value)
    digest = base64.b64decode(fingerprint(k1)[7:] + "=")
    assert len(digest) == 32


# --- the declared policy: ssh_host_keys strict | accept_new (site, host, --accept-new-host-keys)

POLICY_INVENTORY = """\
sites:
  - name: hq
    ranges: [127.0.0.0/24]
    ssh_host_keys: {site}
hosts:
  - name: peer
    address: 127.0.0.1
{host_line}"""


def policy_transport(
    tmp_path: Path, *, site: str, host_policy: str = "", flag: bool = False, known: str = ""
) -> tuple[SshTransport, Path]:
    """A transport whose session holds a real inventory (loaded and schema-checked)."""
    inv = tmp_path / "inventory.yml"
    host_line = f"    ssh_host_keys: {host_policy}\n" if host_policy else ""
    inv.write_text(POLICY_INVENTORY.format(site=site, host_line=host_line))
    (tmp_path / "known_hosts").write_text(known)
    session = Session.create(
        inventory=load_inventory(inv, plugins()),
        plugins=plugins(),
        project_dir=tmp_path,
        settings={"accept_new_host_keys": flag},
    )
    return SshTransport(session), inv


def policy_host(tmp_path: Path, port: int, password_index: int = 0) -> ResolvedHost:
    base = host(tmp_path, port, password_index)
    return ResolvedHost(
        "peer", "127.0.0.1", site="hq", vars=base.vars, credentials=base.credentials
    )


def open_in_cache(ssh: SshTransport, target: ResolvedHost) -> tuple[ConnectionCache, Any]:
    """Open through a connection cache, as the runner does: notices land in the cache."""
    cache = ConnectionCache(target, lambda _n, h, t: ssh.open(h, timeout=t), timeout=5)
    return cache, cache.get("ssh")


def test_site_accept_new_records_the_key_and_tells_the_task(tmp_path: Path, peer: Peer) -> None:
    ssh, inv = policy_transport(tmp_path, site="accept_new")
    cache, conn = open_in_cache(ssh, policy_host(tmp_path, peer.port))
    conn.close()
    (notice,) = cache.take_notices()
    where = f"127.0.0.1:{peer.port}"
    assert notice.message == (
        f"accepted new host key ssh-ed25519 {fingerprint(peer.key)} for {where} "
        f"(policy accept_new from site hq, {inv}:4:5)"
    )
    assert notice.data["policy_from"] == f"site hq, {inv}:4:5"
    assert notice.data["fingerprint"] == fingerprint(peer.key)
    recorded = (tmp_path / "known_hosts").read_text()
    assert recorded == line(f"[127.0.0.1]:{peer.port}", peer.key)
    assert ("password", "admin", CANARIES[0]) in peer.recorder.attempts  # it was reached
    again, conn = open_in_cache(ssh, policy_host(tmp_path, peer.port))
    conn.close()
    assert again.take_notices() == []  # pinned now: nothing new to tell


@pytest.mark.parametrize(
    ("site", "host_policy", "cause"),
    [
        ("strict", "", "ssh_host_keys: strict is declared for it (site hq, "),
        ("accept_new", "strict", "ssh_host_keys: strict is declared for it (host peer, "),
    ],
)
def test_strict_refuses_a_new_host_before_any_authentication(
    tmp_path: Path, peer: Peer, site: str, host_policy: str, cause: str
) -> None:
    ssh, inv = policy_transport(tmp_path, site=site, host_policy=host_policy)
    cache = ConnectionCache(
        policy_host(tmp_path, peer.port), lambda _n, h, t: ssh.open(h, timeout=t), timeout=5
    )
    with pytest.raises(HostKeyError) as err:
        cache.get("ssh")
    peer.settle()
    assert err.value.code == "host_key_unknown" and "unknown host key" in str(err.value)
    assert err.value.causes[0].startswith(cause) and str(inv) in err.value.causes[0]
    assert peer.recorder.attempts == []  # not even a "none" probe
    assert (tmp_path / "known_hosts").read_text() == "" and cache.take_notices() == []


def test_accept_new_refuses_a_changed_key_before_any_authentication(
    tmp_path: Path, peer: Peer
) -> None:
    pinned = line(f"[127.0.0.1]:{peer.port}", ed25519_key())
    ssh, _ = policy_transport(tmp_path, site="accept_new", known=pinned)
    cache = ConnectionCache(
        policy_host(tmp_path, peer.port), lambda _n, h, t: ssh.open(h, timeout=t), timeout=5
    )
    with pytest.raises(HostKeyError) as err:
        cache.get("ssh")
    peer.settle()
    assert err.value.code == "host_key_changed" and peer.recorder.attempts == []
    assert (tmp_path / "known_hosts").read_text() == pinned and cache.take_notices() == []


def test_host_and_flag_override_the_site(tmp_path: Path, peer: Peer) -> None:
    ssh, inv = policy_transport(tmp_path, site="strict", host_policy="accept_new")
    cache, conn = open_in_cache(ssh, policy_host(tmp_path, peer.port))
    conn.close()
    assert f"(policy accept_new from host peer, {inv}:8:5)" in cache.take_notices()[0].message
    ssh, _ = policy_transport(tmp_path, site="strict", host_policy="strict", flag=True)
    cache, conn = open_in_cache(ssh, policy_host(tmp_path, peer.port))
    conn.close()
    assert cache.take_notices()[0].message.endswith(
        "(policy accept_new from --accept-new-host-keys)"
    )


def test_a_key_accepted_before_a_refused_login_is_still_told(tmp_path: Path, peer: Peer) -> None:
    ssh, _ = policy_transport(tmp_path, site="accept_new")
    cache = ConnectionCache(
        policy_host(tmp_path, peer.port, password_index=1),
        lambda _n, h, t: ssh.open(h, timeout=t),
        timeout=5,
    )
    with pytest.raises(AuthenticationError):
        cache.get("ssh")
    (notice,) = cache.take_notices()
    assert notice.kind == "host_key_accepted" and fingerprint(peer.key) in notice.message
    assert (tmp_path / "known_hosts").read_text() == line(f"[127.0.0.1]:{peer.port}", peer.key)


def test_the_runner_puts_the_notice_in_a_failed_result_too(tmp_path: Path, peer: Peer) -> None:
    """Key recorded, then the login refused: the FAILED result still says the key was recorded."""
    secret = tmp_path / "pw"
    secret.write_text(CANARIES[1])  # not the peer's password
    secret.chmod(0o600)
    inv = tmp_path / "inventory.yml"
    inv.write_text(
        "credentials:\n"
        f"  - {{name: c, kind: password, user: admin, secret: {{source: file, key: {secret}}}}}\n"
        "sites:\n"
        "  - {name: hq, ranges: [127.0.0.0/24], credentials: [c], ssh_host_keys: accept_new}\n"
        f"hosts:\n  - {{name: peer, address: 127.0.0.1, vars: {{ssh_port: {peer.port}}}}}\n"
    )
    events = tmp_path / "run.jsonl"
    session = Session.create(
        inventory=load_inventory(inv, plugins()), plugins=plugins(), project_dir=tmp_path
    )
    playbook = Playbook(
        path="<test>",
        name="t",
        targets=Targets(hosts=("peer",)),
        tasks=(Task(name="facts", action="collect_facts"),),
    )
    with session:
        result = run_playbook(
            session,
            playbook,
            RunOptions(timeout=30, connect_timeout=5),
            outputs=[OutputSpec("jsonl", {"file": str(events)})],
        )
    (got,) = result.hosts["peer"].results
    said = f"accepted new host key ssh-ed25519 {fingerprint(peer.key)} for 127.0.0.1:{peer.port}"
    assert got.status is Status.FAILED
    assert (
        got.msg.startswith(said) and "; peer: SSH login refused for c (admin, password)" in got.msg
    )
    (streamed,) = [json.loads(x) for x in events.read_text().splitlines() if "task_result" in x]
    assert streamed["msg"] == got.msg and streamed["data"]["notices"][0]["kind"] == (
        "host_key_accepted"
    )
    assert_no_canary(events.read_text() + got.msg, CANARIES, where="the run's output")
