"""The encrypted vault: Argon2id key derivation, AES-256-GCM records, a file MAC.

Why these pieces: Argon2id makes guessing the passphrase expensive; a fresh
nonce per record and the record's name as associated data mean a ciphertext
cannot be reused under another name; the HMAC over header and record list
rejects reordering, dropping or appending records, which per-record AEAD
alone would not notice.  The byte layout lives in :mod:`vault_format` and
``docs/vault.md``.  Writes are atomic (:func:`write_atomic`), so a crash
leaves the old file or the new one.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import os
import tempfile
from collections.abc import Iterator
from hashlib import sha256
from pathlib import Path

from argon2.low_level import Type, hash_secret_raw
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from rmmkit.errors import SecretError, VaultError
from rmmkit.secrets import vault_format as fmt
from rmmkit.secrets.values import Secret

RECORD_AAD = b"rmmkit-vault v1 record\x00"
STRING_AAD = b"rmmkit-vault v1 string\x00"
STRING_PREFIX = "$RMMKIT_VAULT_STRING;1;"
_TYPE_STR, _TYPE_BYTES = b"s", b"b"


class _Keys:
    """Keys derived from one passphrase and salt; never printed, never stored."""

    __slots__ = ("enc", "mac", "verifier")

    def __init__(self, passphrase: Secret, salt: bytes, kdf: fmt.KdfParams) -> None:
        raw = passphrase.reveal()
        secret = raw.encode("utf-8") if isinstance(raw, str) else raw
        if not secret:
            raise SecretError("the vault passphrase is empty")
        master = hash_secret_raw(
            secret,
            salt,
            time_cost=kdf.time_cost,
            memory_cost=kdf.memory_kib,
            parallelism=kdf.parallelism,
            hash_len=32,
            type=Type.ID,
        )
        okm = HKDF(hashes.SHA256(), length=80, salt=None, info=b"rmmkit-vault v1").derive(master)
        self.enc, self.mac, self.verifier = okm[:32], okm[32:64], okm[64:80]

    def __repr__(self) -> str:
        return "_Keys(***)"


def _pack_value(value: Secret) -> bytes:
    raw = value.reveal()
    return _TYPE_BYTES + raw if isinstance(raw, bytes) else _TYPE_STR + raw.encode("utf-8")


def _unpack_value(plain: bytes, where: str) -> Secret:
    kind, payload = plain[:1], plain[1:]
    if kind == _TYPE_BYTES:
        return Secret(payload)
    if kind == _TYPE_STR:
        return Secret(payload.decode("utf-8"))
    raise VaultError(f"{where}: the vault is corrupt (unknown value type)")


def check_name(name: str) -> str:
    if not name or len(name.encode("utf-8")) > fmt.MAX_NAME_LEN or any(c in name for c in "\n\r\0"):
        raise SecretError(
            f"invalid vault record name {name!r} (expected 1-255 bytes, no newline or NUL)"
        )
    return name


class Vault:
    """An opened vault: record names → :class:`Secret`; :meth:`save` re-encrypts all of them."""

    def __init__(
        self, path: str | os.PathLike[str], keys: _Keys, salt: bytes, kdf: fmt.KdfParams
    ) -> None:
        self.path = Path(path)
        self._keys, self._salt, self.kdf = keys, salt, kdf
        self._records: dict[str, Secret] = {}

    def __repr__(self) -> str:
        return f"Vault({str(self.path)!r}, {len(self._records)} records)"

    # -- life cycle -------------------------------------------------------
    @classmethod
    def new(
        cls,
        path: str | os.PathLike[str],
        passphrase: Secret,
        *,
        kdf: fmt.KdfParams = fmt.DEFAULT_KDF,
    ) -> Vault:
        """An empty vault in memory; nothing is written until :meth:`save`."""
        salt = os.urandom(fmt.SALT_LEN)
        return cls(path, _Keys(passphrase, salt, kdf), salt, kdf)

    @classmethod
    def open(
        cls,
        path: str | os.PathLike[str],
        passphrase: Secret,
        *,
        max_kdf: fmt.KdfParams = fmt.MAX_KDF,
    ) -> Vault:
        where = str(path)
        try:
            data = Path(path).read_bytes()
        except FileNotFoundError:
            raise VaultError(
                f"{where}: no such vault file (create one with 'rmmkit vault create')"
            ) from None
        except OSError as exc:
            raise VaultError(f"{where}: cannot read the vault ({exc.strerror})") from None
        return cls.from_bytes(data, passphrase, path=path, max_kdf=max_kdf)

    @classmethod
    def from_bytes(
        cls,
        data: bytes,
        passphrase: Secret,
        *,
        path: str | os.PathLike[str],
        max_kdf: fmt.KdfParams = fmt.MAX_KDF,
    ) -> Vault:
        """Parse, derive the key, check the passphrase, the file MAC, then every record."""
        where = str(path)
        raw = fmt.parse(data, where, max_kdf)
        keys = _Keys(passphrase, raw.salt, raw.kdf)
        if not hmac.compare_digest(keys.verifier, raw.verifier):
            raise VaultError(f"{where}: wrong vault passphrase (or the vault header was altered)")
        if not hmac.compare_digest(hmac.new(keys.mac, raw.signed, sha256).digest(), raw.mac):
            raise VaultError(
                f"{where}: integrity check failed: the vault was modified, reordered or truncated"
            )
        vault = cls(path, keys, raw.salt, raw.kdf)
        aead = AESGCM(keys.enc)
        for rec in raw.records:
            if rec.name in vault._records:
                raise VaultError(f"{where}: record {rec.name!r} appears twice")
            try:
                plain = aead.decrypt(
                    rec.nonce, rec.ciphertext, RECORD_AAD + rec.name.encode("utf-8")
                )
            except InvalidTag:
                raise VaultError(
                    f"{where}: record {rec.name!r} failed authentication (tampered or renamed)"
                ) from None
            vault._records[rec.name] = _unpack_value(plain, where)
        return vault

    def to_bytes(self) -> bytes:
        aead = AESGCM(self._keys.enc)
        records = []
        for name in sorted(self._records):
            nonce = os.urandom(fmt.NONCE_LEN)
            ct = aead.encrypt(
                nonce, _pack_value(self._records[name]), RECORD_AAD + name.encode("utf-8")
            )
            records.append(fmt.RawRecord(name, nonce, ct))
        body = fmt.body_without_mac(self.kdf, self._salt, self._keys.verifier, records)
        return fmt.armor(body + hmac.new(self._keys.mac, body, sha256).digest())

    def save(self) -> None:
        write_atomic(self.path, self.to_bytes())

    def rekey(self, passphrase: Secret, *, kdf: fmt.KdfParams | None = None) -> None:
        """Switch to a new passphrase (new salt, new keys); call :meth:`save` to write it."""
        self.kdf = kdf or self.kdf
        self._salt = os.urandom(fmt.SALT_LEN)
        self._keys = _Keys(passphrase, self._salt, self.kdf)

    # -- records ----------------------------------------------------------
    def __contains__(self, name: object) -> bool:
        return name in self._records

    def __iter__(self) -> Iterator[str]:
        return iter(sorted(self._records))

    def __len__(self) -> int:
        return len(self._records)

    def get(self, name: str) -> Secret:
        try:
            return self._records[name]
        except KeyError:
            raise SecretError(f"{self.path}: no record {name!r} in the vault") from None

    def set(self, name: str, value: Secret | str | bytes) -> None:
        self._records[check_name(name)] = value if isinstance(value, Secret) else Secret(value)

    def delete(self, name: str) -> None:
        self.get(name)
        del self._records[name]

    def items(self) -> list[tuple[str, Secret]]:
        return sorted(self._records.items())


def write_atomic(path: str | os.PathLike[str], data: bytes, *, mode: int = 0o600) -> None:
    """Temp file in the same directory, fsync, rename over ``path``, fsync the directory."""
    target = Path(path)
    directory = target.parent if str(target.parent) else Path(".")
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=directory)
    try:
        os.fchmod(fd, mode)
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    dir_fd = os.open(directory, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)


def encrypt_string(
    name: str, value: Secret, passphrase: Secret, *, kdf: fmt.KdfParams = fmt.DEFAULT_KDF
) -> str:
    """One value encrypted for pasting into YAML; ``name`` is bound as associated data."""
    salt, nonce = os.urandom(fmt.SALT_LEN), os.urandom(fmt.NONCE_LEN)
    keys = _Keys(passphrase, salt, kdf)
    ct = AESGCM(keys.enc).encrypt(
        nonce, _pack_value(value), STRING_AAD + check_name(name).encode("utf-8")
    )
    blob = fmt.header_bytes(kdf, salt, keys.verifier) + nonce + ct
    return STRING_PREFIX + base64.b64encode(blob).decode("ascii")


def decrypt_string(
    name: str, token: str, passphrase: Secret, *, max_kdf: fmt.KdfParams = fmt.MAX_KDF
) -> Secret:
    """Reverse of :func:`encrypt_string`; a token pasted under another name is rejected."""
    where = f"encrypted string {name!r}"
    if not token.startswith(STRING_PREFIX):
        raise VaultError(f"{where}: expected a value starting with {STRING_PREFIX}")
    try:
        blob = base64.b64decode("".join(token.removeprefix(STRING_PREFIX).split()), validate=True)
    except (binascii.Error, ValueError):
        raise VaultError(f"{where}: not valid base64") from None
    if len(blob) < fmt.HEADER_LEN + fmt.NONCE_LEN + fmt.TAG_LEN:
        raise VaultError(f"{where}: truncated")
    kdf, salt, verifier = fmt.parse_header(blob, where, max_kdf)
    keys = _Keys(passphrase, salt, kdf)
    if not hmac.compare_digest(keys.verifier, verifier):
        raise VaultError(f"{where}: wrong vault passphrase (or the value was altered)")
    nonce, ct = (
        blob[fmt.HEADER_LEN : fmt.HEADER_LEN + fmt.NONCE_LEN],
        blob[fmt.HEADER_LEN + fmt.NONCE_LEN :],
    )
    try:
        plain = AESGCM(keys.enc).decrypt(nonce, ct, STRING_AAD + name.encode("utf-8"))
    except InvalidTag:
        raise VaultError(
            f"{where}: failed authentication (altered, or pasted under another name)"
        ) from None
    return _unpack_value(plain, where)
