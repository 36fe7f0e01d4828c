"""The vault rejects every bit flip, truncation, swap, rename and reorder (docs/vault.md)."""

from __future__ import annotations

import hmac
from hashlib import sha256

import pytest
from secrets_helpers import FAST_KDF

from rmmkit.errors import SecretError, VaultError
from rmmkit.secrets import vault_format as fmt
from rmmkit.secrets.values import Secret
from rmmkit.secrets.vault import Vault, decrypt_string, encrypt_string

PASS = Secret("correct horse battery staple")


def _vault(tmp_path, **records) -> Vault:
    v = Vault.new(tmp_path / "v.vault", PASS, kdf=FAST_KDF)
    for name, value in records.items():
        v.set(name, value)
    return v


def test_round_trip_keeps_names_values_and_types(tmp_path):
    v = _vault(tmp_path, db="hunter2", ccache=b"\x05\x04\x00binary", key="line1\nline2\n")
    v.save()
    again = Vault.open(v.path, PASS)
    assert list(again) == ["ccache", "db", "key"]
    assert again.get("db").reveal() == "hunter2"
    assert again.get("ccache").reveal() == b"\x05\x04\x00binary"
    assert again.get("key").reveal() == "line1\nline2\n"
    assert oct(v.path.stat().st_mode & 0o777) == "0o600"


def test_saving_twice_uses_fresh_nonces(tmp_path):
    v = _vault(tmp_path, db="hunter2")
    first, second = fmt.parse(v.to_bytes(), "a"), fmt.parse(v.to_bytes(), "b")
    assert first.records[0].nonce != second.records[0].nonce
    assert first.records[0].ciphertext != second.records[0].ciphertext


def test_every_single_bit_flip_is_rejected(tmp_path):
    data = _vault(tmp_path, db="hunter2", snmp="public-ish", key="-----BEGIN-----").to_bytes()
    accepted = []
    for pos in range(len(data)):
        for bit in range(8):
            tampered = bytearray(data)
            tampered[pos] ^= 1 << bit
            try:
                Vault.from_bytes(bytes(tampered), PASS, path="t", max_kdf=FAST_KDF)
            except VaultError:
                continue
            accepted.append((pos, bit))
    assert len(data) > 300
    assert accepted == []
    assert Vault.from_bytes(data, PASS, path="t").get("db").reveal() == "hunter2"


def test_every_truncation_and_appended_byte_is_rejected(tmp_path):
    data = _vault(tmp_path, db="hunter2", other="x").to_bytes()
    for length in range(len(data)):
        with pytest.raises(VaultError):
            Vault.from_bytes(data[:length], PASS, path="t", max_kdf=FAST_KDF)
    for extra in (b"\n", b"A", b"AAAA\n", b"\0"):
        with pytest.raises(VaultError):
            Vault.from_bytes(data + extra, PASS, path="t")


def _resign(vault: Vault, raw: fmt.RawVault, records: list[fmt.RawRecord]) -> bytes:
    """Rebuild a file with a *valid* MAC (as if the attacker had the MAC key)."""
    body = fmt.body_without_mac(raw.kdf, raw.salt, raw.verifier, records)
    return fmt.armor(body + hmac.new(vault._keys.mac, body, sha256).digest())


def test_record_swap_and_rename_are_rejected_even_with_a_valid_mac(tmp_path):
    v = _vault(tmp_path, alpha="value-a", beta="value-b")
    raw = fmt.parse(v.to_bytes(), "t")
    a, b = raw.records
    swapped = [
        fmt.RawRecord(a.name, b.nonce, b.ciphertext),
        fmt.RawRecord(b.name, a.nonce, a.ciphertext),
    ]
    renamed = [fmt.RawRecord("gamma", a.nonce, a.ciphertext), b]
    for records in (swapped, renamed):
        unsigned = fmt.armor(
            fmt.body_without_mac(raw.kdf, raw.salt, raw.verifier, records) + raw.mac
        )
        with pytest.raises(VaultError, match="integrity check failed"):
            Vault.from_bytes(unsigned, PASS, path="t")
        with pytest.raises(VaultError, match="failed authentication"):
            Vault.from_bytes(_resign(v, raw, records), PASS, path="t")
    # the re-signing helper itself produces files the vault accepts
    assert (
        Vault.from_bytes(_resign(v, raw, list(raw.records)), PASS, path="t").get("beta").reveal()
        == "value-b"
    )


def test_reorder_drop_and_duplicate_records_are_rejected(tmp_path):
    v = _vault(tmp_path, alpha="a", beta="b", gamma="c")
    raw = fmt.parse(v.to_bytes(), "t")
    recs = list(raw.records)
    for records in (recs[::-1], recs[:2], [*recs, recs[0]]):
        body = fmt.body_without_mac(raw.kdf, raw.salt, raw.verifier, records)
        with pytest.raises(VaultError):
            Vault.from_bytes(fmt.armor(body + raw.mac), PASS, path="t")
    duplicated = _resign(v, raw, [*recs, recs[0]])
    with pytest.raises(VaultError, match="appears twice"):
        Vault.from_bytes(duplicated, PASS, path="t")


