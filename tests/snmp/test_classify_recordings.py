"""Every recording served by snmpsim is identified as the device it really is."""

from __future__ import annotations

import pytest

from rmmkit.snmp.auth import SnmpAuth
from rmmkit.snmp.classify import load_ruleset
from rmmkit.snmp.client import SnmpOptions, run_sync
from rmmkit.snmp.identify import identify, identify_many

from .conftest import ENGINES
from .recordings import RECORDINGS, load


@pytest.fixture(scope="module", params=ENGINES)
def identified(request, snmpsim_agent):
    """Identify every recording once per v1/v2c engine."""
    ruleset = load_ruleset()
    opts = SnmpOptions(port=snmpsim_agent.port, timeout=2, retries=1, engine=request.param)

    async def run(client):
        out = {}
        for community in RECORDINGS:
            out[community] = await identify(
                client, snmpsim_agent.host, [SnmpAuth.v2c(community)], ruleset
            )
        return out

    return run_sync(run, opts)


@pytest.mark.parametrize("community", sorted(RECORDINGS))
def test_recording_is_classified_as_what_it_is(identified, community):
    path, expected = RECORDINGS[community]
    dev = identified[community]
    assert dev.device_class == expected, dev.identity
    rec = load(path)
    assert dev.identity.sys_object_id == rec["1.3.6.1.2.1.1.2.0"].raw
    assert dev.identity.sys_descr == rec["1.3.6.1.2.1.1.1.0"].text


def test_identify_many_keeps_hosts_apart(snmpsim_agent, engine):
    """Two communities at once through one engine: each host keeps its own answer."""
    ruleset = load_ruleset()
    opts = SnmpOptions(port=snmpsim_agent.port, timeout=2, retries=1, engine=engine)

    async def run(client):
        ups = await identify_many(client, ["127.0.0.1"], [SnmpAuth.v2c("ups-eaton")], ruleset)
        fw = await identify_many(client, ["127.0.0.1"], [SnmpAuth.v2c("fw-fortinet")], ruleset)
        return ups["127.0.0.1"], fw["127.0.0.1"]

    ups, fw = run_sync(run, opts)
    assert ups.kind == "ups"
    assert fw.kind == "firewall"
    assert fw.manufacturer == "Fortinet"


def test_discovery_system_identity(snmpsim_agent):
    """Discovery's delegate: first answering community wins; communities named by position."""
    import asyncio

    from rmmkit.secrets.values import Secret
    from rmmkit.snmp import system_identity

    communities = [Secret("no-such-community"), Secret("switch-cisco")]
    values, note = asyncio.run(
        system_identity("127.0.0.1", communities, timeout=0.5, port=snmpsim_agent.port)
    )
    rec = load(RECORDINGS["switch-cisco"][0])
    assert values["sys_object_id"] == rec["1.3.6.1.2.1.1.2.0"].raw
    assert values["device_kind"] == "switch"
    assert note == "snmp v2c (community #2)"
