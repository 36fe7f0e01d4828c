"""Canary secrets against real peers: OpenSSH, net-snmp snmpd and Samba on loopback.

Each peer is driven to success, refusal and "unreachable" with canary
credentials, with paramiko/impacket logging at DEBUG; exception texts and
logs must hold none of them (docs/secrets.md, "Leak tests").
"""

from __future__ import annotations

import asyncio
import io
import logging

import pytest
from secrets_helpers import exception_texts, openssh_key
from secrets_peers import free_port, smbd, snmpd, sshd

from rmmkit.declared.models import Credential, SecretRef
from rmmkit.errors import AuthenticationError, UnreachableError
from rmmkit.plugin.manager import load_plugins
from rmmkit.secrets.adapters import impacket_login, paramiko_kwargs, pysnmp_auth
from rmmkit.secrets.canary import assert_no_canary
from rmmkit.secrets.credentials import materialize
from rmmkit.secrets.resolver import SecretResolver


@pytest.fixture(scope="module")
def ssh_peer(tmp_path_factory, canaries):
    import paramiko

    text = openssh_key(canaries[90])
    pub = paramiko.Ed25519Key.from_private_key(io.StringIO(text), password=canaries[90])
    workdir = tmp_path_factory.mktemp("sshd")
    with sshd(workdir, f"{pub.get_name()} {pub.get_base64()} canary-test\n") as (port, user):
        yield port, user, text


def _ssh(port: int, material) -> str:
    import paramiko

    client = paramiko.SSHClient()
    client.set_missing_host_key_policy(paramiko.AutoAddPolicy())  # a throwaway test peer
    try:
        client.connect(
            "127.0.0.1", port=port, timeout=5, banner_timeout=5, **paramiko_kwargs(material)
        )
        _, out, _ = client.exec_command("echo reached-$((40+2))")
        return out.read().decode().strip()
    finally:
        client.close()


def test_openssh_success_refusal_and_unreachable_leak_nothing(ssh_peer, canaries, caplog, tmp_path):
    import paramiko

    port, user, key_text = ssh_peer
    caplog.set_level(logging.DEBUG)
    env = {"KEY": key_text, "KP": canaries[90], "PW": canaries[91]}
    resolver = SecretResolver(load_plugins(entry_points=False).secret_sources, env=env)
    key_cred = Credential(
        "deploy",
        "ssh_key",
        user=user,
        secret=SecretRef("env", "KP"),
        extra={"key": {"source": "env", "key": "KEY"}},
    )
    assert _ssh(port, materialize(key_cred, resolver)) == "reached-42"  # success through OpenSSH
    texts = []
    pw_material = materialize(
        Credential("pw", "password", user=user, secret=SecretRef("env", "PW")), resolver
    )
    with pytest.raises(paramiko.AuthenticationException) as refused:
        _ssh(port, pw_material)
    texts.append(exception_texts(refused.value))
    texts.append(
        str(
            AuthenticationError(
                f"127.0.0.1: credential {pw_material.credential!r} refused", host="127.0.0.1"
            )
        )
    )
    with pytest.raises(OSError) as unreachable:
        _ssh(free_port(), pw_material)
    texts.append(exception_texts(unreachable.value))
    texts.append(str(UnreachableError("127.0.0.1: connection refused", host="127.0.0.1")))
    assert any("paramiko" in r.name for r in caplog.records)  # paramiko's DEBUG log was captured
    assert_no_canary("\n".join(texts), canaries, where="ssh exception texts")
    assert_no_canary(caplog.text, canaries, where="paramiko debug log")


def _snmp_get(port: int, auth) -> tuple[str, str]:
    from pysnmp.hlapi.v3arch.asyncio import (
        ContextData,
        ObjectIdentity,
        ObjectType,
        SnmpEngine,
        UdpTransportTarget,
        get_cmd,
    )

    async def go():
        target = await UdpTransportTarget.create(("127.0.0.1", port), timeout=0.5, retries=0)
        err, status, _, binds = await get_cmd(
            SnmpEngine(),
            auth,
            target,
            ContextData(),
            ObjectType(ObjectIdentity("1.3.6.1.2.1.1.1.0")),
        )
        return str(err or status or ""), " ".join(str(v) for _, v in binds)

    return asyncio.run(go())


