"""The small v1/v2c codec agrees with pysnmp's pyasn1 codec, both ways."""

from __future__ import annotations

import ipaddress

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pyasn1.codec.ber import decoder, encoder
from pysnmp.proto import api

from rmmkit.snmp.ber import (
    GETBULK,
    GETNEXT,
    BerError,
    Counter,
    Missing,
    decode_response,
    encode_request,
)

oids = st.lists(st.integers(0, 2**32 - 1), min_size=1, max_size=12).flatmap(
    lambda tail: st.sampled_from(["1.3", "2.5", "1.3.6.1.4.1", "0.0"]).map(
        lambda head: head + "." + ".".join(map(str, tail))
    )
)
values = st.one_of(
    st.integers(-(2**31), 2**31 - 1).map(lambda v: ("int", v)),
    st.binary(max_size=300).map(lambda v: ("octets", v)),
    oids.map(lambda v: ("oid", v)),
    st.integers(0, 2**32 - 1).map(lambda v: ("gauge", v)),
    st.integers(0, 2**64 - 1).map(lambda v: ("counter64", v)),
    st.integers(0, 2**32 - 1).map(lambda v: ("ticks", v)),
    st.ip_addresses(v=4).map(lambda v: ("ip", v)),
    st.sampled_from(["noSuchObject", "noSuchInstance", "endOfMibView"]).map(
        lambda v: ("missing", v)
    ),
)


def pysnmp_value(kind, v):
    p = api.PROTOCOL_MODULES[api.SNMP_VERSION_2C]
    return {
        "int": lambda: p.Integer(v),
        "octets": lambda: p.OctetString(v),
        "oid": lambda: p.ObjectIdentifier(v),
        "gauge": lambda: p.Gauge32(v),
        "counter64": lambda: p.Counter64(v),
        "ticks": lambda: p.TimeTicks(v),
        "ip": lambda: p.IpAddress(str(v)),
        "missing": lambda: {
            "noSuchObject": p.NoSuchObject(""),
            "noSuchInstance": p.NoSuchInstance(""),
            "endOfMibView": p.EndOfMibView(""),
        }[v],
    }[kind]()


def expected(kind, v):
    missing = {
        "noSuchObject": Missing.NO_SUCH_OBJECT,
        "noSuchInstance": Missing.NO_SUCH_INSTANCE,
        "endOfMibView": Missing.END_OF_MIB_VIEW,
    }
    return {
        "int": lambda: v,
        "octets": lambda: v,
        "oid": lambda: v,
        "gauge": lambda: Counter("gauge32", v),
        "counter64": lambda: Counter("counter64", v),
        "ticks": lambda: Counter("timeticks", v),
        "ip": lambda: ipaddress.IPv4Address(str(v)),
        "missing": lambda: missing[v],
    }[kind]()


@settings(max_examples=60, deadline=None, database=None)
@given(
    st.lists(st.tuples(oids, values), max_size=8), st.integers(0, 2**31 - 1), st.binary(max_size=40)
)
def test_decodes_what_pysnmp_encodes(binds, request_id, community):
    p = api.PROTOCOL_MODULES[api.SNMP_VERSION_2C]
    pdu = p.GetResponsePDU()
    p.apiPDU.set_defaults(pdu)
    p.apiPDU.set_request_id(pdu, request_id)
    p.apiPDU.set_varbinds(pdu, [(oid, pysnmp_value(*val)) for oid, val in binds])
    msg = p.Message()
    p.apiMessage.set_defaults(msg)
    p.apiMessage.set_community(msg, community)
    p.apiMessage.set_pdu(msg, pdu)
    got = decode_response(encoder.encode(msg))
    assert got.request_id == request_id and got.community == community and got.version == 1
    assert got.varbinds == [(oid, expected(*val)) for oid, val in binds]


@settings(max_examples=40, deadline=None, database=None)
@given(
    st.lists(oids, min_size=1, max_size=10),
    st.integers(0, 2**31 - 1),
    st.integers(0, 10),
    st.integers(0, 50),
)
def test_pysnmp_decodes_what_we_encode(request_oids, request_id, nr, mr):
    wire = encode_request(
        1, b"public", GETBULK, request_id, request_oids, non_repeaters=nr, max_repetitions=mr
    )
    p = api.PROTOCOL_MODULES[api.SNMP_VERSION_2C]
    msg, rest = decoder.decode(wire, asn1Spec=p.Message())
    assert rest == b""
    pdu = p.apiMessage.get_pdu(msg)
    assert int(p.apiPDU.get_request_id(pdu)) == request_id
    assert int(p.apiBulkPDU.get_non_repeaters(pdu)) == nr
    assert int(p.apiBulkPDU.get_max_repetitions(pdu)) == mr
    assert [str(o) for o, _v in p.apiPDU.get_varbinds(pdu)] == request_oids


def test_v1_getnext_is_a_v1_message():
    wire = encode_request(0, b"c", GETNEXT, 7, ["1.3.6.1.2.1.1"])
    p = api.PROTOCOL_MODULES[api.SNMP_VERSION_1]
    msg, _ = decoder.decode(wire, asn1Spec=p.Message())
    assert int(msg["version"]) == 0


@pytest.mark.parametrize(
    "garbage", [b"", b"\x30", b"\x30\x05\x02\x01", b"\x04\x00", b"\x30\x03\x02\x01\x01"]
)
def test_garbage_is_a_ber_error(garbage):
    with pytest.raises(BerError):
        decode_response(garbage)