def test_record_from_another_vault_with_the_same_passphrase_is_rejected(tmp_path):
    one, two = _vault(tmp_path, db="one"), _vault(tmp_path, db="two")
    raw_one, raw_two = fmt.parse(one.to_bytes(), "1"), fmt.parse(two.to_bytes(), "2")
    with pytest.raises(VaultError, match="failed authentication"):
        Vault.from_bytes(_resign(one, raw_one, list(raw_two.records)), PASS, path="t")


def test_wrong_passphrase_is_a_clear_vault_error(tmp_path):
    v = _vault(tmp_path, db="hunter2")
    v.save()
    with pytest.raises(VaultError, match="wrong vault passphrase") as info:
        Vault.open(v.path, Secret("Correct horse battery staple"))
    assert info.value.exit_code == 6
    with pytest.raises(SecretError, match="empty"):
        Vault.open(v.path, Secret(""))


def test_not_a_vault_and_future_version_are_named(tmp_path):
    with pytest.raises(VaultError, match="not an rmmkit vault"):
        Vault.from_bytes(b"db: hunter2\n", PASS, path="plain.yml")
    with pytest.raises(VaultError, match="unsupported vault format version"):
        Vault.from_bytes(b"$RMMKIT_VAULT;2;X\n", PASS, path="future")
    with pytest.raises(VaultError, match="no such vault file"):
        Vault.open(tmp_path / "missing.vault", PASS)


def test_hostile_kdf_parameters_are_refused_before_hashing(tmp_path):
    raw = fmt.parse(_vault(tmp_path).to_bytes(), "t")
    huge = fmt.KdfParams(memory_kib=fmt.MAX_MEMORY_KIB + 1, time_cost=1, parallelism=1)
    body = fmt.body_without_mac(huge, raw.salt, raw.verifier, [])
    with pytest.raises(VaultError, match="out of range"):
        Vault.from_bytes(fmt.armor(body + raw.mac), PASS, path="t")
    # a caller may cap the cost lower: a default-cost vault is then refused unread
    default = Vault.new(tmp_path / "d.vault", PASS).to_bytes()
    with pytest.raises(VaultError, match="out of range"):
        Vault.from_bytes(default, PASS, path="t", max_kdf=FAST_KDF)


def test_default_kdf_parameters_are_at_least_19_mib_and_work(tmp_path):
    assert fmt.DEFAULT_KDF.memory_kib >= 19456 and fmt.DEFAULT_KDF.time_cost >= 2
    v = Vault.new(tmp_path / "default.vault", PASS)
    v.set("db", "hunter2")
    v.save()
    raw = fmt.parse(v.path.read_bytes(), "t")
    assert raw.kdf == fmt.DEFAULT_KDF
    assert Vault.open(v.path, PASS).get("db").reveal() == "hunter2"
    with pytest.raises(VaultError, match="wrong vault passphrase"):
        Vault.open(v.path, Secret("nope"))


def test_rekey_changes_salt_and_old_passphrase_stops_working(tmp_path):
    v = _vault(tmp_path, db="hunter2")
    v.save()
    old_salt = fmt.parse(v.path.read_bytes(), "t").salt
    new = Secret("a brand new passphrase")
    v.rekey(new)
    v.save()
    assert fmt.parse(v.path.read_bytes(), "t").salt != old_salt
    assert Vault.open(v.path, new).get("db").reveal() == "hunter2"
    with pytest.raises(VaultError, match="wrong vault passphrase"):
        Vault.open(v.path, PASS)


def test_bad_record_names_are_refused(tmp_path):
    v = _vault(tmp_path)
    for bad in ("", "a\nb", "x" * 256):
        with pytest.raises(SecretError, match="invalid vault record name"):
            v.set(bad, "value")


def test_encrypted_string_round_trip_is_bound_to_its_name():
    token = encrypt_string("db", Secret("hunter2"), PASS, kdf=FAST_KDF)
    assert "hunter2" not in token
    assert decrypt_string("db", token, PASS).reveal() == "hunter2"
    with pytest.raises(VaultError, match="another name"):
        decrypt_string("other", token, PASS)
    with pytest.raises(VaultError, match="wrong vault passphrase"):
        decrypt_string("db", token, Secret("wrong"))
    prefix = len("$RMMKIT_VAULT_STRING;1;")
    for pos in range(prefix, len(token)):
        flipped = token[:pos] + ("A" if token[pos] != "A" else "B") + token[pos + 1 :]
        try:
            value = decrypt_string("db", flipped, PASS, max_kdf=FAST_KDF)
        except VaultError:
            continue
        # base64 padding bits may absorb a change of the last character; the value must not
        assert value.reveal() == "hunter2" and pos >= len(token) - 3
    for length in range(len(token)):
        with pytest.raises(VaultError):
            decrypt_string("db", token[:length], PASS, max_kdf=FAST_KDF)
