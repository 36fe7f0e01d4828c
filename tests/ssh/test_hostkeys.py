"""Host keys: pinned, unknown, changed, accept-new; a refused key sends no credential at all."""

from __future__ import annotations

import base64
import logging
from collections.abc import Iterator
from pathlib import Path

import paramiko
import pytest

from rmmkit.declared.models import Credential, ResolvedHost, SecretRef
from rmmkit.errors import AuthenticationError
from rmmkit.run.session import Session
from rmmkit.secrets.canary import Canaries, assert_no_canary
from rmmkit.ssh.errors import HostKeyError
from rmmkit.ssh.knownhosts import KnownHosts, fingerprint
from rmmkit.ssh.transport import SshTransport

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
