"""The two v1/v2c engines (native BER codec, pysnmp v1arch) are interchangeable.

Both are driven through the same client against real agents (snmpsim, net-snmp
snmpd on 127.0.0.1 and ::1); the value conversion of the pysnmp engine is
checked against the native codec on messages pysnmp itself encodes.
"""

from __future__ import annotations

import asyncio
import logging
import os
import shutil
import socket
import subprocess
import threading
import time
from collections.abc import Iterator

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pyasn1.codec.ber import decoder, encoder
from pysnmp.proto import api

from rmmkit.errors import InputError, UnreachableError
from rmmkit.secrets.values import Secret
from rmmkit.snmp.auth import SnmpAuth
from rmmkit.snmp.ber import decode_response
from rmmkit.snmp.classify import load_ruleset
from rmmkit.snmp.client import ENGINES, SnmpClient, SnmpOptions, run_sync
from rmmkit.snmp.engine_pysnmp import to_value
from rmmkit.snmp.identify import identify
from rmmkit.snmp.transport import options_from_vars

from .conftest import V2C_COMMUNITY, Agent, stop
from .recordings import RECORDINGS
from .test_ber import oids, pysnmp_value, values

SYS_NAME = "1.3.6.1.2.1.1.5.0"


def _message(version: int, community: bytes, request_id: int, binds: list) -> bytes:
    p = api.PROTOCOL_MODULES[version]
    pdu = p.GetResponsePDU()
    p.apiPDU.set_defaults(pdu)
    p.apiPDU.set_request_id(pdu, request_id)
    p.apiPDU.set_varbinds(pdu, binds)
    msg = p.Message()
    p.apiMessage.set_defaults(msg)
    p.apiMessage.set_community(msg, community)
    p.apiMessage.set_pdu(msg, pdu)
    return encoder.encode(msg)


def _pysnmp_rows(version: int, wire: bytes) -> list:
    """What the pysnmp engine makes of a response: pyasn1 decode, then ``to_value``."""
    p = api.PROTOCOL_MODULES[version]
    msg, _rest = decoder.decode(wire, asn1Spec=p.Message())
    pdu = p.apiMessage.get_pdu(msg)
    return [(str(o), to_value(v)) for o, v in p.apiPDU.get_varbinds(pdu)]


@settings(max_examples=60, deadline=None, database=None)
@given(st.lists(st.tuples(oids, values), max_size=8), st.integers(0, 2**31 - 1))
def test_v2c_values_convert_like_the_native_codec(binds, request_id):
    wire = _message(
        api.SNMP_VERSION_2C, b"c", request_id, [(o, pysnmp_value(*v)) for o, v in binds]
    )
    assert _pysnmp_rows(api.SNMP_VERSION_2C, wire) == decode_response(wire).varbinds


v1_values = st.one_of(
    st.integers(-(2**31), 2**31 - 1).map(lambda v: ("Integer", v)),
    st.binary(max_size=60).map(lambda v: ("OctetString", v)),
    oids.map(lambda v: ("ObjectIdentifier", v)),
    st.integers(0, 2**32 - 1).map(lambda v: ("Counter", v)),
    st.integers(0, 2**32 - 1).map(lambda v: ("Gauge", v)),
    st.integers(0, 2**32 - 1).map(lambda v: ("TimeTicks", v)),
    st.ip_addresses(v=4).map(lambda v: ("IpAddress", str(v))),
)


@settings(max_examples=40, deadline=None, database=None)
@given(st.lists(st.tuples(oids, v1_values), max_size=8))
def test_v1_values_convert_like_the_native_codec(binds):
    p = api.PROTOCOL_MODULES[api.SNMP_VERSION_1]
    wire = _message(0, b"c", 7, [(o, getattr(p, kind)(v)) for o, (kind, v) in binds])
    assert _pysnmp_rows(api.SNMP_VERSION_1, wire) == decode_response(wire).varbinds


def test_concurrent_identifies_each_get_their_own_device(snmpsim_agent, engine):
    """Every recording at once, over two agent addresses, through one engine and one socket."""
    ruleset = load_ruleset()
    names = sorted(RECORDINGS)
    hosts = ["127.0.0.1", "127.0.0.2"]

    async def run(client):
        return await asyncio.gather(
            *(
                identify(client, hosts[i % 2], [SnmpAuth.v2c(name)], ruleset)
                for i, name in enumerate(names)
            )
        )

    devices = run_sync(run, SnmpOptions(port=snmpsim_agent.port, timeout=3, engine=engine))
    assert [d.device_class for d in devices] == [RECORDINGS[n][1] for n in names]
    assert [d.address for d in devices] == [hosts[i % 2] for i in range(len(names))]


