"""The vault's byte layout: parse, serialize and armor, with no cryptography.

Why a module of its own: the format is the contract (``docs/vault.md``) and
must be read the same way by every version; keeping the parser free of keys
lets it reject a malformed or truncated file before any KDF work is done.

Layout of the binary body (all integers big-endian)::

    magic "RMKV" | version u8 | kdf u8 | aead u8 | reserved u8
    m_cost u32 (KiB) | t_cost u32 | parallelism u32 | salt (16) | verifier (16)
    record count u32
    per record: name length u16 | name (UTF-8) | nonce (12) | length u32 | ciphertext+tag
    file MAC (32): HMAC-SHA256 over every byte before it

The armored file is ``ARMOR_LINE`` then the base64 of the body in lines of
64 characters, each ending in ``\\n``.  Parsing insists on the canonical
form (re-armoring must give the same bytes), so no bit of the file is
ignored: padding bits, line breaks and trailing bytes all count.
"""

from __future__ import annotations

import base64
import binascii
import struct
from dataclasses import dataclass

from rmmkit.errors import VaultError

MAGIC = b"RMKV"
VERSION = 1
KDF_ARGON2ID = 1
AEAD_AES256GCM = 1
ARMOR_LINE = b"$RMMKIT_VAULT;1;ARGON2ID;AES256GCM\n"
_ARMOR_TEXT = ARMOR_LINE.strip().decode()
LINE_WIDTH = 64
SALT_LEN = 16
VERIFIER_LEN = 16
NONCE_LEN = 12
TAG_LEN = 16
MAC_LEN = 32
MAX_NAME_LEN = 255

_HEAD = struct.Struct(">4sBBBBIII")  # magic, version, kdf, aead, reserved, m, t, p
HEADER_LEN = _HEAD.size + SALT_LEN + VERIFIER_LEN


@dataclass(frozen=True)
class KdfParams:
    """Argon2id cost: ``memory_kib`` ≥ 19456 and ``time_cost`` ≥ 2 are the defaults to keep.

    Lower values exist only so tests can loop over thousands of tampered
    files; :data:`DEFAULT_KDF` is what every real vault uses.
    """

    memory_kib: int = 19456
    time_cost: int = 2
    parallelism: int = 1


DEFAULT_KDF = KdfParams()
MAX_MEMORY_KIB = 1024 * 1024  # refuse files that would ask for more than 1 GiB
MAX_TIME_COST = 16
MAX_KDF = KdfParams(MAX_MEMORY_KIB, MAX_TIME_COST, 16)


@dataclass(frozen=True)
class RawRecord:
    name: str
    nonce: bytes
    ciphertext: bytes


@dataclass(frozen=True)
class RawVault:
    """A parsed but not yet authenticated vault."""

    kdf: KdfParams
    salt: bytes
    verifier: bytes
    records: tuple[RawRecord, ...]
    signed: bytes  # every body byte the MAC covers
    mac: bytes


def header_bytes(kdf: KdfParams, salt: bytes, verifier: bytes) -> bytes:
    head = _HEAD.pack(
        MAGIC,
        VERSION,
        KDF_ARGON2ID,
        AEAD_AES256GCM,
        0,
        kdf.memory_kib,
        kdf.time_cost,
        kdf.parallelism,
    )
    return head + salt + verifier


def body_without_mac(
    kdf: KdfParams, salt: bytes, verifier: bytes, records: list[RawRecord]
) -> bytes:
    parts = [header_bytes(kdf, salt, verifier), struct.pack(">I", len(records))]
    for rec in records:
        name = rec.name.encode("utf-8")
        parts += [
            struct.pack(">H", len(name)),
            name,
            rec.nonce,
            struct.pack(">I", len(rec.ciphertext)),
        ]
        parts.append(rec.ciphertext)
    return b"".join(parts)


