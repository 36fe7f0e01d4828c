"""materialize(): every credential kind shaped for its transport, masked, with named errors."""

from __future__ import annotations

import json

import pytest
from secrets_helpers import openssh_key

from rmmkit.declared.models import Credential, SecretRef
from rmmkit.errors import InputError, Location, SecretError
from rmmkit.secrets.adapters import impacket_credentials, paramiko_kwargs, pysnmp_auth
from rmmkit.secrets.credentials import kerberos_tickets, materialize
from rmmkit.secrets.values import Secret

NT = "8846f7eaee8fb117ad06bdd830b7586c"
LM = "aad3b435b51404eeaad3b435b51404ee"


@pytest.mark.parametrize(
    ("user", "domain", "want_user", "want_domain"),
    [
        ("ACME/admin", "", "admin", "ACME"),
        ("ACME\\admin", "", "admin", "ACME"),
        ("admin", "ACME", "admin", "ACME"),
        ("admin@acme.local", "", "admin@acme.local", ""),
    ],
)
def test_password_splits_domain_and_user(make_resolver, user, domain, want_user, want_domain):
    cred = Credential("dc", "password", user=user, domain=domain, secret=SecretRef("env", "PW"))
    m = materialize(cred, make_resolver(env={"PW": "pa55word"}))
    assert (m.user, m.domain, m.password.reveal()) == (want_user, want_domain, "pa55word")
    assert impacket_credentials(m) == {
        "password": "pa55word",
        "domain": want_domain,
        "lmhash": "",
        "nthash": "",
    }


def test_ntlm_hash_accepts_nt_or_lm_nt_and_rejects_malformed_without_quoting(make_resolver):
    resolver = make_resolver(env={"H1": NT.upper(), "H2": f"{LM}:{NT}", "BAD": "zz" + NT[2:]})
    one = materialize(
        Credential("h1", "ntlm_hash", user="A/u", secret=SecretRef("env", "H1")), resolver
    )
    assert one.nt_hash.reveal() == NT and one.lm_hash is None
    two = materialize(
        Credential("h2", "ntlm_hash", user="u", secret=SecretRef("env", "H2")), resolver
    )
    assert impacket_credentials(two)["lmhash"] == LM
    with pytest.raises(SecretError, match="credential 'bad': the NTLM hash is malformed") as info:
        materialize(
            Credential("bad", "ntlm_hash", user="u", secret=SecretRef("env", "BAD")), resolver
        )
    assert NT[2:] not in str(info.value)


def test_ssh_key_from_vault_text_with_passphrase_loads_in_memory(make_resolver, tmp_path):
    text = openssh_key("key-pass-123")
    resolver = make_resolver(env={"KEY": text, "KP": "key-pass-123", "BADKP": "nope-nope"})
    cred = Credential(
        "deploy",
        "ssh_key",
        user="root",
        secret=SecretRef("env", "KP"),
        extra={"key": {"source": "env", "key": "KEY"}},
    )
    m = materialize(cred, resolver)
    assert m.key.get_name() == "ssh-ed25519"
    assert paramiko_kwargs(m)["pkey"] is m.key
    bad = Credential(
        "deploy2",
        "ssh_key",
        user="root",
        secret=SecretRef("env", "BADKP"),
        extra={"key": {"source": "env", "key": "KEY"}},
    )
    with pytest.raises(SecretError, match="credential 'deploy2': the SSH key cannot be loaded"):
        materialize(bad, resolver)


def test_ssh_key_file_rsa_without_passphrase_and_missing_key(make_resolver, tmp_path):
    (tmp_path / "id_rsa").write_text(openssh_key(None, "rsa"))
    (tmp_path / "id_rsa").chmod(0o600)
    m = materialize(
        Credential("k", "ssh_key", user="u", extra={"key_file": "id_rsa"}), make_resolver()
    )
    assert m.key.get_name() == "ssh-rsa" and m.key_passphrase is None
    where = Location("inv.yml", 7, 3)
    with pytest.raises(InputError, match=r"inv.yml:7:3: credential 'nokey'.*needs a private key"):
        materialize(Credential("nokey", "ssh_key", user="u", location=where), make_resolver())