def test_net_snmp_v3_and_community_success_and_refusal_leak_nothing(tmp_path, canaries, caplog):
    caplog.set_level(logging.DEBUG)
    auth, priv, wrong, community = canaries[92], canaries[93], canaries[94], canaries[95]
    lines = [
        f'createUser canaryuser SHA "{auth}" AES "{priv}"',
        "rouser canaryuser priv",
        f"rocommunity {community} 127.0.0.1",
    ]
    env = {"A": auth, "P": priv, "W": wrong, "C": community}
    resolver = SecretResolver(load_plugins(entry_points=False).secret_sources, env=env)
    good = materialize(
        Credential(
            "v3",
            "snmp_v3",
            user="canaryuser",
            secret=SecretRef("env", "A"),
            extra={"priv_secret": {"source": "env", "key": "P"}},
        ),
        resolver,
    )
    bad = materialize(
        Credential(
            "v3bad",
            "snmp_v3",
            user="canaryuser",
            secret=SecretRef("env", "W"),
            extra={"priv_secret": {"source": "env", "key": "P"}},
        ),
        resolver,
    )
    ro = materialize(Credential("ro", "snmp_community", secret=SecretRef("env", "C")), resolver)
    with snmpd(tmp_path / "snmpd", lines) as port:
        ok_err, ok_value = _snmp_get(port, pysnmp_auth(good))
        ro_err, ro_value = _snmp_get(port, pysnmp_auth(ro))
        bad_err, _ = _snmp_get(port, pysnmp_auth(bad))
    gone_err, _ = _snmp_get(free_port(), pysnmp_auth(good))
    assert (ok_err, ok_value) == ("", "rmmkit secrets test peer")
    assert (ro_err, ro_value) == ("", "rmmkit secrets test peer")
    assert bad_err and gone_err  # refused (wrong digest) and unreachable (no response)
    texts = [bad_err, gone_err, repr(pysnmp_auth(good)), repr(pysnmp_auth(ro)), caplog.text]
    assert_no_canary("\n".join(texts), canaries, where="snmp errors and reprs")


def _smb_login(port: int, material) -> str:
    from impacket.smbconnection import SMBConnection

    conn = SMBConnection("RMMSECRETS", "127.0.0.1", sess_port=port, timeout=5)
    try:
        impacket_login(conn, material)
        conn.connectTree("share")
        return conn.getServerName()
    finally:
        conn.close()


def test_samba_password_and_ntlm_hash_success_refusal_unreachable_leak_nothing(
    tmp_path, canaries, caplog
):
    from impacket.ntlm import compute_nthash

    caplog.set_level(logging.DEBUG)
    nt_hash = compute_nthash(canaries[76]).hex()
    env = {
        "PW": canaries[76],
        "NT": nt_hash,
        "LMNT": "aad3b435b51404eeaad3b435b51404ee:" + nt_hash,
        "WRONG": canaries[77],
    }
    resolver = SecretResolver(load_plugins(entry_points=False).secret_sources, env=env)

    def cred(name, kind, var):
        return materialize(
            Credential(name, kind, user="RMMSECRETS/root", secret=SecretRef("env", var)), resolver
        )

    texts = []
    with smbd(tmp_path / "smbd", "root", canaries[76]) as port:
        assert _smb_login(port, cred("pw", "password", "PW")).upper() == "RMMSECRETS"
        assert _smb_login(port, cred("nt", "ntlm_hash", "NT")).upper() == "RMMSECRETS"
        assert _smb_login(port, cred("lmnt", "ntlm_hash", "LMNT")).upper() == "RMMSECRETS"
        with pytest.raises(Exception, match="STATUS_LOGON_FAILURE") as refused:
            _smb_login(port, cred("wrong", "password", "WRONG"))
        texts.append(exception_texts(refused.value))
    with pytest.raises(Exception) as unreachable:
        _smb_login(free_port(), cred("pw2", "password", "PW"))
    texts.append(exception_texts(unreachable.value))
    blob = "\n".join([*texts, caplog.text])
    assert_no_canary(blob, canaries, where="impacket errors and debug log")
    assert nt_hash not in blob.lower()
