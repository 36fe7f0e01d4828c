"""A small BER codec for SNMP v1/v2c messages (the scale path of the client).

Why hand-written when pysnmp exists: pysnmp's v1arch decodes every
response with pyasn1, which costs about 1.3 ms for the ten-varbind identify
response on this hardware (measured: ~760 identifies/s, one core busy).  The
v1/v2c message has one fixed shape (RFC 1157 / RFC 3416), so encoding a
request and decoding a response take a few dozen lines and ~0.1 ms here, and one
asyncio loop can identify thousands of hosts per second.  SNMPv3 (USM
authentication and privacy) stays on pysnmp's v3arch: crypto is not
something to hand-write.  ``tests/snmp/test_ber.py`` checks this codec
against pysnmp's own encoder and decoder.  The pysnmp v1arch path is kept as
the alternative engine (:mod:`rmmkit.snmp.engine_pysnmp`); ``bench/snmp.py``
measures both (docs/snmp.md, "Engines").
"""

from __future__ import annotations

import enum
import functools
import ipaddress
from dataclasses import dataclass
from typing import Any

# PDU tags (context-specific, constructed)
GET, GETNEXT, RESPONSE, SET, GETBULK, REPORT = 0xA0, 0xA1, 0xA2, 0xA3, 0xA5, 0xA8

VERSION_CODES = {"1": 0, "2c": 1}


class Missing(enum.Enum):
    """The SNMPv2 exception values: the agent answered, but not with a value."""

    NO_SUCH_OBJECT = 0x80
    NO_SUCH_INSTANCE = 0x81
    END_OF_MIB_VIEW = 0x82

    def __str__(self) -> str:
        return self.name.lower()


@dataclass(frozen=True)
class Counter:
    """An unsigned SNMP application value (Counter32/64, Gauge32, TimeTicks) with its type."""

    kind: str  # counter32 | gauge32 | timeticks | counter64
    value: int

    def __int__(self) -> int:
        return self.value


_UNSIGNED = {0x41: "counter32", 0x42: "gauge32", 0x43: "timeticks", 0x46: "counter64"}

Value = int | bytes | str | Counter | ipaddress.IPv4Address | Missing | None


class BerError(ValueError):
    """The bytes are not a well-formed SNMP v1/v2c message."""


def _length(n: int) -> bytes:
    if n < 0x80:
        return bytes((n,))
    body = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes((0x80 | len(body),)) + body


def tlv(tag: int, body: bytes) -> bytes:
    return bytes((tag,)) + _length(len(body)) + body


