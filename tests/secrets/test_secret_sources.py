"""The built-in sources and the resolver: values, caching, and errors that name, never quote."""

from __future__ import annotations

import sys
import threading

import pytest
from secrets_helpers import FAST_KDF, MemoryKeyring

from rmmkit.declared.models import Credential, SecretRef
from rmmkit.errors import SecretError, UnknownReference, VaultError
from rmmkit.plugin.manager import load_plugins
from rmmkit.plugin.spec import hookimpl
from rmmkit.secrets.resolver import SecretResolver
from rmmkit.secrets.sources import SecretSource
from rmmkit.secrets.values import Secret
from rmmkit.secrets.vault import Vault, encrypt_string


def test_builtin_plugin_registers_the_four_sources(plugins):
    assert list(plugins.secret_sources) == ["env", "file", "keyring", "vault"]
    assert plugins.secret_sources.owner("vault") == "rmmkit.secrets.builtin"


def test_env_source_reads_and_names_missing_variables(make_resolver):
    resolver = make_resolver(env={"HQ_PW": "s3cret-env", "EMPTY": ""})
    assert resolver.resolve(SecretRef("env", "HQ_PW")).reveal() == "s3cret-env"
    with pytest.raises(SecretError, match=r"credential 'hq': env source: .*HQ_MISSING is not set"):
        resolver.resolve(SecretRef("env", "HQ_MISSING"), credential="hq")
    with pytest.raises(SecretError, match="EMPTY is empty"):
        resolver.resolve(SecretRef("env", "EMPTY"))


def test_file_source_strips_newline_refuses_shared_files_and_reads_binary(make_resolver, tmp_path):
    (tmp_path / "pw").write_text("file-secret\n")
    (tmp_path / "pw").chmod(0o600)
    (tmp_path / "shared").write_text("x\n")
    (tmp_path / "shared").chmod(0o644)
    (tmp_path / "blob").write_bytes(b"\x05\x04\xff\n")
    (tmp_path / "blob").chmod(0o600)
    resolver = make_resolver()
    assert resolver.resolve(SecretRef("file", "pw")).reveal() == "file-secret"
    assert (
        resolver.resolve(SecretRef("file", "blob", {"binary": True})).reveal() == b"\x05\x04\xff\n"
    )
    with pytest.raises(SecretError, match=r"readable by group or others \(mode 0644"):
        resolver.resolve(SecretRef("file", "shared"))
    assert resolver.resolve(SecretRef("file", "shared", {"allow_shared": True})).reveal() == "x"
    with pytest.raises(SecretError, match="does not exist"):
        resolver.resolve(SecretRef("file", "nope"))
    with pytest.raises(SecretError, match="not UTF-8"):
        resolver.resolve(SecretRef("file", "blob"))


def test_vault_source_record_and_inline_string(make_resolver, tmp_path, pwfile):
    passphrase = Secret(pwfile.read_text().strip())
    vault = Vault.new(tmp_path / "s.vault", passphrase, kdf=FAST_KDF)
    vault.set("hq-admin", "vault-secret")
    vault.save()
    token = encrypt_string("snmp-ro", Secret("inline-secret"), passphrase, kdf=FAST_KDF)
    resolver = make_resolver(vault_path=tmp_path / "s.vault", vault_password_file=pwfile)
    assert resolver.resolve(SecretRef("vault", "hq-admin")).reveal() == "vault-secret"
    inline = SecretRef("vault", "snmp-ro", {"ciphertext": token})
    assert resolver.resolve(inline).reveal() == "inline-secret"
    with pytest.raises(SecretError, match=r"credential 'x': vault source: .*no record 'absent'"):
        resolver.resolve(SecretRef("vault", "absent"), credential="x")


def test_vault_passphrase_comes_from_env_named_file_and_wrong_one_is_vault_error(
    make_resolver, tmp_path, pwfile
):
    Vault.new(tmp_path / "s.vault", Secret("other passphrase"), kdf=FAST_KDF).save()
    resolver = make_resolver(
        env={"RMMKIT_VAULT": str(tmp_path / "s.vault"), "RMMKIT_VAULT_PASSWORD_FILE": str(pwfile)}
    )
    with pytest.raises(VaultError, match="wrong vault passphrase") as info:
        resolver.resolve(SecretRef("vault", "a"), credential="c1")
    assert info.value.exit_code == 6
    assert "credential 'c1'" in str(info.value)
    with pytest.raises(SecretError, match="needs a passphrase"):
        make_resolver(vault_path=tmp_path / "s.vault").resolve(SecretRef("vault", "a"))
    with pytest.raises(SecretError, match="no vault file configured"):
        make_resolver().resolve(SecretRef("vault", "a"))