def test_closing_with_a_request_in_flight_cancels_it(engine):
    """A client closed mid-request cancels the waiting caller at once (no hang, no error)."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as silent:
        silent.bind(("127.0.0.1", 0))
        port = silent.getsockname()[1]

        async def run():
            client = SnmpClient(SnmpOptions(port=port, timeout=5, retries=0, engine=engine))
            task = asyncio.create_task(
                client.get("127.0.0.1", SnmpAuth.v2c(Secret("x")), [SYS_NAME])
            )
            await asyncio.sleep(0.2)
            started = time.monotonic()
            client.close()
            with pytest.raises(asyncio.CancelledError):
                await asyncio.wait_for(task, 2)  # a hang fails here with TimeoutError
            return time.monotonic() - started

        assert asyncio.run(run()) < 1.0
        assert silent.recv(4096)  # the request really went out before the close


def test_an_unknown_engine_is_an_input_error():
    with pytest.raises(InputError, match="unknown SNMP engine 'fast'"):
        SnmpOptions(engine="fast")
    with pytest.raises(InputError, match="host variable snmp_engine") as info:
        options_from_vars({"snmp_engine": "fast"})
    assert info.value.exit_code == InputError.exit_code
    assert options_from_vars({"snmp_engine": "pysnmp"}).engine == "pysnmp"
    assert set(ENGINES) == {"native", "pysnmp"}


def test_the_playbook_argument_accepts_only_known_engines():
    import jsonschema

    from rmmkit.snmp.actions import SnmpIdentify, SnmpPoll

    for action in (SnmpIdentify, SnmpPoll):
        jsonschema.validate({"engine": "pysnmp"}, action.args_schema)
        with pytest.raises(jsonschema.ValidationError):
            jsonschema.validate({"engine": "fast"}, action.args_schema)


def test_discovery_delegate_takes_the_engine(snmpsim_agent, engine):
    from rmmkit.snmp import system_identity

    values, note = asyncio.run(
        system_identity(
            "127.0.0.1",
            [Secret("fw-paloalto")],
            timeout=1.0,
            port=snmpsim_agent.port,
            engine=engine,
        )
    )
    assert values["device_kind"] == "firewall" and note == "snmp v2c (community #1)"


@pytest.fixture(scope="module")
def snmpd6(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Agent]:
    """net-snmp snmpd on ::1 only (v2c), to prove the IPv6 path of both engines."""
    if not shutil.which("snmpd"):
        pytest.fail("net-snmp snmpd is not installed (apt-get install snmpd)")
    with socket.socket(socket.AF_INET6, socket.SOCK_DGRAM) as probe:
        probe.bind(("::1", 0))
        port = probe.getsockname()[1]
    base = tmp_path_factory.mktemp("snmpd6")
    conf = base / "snmpd.conf"
    conf.write_text(f"agentAddress udp6:[::1]:{port}\nrocommunity6 {V2C_COMMUNITY} ::1\n")
    proc = subprocess.Popen(
        ["snmpd", "-f", "-Lo", "-C", "-c", str(conf), f"--persistentDir={base / 'persist'}"],
        env={**os.environ, "MIBS": ""},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    auth = SnmpAuth.v2c(Secret(V2C_COMMUNITY))
    deadline = time.monotonic() + 20
    try:
        while True:
            try:
                run_sync(
                    lambda c: c.get("::1", auth, [SYS_NAME]),
                    SnmpOptions(port=port, timeout=0.5, retries=0),
                )
                break
            except UnreachableError:
                if time.monotonic() > deadline:
                    raise
        yield Agent("::1", port)
    finally:
        stop(proc)


def test_ipv6_agent(snmpd6, engine):
    auth = SnmpAuth.v2c(Secret(V2C_COMMUNITY))
    got = run_sync(
        lambda c: c.get(snmpd6.host, auth, [SYS_NAME]),
        SnmpOptions(port=snmpd6.port, timeout=1.0, engine=engine),
    )
    assert got[SYS_NAME].decode() == socket.gethostname()


@pytest.fixture()
def noisy_relay(snmpd_agent) -> Iterator[Agent]:
    """A UDP relay to snmpd that answers every request with garbage first, then the real reply."""
    relay = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    relay.bind(("127.0.0.1", 0))
    relay.settimeout(0.2)
    upstream = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    upstream.settimeout(2)
    done = threading.Event()

    def serve() -> None:
        while not done.is_set():
            try:
                request, client = relay.recvfrom(65535)
            except TimeoutError:
                continue
            for garbage in (b"garbage", b"\x30\x03\x02\x01\x01", b"\x30\x82\xff\xff", b""):
                relay.sendto(garbage, client)
            upstream.sendto(request, (snmpd_agent.host, snmpd_agent.port))
            relay.sendto(upstream.recv(65535), client)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield Agent("127.0.0.1", relay.getsockname()[1])
    finally:
        done.set()
        thread.join(timeout=5)
        relay.close()
        upstream.close()


def test_garbage_datagrams_are_dropped_quietly(noisy_relay, v2c_auth, engine, caplog):
    got = run_sync(
        lambda c: c.get(noisy_relay.host, v2c_auth, [SYS_NAME]),
        SnmpOptions(port=noisy_relay.port, timeout=2.0, retries=0, engine=engine),
    )
    assert got[SYS_NAME].decode() == socket.gethostname()
    assert [r for r in caplog.records if r.levelno >= logging.WARNING] == []