def encode_int(value: int, tag: int = 0x02) -> bytes:
    size = max(1, (value + (value < 0)).bit_length() // 8 + 1)
    return tlv(tag, value.to_bytes(size, "big", signed=True))


@functools.lru_cache(maxsize=4096)  # identify sends the same dozen OIDs to every host
def encode_oid(oid: str) -> bytes:
    try:
        arcs = [int(part) for part in oid.strip(".").split(".")]
    except ValueError:
        raise BerError(f"not a numeric OID: {oid!r}") from None
    if len(arcs) < 2 or arcs[0] > 2:
        raise BerError(f"not a valid OID: {oid!r}")
    out = bytearray()
    for arc in [arcs[0] * 40 + arcs[1], *arcs[2:]]:
        chunk = [arc & 0x7F]
        arc >>= 7
        while arc:
            chunk.append(0x80 | (arc & 0x7F))
            arc >>= 7
        out += bytes(reversed(chunk))
    return tlv(0x06, bytes(out))


def encode_request(
    version: int,
    community: bytes,
    pdu_type: int,
    request_id: int,
    oids: list[str],
    *,
    non_repeaters: int = 0,
    max_repetitions: int = 0,
) -> bytes:
    """A GET / GETNEXT / GETBULK message asking for ``oids`` (values are NULL)."""
    varbinds = b"".join(tlv(0x30, encode_oid(oid) + b"\x05\x00") for oid in oids)
    second, third = (non_repeaters, max_repetitions) if pdu_type == GETBULK else (0, 0)
    pdu = encode_int(request_id) + encode_int(second) + encode_int(third) + tlv(0x30, varbinds)
    return tlv(0x30, encode_int(version) + tlv(0x04, community) + tlv(pdu_type, pdu))


@dataclass(frozen=True)
class Response:
    version: int
    community: bytes
    pdu_type: int
    request_id: int
    error_status: int
    error_index: int
    varbinds: list[tuple[str, Value]]


def _read(data: bytes, pos: int) -> tuple[int, int, int]:
    """(tag, start of value, end of value) of the TLV at ``pos``."""
    try:
        tag = data[pos]
        first = data[pos + 1]
        pos += 2
        if first & 0x80:
            count = first & 0x7F
            length = int.from_bytes(data[pos : pos + count], "big")
            pos += count
        else:
            length = first
    except IndexError:
        raise BerError("truncated message") from None
    end = pos + length
    if end > len(data):
        raise BerError("truncated message")
    return tag, pos, end


def decode_oid(body: bytes) -> str:
    arcs: list[int] = []
    value = 0
    for byte in body:
        value = (value << 7) | (byte & 0x7F)
        if not byte & 0x80:
            arcs.append(value)
            value = 0
    if not arcs:
        raise BerError("empty OID")
    first = arcs[0]
    head = [0, first] if first < 40 else [1, first - 40] if first < 80 else [2, first - 80]
    return ".".join(map(str, head + arcs[1:]))


def _value(tag: int, body: bytes) -> Value:
    if tag == 0x02:
        return int.from_bytes(body, "big", signed=True)
    if tag == 0x04:
        return body
    if tag == 0x06:
        return decode_oid(body)
    if tag in _UNSIGNED:
        return Counter(_UNSIGNED[tag], int.from_bytes(body, "big"))
    if tag == 0x40 and len(body) == 4:
        return ipaddress.IPv4Address(body)
    if tag == 0x05:
        return None
    if tag in (0x80, 0x81, 0x82):
        return Missing(tag)
    return body  # Opaque and anything unknown: raw bytes


def _int_at(data: bytes, pos: int) -> tuple[int, int]:
    tag, start, end = _read(data, pos)
    if tag != 0x02:
        raise BerError(f"expected INTEGER, got tag 0x{tag:02x}")
    return int.from_bytes(data[start:end], "big", signed=True), end


def decode_response(data: bytes) -> Response:
    """Decode a v1/v2c message (any PDU with the request/response layout)."""
    tag, pos, _end = _read(data, 0)
    if tag != 0x30:
        raise BerError("not an SNMP message (no outer SEQUENCE)")
    version, pos = _int_at(data, pos)
    tag, start, pos = _read(data, pos)
    if tag != 0x04:
        raise BerError("no community string")
    community = data[start:pos]
    pdu_type, pos, _pdu_end = _read(data, pos)
    request_id, pos = _int_at(data, pos)
    error_status, pos = _int_at(data, pos)
    error_index, pos = _int_at(data, pos)
    tag, pos, list_end = _read(data, pos)
    if tag != 0x30:
        raise BerError("no varbind list")
    varbinds: list[tuple[str, Value]] = []
    while pos < list_end:
        tag, vb_start, vb_end = _read(data, pos)
        otag, ostart, oend = _read(data, vb_start)
        if tag != 0x30 or otag != 0x06:
            raise BerError("malformed varbind")
        vtag, vstart, vend = _read(data, oend)
        varbinds.append((decode_oid(data[ostart:oend]), _value(vtag, data[vstart:vend])))
        pos = vb_end
    return Response(version, community, pdu_type, request_id, error_status, error_index, varbinds)


def describe(value: Any) -> str:
    """A value as text for people: printable octet strings decoded, others hex."""
    if isinstance(value, bytes):
        try:
            decoded = value.rstrip(b"\x00").decode("utf-8")
        except UnicodeDecodeError:
            return "0x" + value.hex()
        if all(c.isprintable() or c in "\r\n\t" for c in decoded):
            return decoded.strip()
        return "0x" + value.hex()
    if isinstance(value, Counter):
        return str(value.value)
    return "" if value is None else str(value)