def test_unknown_source_is_an_input_error_listing_the_known_ones(make_resolver):
    cred = Credential(name="hq", kind="password", secret=SecretRef("hashicorp", "k"))
    with pytest.raises(
        UnknownReference, match=r"credential 'hq': unknown secret source 'hashicorp'.*env"
    ):
        make_resolver().credential_secrets(cred)


def test_values_are_fetched_once_per_session_even_from_threads(make_resolver):
    calls = []

    class Counting(SecretSource):
        name = "counting"

        def fetch(self, ref):
            calls.append(ref.key)
            return Secret("v-" + ref.key)

    resolver = SecretResolver({"counting": Counting}, env={})
    threads = [
        threading.Thread(target=resolver.resolve, args=(SecretRef("counting", "k"),))
        for _ in range(8)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert resolver.resolve(SecretRef("counting", "k")).reveal() == "v-k"
    assert 1 <= len(calls) <= 8  # racing first fetches are allowed; later ones hit the cache
    before = len(calls)
    resolver.resolve(SecretRef("counting", "k"))
    assert len(calls) == before


def test_a_plugin_source_is_used_and_its_exception_text_is_dropped():
    class Leaky(SecretSource):
        name = "leaky"

        def fetch(self, ref):
            if ref.key == "bare":
                return "a-bare-string"
            raise ValueError("backend said: the password is plugin-secret-value")

    class Plugin:
        @hookimpl
        def rmmkit_register_secret_sources(self, register):
            register("leaky", Leaky)

    plugins = load_plugins(extra=[Plugin()], entry_points=False)
    resolver = SecretResolver(plugins.secret_sources, env={})
    with pytest.raises(SecretError) as info:
        resolver.resolve(SecretRef("leaky", "k"), credential="dc")
    assert "plugin-secret-value" not in str(info.value)
    assert str(info.value) == "credential 'dc': leaky source failed on key 'k' (ValueError)"
    with pytest.raises(SecretError, match="bare value"):
        resolver.resolve(SecretRef("leaky", "bare"))


def test_credential_secrets_collects_secret_and_reference_extras(make_resolver):
    resolver = make_resolver(env={"AUTH": "auth-key-1", "PRIV": "priv-key-1"})
    extra = {"priv_secret": {"source": "env", "key": "PRIV"}, "auth_protocol": "sha"}
    auth = SecretRef("env", "AUTH")
    cred = Credential("core-sw", "snmp_v3", user="mon", secret=auth, extra=extra)
    got = resolver.credential_secrets(cred)
    assert sorted(got) == ["priv_secret", "secret"]
    assert got["priv_secret"].reveal() == "priv-key-1"


def test_keyring_source_reads_through_the_keyring_api(make_resolver):
    keyring, backend = MemoryKeyring.make()
    previous = keyring.get_keyring()
    keyring.set_keyring(backend)
    try:
        keyring.set_password("rmmkit", "hq-admin", "keyring-secret")
        keyring.set_password("acme", "dc", "other-secret")
        resolver = make_resolver()
        assert resolver.resolve(SecretRef("keyring", "hq-admin")).reveal() == "keyring-secret"
        assert (
            resolver.resolve(SecretRef("keyring", "dc", {"service": "acme"})).reveal()
            == "other-secret"
        )
        with pytest.raises(SecretError, match="keyring entry rmmkit/nobody does not exist"):
            resolver.resolve(SecretRef("keyring", "nobody"))
    finally:
        keyring.set_keyring(previous)


def test_keyring_without_backend_or_package_says_so(make_resolver, monkeypatch):
    keyring = pytest.importorskip("keyring")
    from keyring.backends import fail

    previous = keyring.get_keyring()
    keyring.set_keyring(fail.Keyring())
    try:
        with pytest.raises(SecretError, match="no usable keyring backend"):
            make_resolver().resolve(SecretRef("keyring", "hq"))
    finally:
        keyring.set_keyring(previous)
    monkeypatch.setitem(sys.modules, "keyring", None)
    with pytest.raises(SecretError, match="'keyring' package is not installed"):
        make_resolver().resolve(SecretRef("keyring", "hq"))