def test_snmp_v3_validates_protocols_and_key_length(make_resolver):
    resolver = make_resolver(env={"A": "auth-key-123", "P": "priv-key-123", "S": "short"})
    extra = {"priv_secret": {"source": "env", "key": "P"}, "auth_protocol": "SHA256"}
    ok = Credential("sw", "snmp_v3", user="mon", secret=SecretRef("env", "A"), extra=extra)
    m = materialize(ok, resolver)
    assert (m.auth_protocol, m.priv_protocol, m.priv_key.reveal()) == (
        "sha256",
        "aes",
        "priv-key-123",
    )
    assert "authKey=<AUTHKEY>" in repr(pysnmp_auth(m))
    where = Location("inv.yml", 12)
    bad_proto = Credential(
        "sw2",
        "snmp_v3",
        user="mon",
        secret=SecretRef("env", "A"),
        extra={"auth_protocol": "sha3"},
        location=where,
    )
    with pytest.raises(
        InputError,
        match=r"inv.yml:12:1: credential 'sw2': unknown auth_protocol \(expected one of none, md5",
    ):
        materialize(bad_proto, resolver)
    short = Credential("sw3", "snmp_v3", user="mon", secret=SecretRef("env", "S"))
    with pytest.raises(SecretError, match="auth key is shorter than 8 characters"):
        materialize(short, resolver)
    with pytest.raises(InputError, match="unknown kind 'telnet'"):
        materialize(Credential("t", "telnet"), resolver)


def test_community_and_missing_secret(make_resolver):
    resolver = make_resolver(env={"C": "c0mmunity"})
    m = materialize(Credential("ro", "snmp_community", secret=SecretRef("env", "C")), resolver)
    data = pysnmp_auth(m)
    assert data.communityName == "c0mmunity" and "c0mmunity" not in repr(data)
    with pytest.raises(SecretError, match=r"credential 'nopw' \(password\) needs a secret"):
        materialize(Credential("nopw", "password", user="u"), resolver)


def test_kerberos_ccache_is_parsed_from_memory(make_resolver, tmp_path):
    from impacket.krb5.ccache import CCache, Header, Principal

    cache = CCache()
    header = Header()
    header["tag"], header["taglen"], header["tagdata"] = 1, 8, b"\xff\xff\xff\xff\x00\x00\x00\x00"
    cache.headers = [header]
    principal = Principal()
    principal.fromPrincipal(_impacket_principal("alice", "ACME.LOCAL"))
    cache.principal = principal
    (tmp_path / "krb5cc").write_bytes(cache.getData())
    (tmp_path / "krb5cc").chmod(0o600)
    ccache = SecretRef("file", "krb5cc", {"binary": True})
    cred = Credential("kerb", "kerberos", extra={"ccache": ccache})
    m = materialize(cred, make_resolver())
    assert (m.user, m.domain) == ("alice", "ACME.LOCAL")
    with pytest.raises(SecretError, match="no usable ticket in the Kerberos cache"):
        kerberos_tickets(m, "cifs/dc.acme.local")
    (tmp_path / "junk").write_bytes(b"\x05\x04junk")
    (tmp_path / "junk").chmod(0o600)
    junk = Credential("junk", "kerberos", secret=SecretRef("file", "junk", {"binary": True}))
    with pytest.raises(SecretError, match="'junk': the Kerberos ticket cache is malformed"):
        materialize(junk, make_resolver())


def _impacket_principal(user: str, realm: str):
    from impacket.krb5 import constants, types

    return types.Principal(f"{user}@{realm}", type=constants.PrincipalNameType.NT_PRINCIPAL.value)


def test_material_masks_every_secret_in_repr_str_and_json(make_resolver):
    resolver = make_resolver(env={"A": "auth-key-xyz", "P": "priv-key-xyz"})
    cred = Credential(
        "sw",
        "snmp_v3",
        user="mon",
        secret=SecretRef("env", "A"),
        extra={"priv_secret": {"source": "env", "key": "P"}},
    )
    m = materialize(cred, resolver)
    for text in (repr(m), str(m), f"{m}", json.dumps({"m": m}, default=str)):
        assert "auth-key-xyz" not in text and "priv-key-xyz" not in text
    assert "auth_key=***" in repr(m)
    with pytest.raises(TypeError):
        import pickle

        pickle.dumps(m)
    assert isinstance(m.auth_key, Secret)