def armor(body: bytes) -> bytes:
    text = base64.b64encode(body)
    lines = [text[i : i + LINE_WIDTH] + b"\n" for i in range(0, len(text), LINE_WIDTH)]
    return ARMOR_LINE + b"".join(lines)


def dearmor(data: bytes, where: str) -> bytes:
    if not data.startswith(ARMOR_LINE):
        if data.startswith(b"$RMMKIT_VAULT;"):
            raise VaultError(f"{where}: unsupported vault format version (expected {_ARMOR_TEXT})")
        raise VaultError(f"{where}: not an rmmkit vault (expected first line {_ARMOR_TEXT})")
    try:
        body = base64.b64decode(b"".join(data[len(ARMOR_LINE) :].split(b"\n")), validate=True)
    except (binascii.Error, ValueError):
        raise VaultError(f"{where}: the vault is corrupt (invalid base64 armor)") from None
    if armor(body) != data:
        raise VaultError(f"{where}: the vault is corrupt (armor is not in canonical form)")
    return body


def parse_header(
    body: bytes, where: str, max_kdf: KdfParams = MAX_KDF
) -> tuple[KdfParams, bytes, bytes]:
    """The fixed header (shared by vault files and encrypted strings): KDF, salt, verifier.

    ``max_kdf`` caps what a file may demand: the header is only authenticated
    after the key is derived, so a tampered cost must be refused before that.
    """
    if len(body) < HEADER_LEN:
        raise VaultError(f"{where}: the vault is corrupt or truncated")
    magic, version, kdf_id, aead_id, reserved, m, t, p = _HEAD.unpack_from(body, 0)
    if magic != MAGIC or reserved != 0:
        raise VaultError(f"{where}: the vault is corrupt (bad magic)")
    if version != VERSION or kdf_id != KDF_ARGON2ID or aead_id != AEAD_AES256GCM:
        raise VaultError(
            f"{where}: unsupported vault version/algorithm ({version}/{kdf_id}/{aead_id})"
        )
    if not (8 * p <= m <= max_kdf.memory_kib and 1 <= t <= max_kdf.time_cost and 1 <= p <= 16):
        raise VaultError(f"{where}: the vault is corrupt (KDF parameters out of range)")
    salt = body[_HEAD.size : _HEAD.size + SALT_LEN]
    verifier = body[_HEAD.size + SALT_LEN : HEADER_LEN]
    return KdfParams(m, t, p), salt, verifier


def parse(data: bytes, where: str, max_kdf: KdfParams = MAX_KDF) -> RawVault:
    """Split an armored vault into its parts; every structural problem is a VaultError."""
    body = dearmor(data, where)
    corrupt = f"{where}: the vault is corrupt or truncated"
    if len(body) < HEADER_LEN + 4 + MAC_LEN:
        raise VaultError(corrupt)
    kdf, salt, verifier = parse_header(body, where, max_kdf)
    pos = HEADER_LEN
    (count,) = struct.unpack_from(">I", body, pos)
    pos += 4
    end = len(body) - MAC_LEN
    records: list[RawRecord] = []
    for _ in range(count):
        if pos + 2 > end:
            raise VaultError(corrupt)
        (nlen,) = struct.unpack_from(">H", body, pos)
        pos += 2
        if pos + nlen + NONCE_LEN + 4 > end:
            raise VaultError(corrupt)
        try:
            name = body[pos : pos + nlen].decode("utf-8")
        except UnicodeDecodeError:
            raise VaultError(corrupt) from None
        pos += nlen
        nonce = body[pos : pos + NONCE_LEN]
        pos += NONCE_LEN
        (clen,) = struct.unpack_from(">I", body, pos)
        pos += 4
        if clen < TAG_LEN or pos + clen > end:
            raise VaultError(corrupt)
        records.append(RawRecord(name, nonce, body[pos : pos + clen]))
        pos += clen
    if pos != end:
        raise VaultError(corrupt)
    return RawVault(kdf, salt, verifier, tuple(records), body[:end], body[end:])
