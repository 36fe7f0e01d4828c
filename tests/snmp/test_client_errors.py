"""The client against net-snmp snmpd: v2c and v3 authPriv work; wrong secrets say so clearly."""

from __future__ import annotations

import socket

import pytest

from rmmkit.errors import AuthenticationError, UnreachableError
from rmmkit.secrets.values import Secret
from rmmkit.snmp.auth import SnmpAuth
from rmmkit.snmp.ber import Missing
from rmmkit.snmp.client import SnmpOptions, run_sync

from .conftest import ENGINES, V3_AUTH, V3_PRIV, V3_PROTOCOL_PAIRS, V3_USER, v3_pair_user

SYS_OBJECT_ID = "1.3.6.1.2.1.1.2.0"
SYS_NAME = "1.3.6.1.2.1.1.5.0"
# v1 and v2c on each v1/v2c engine; v3 always runs on pysnmp's v3arch (engine does not apply)
VERSION_ENGINES = [(v, e) for v in ("1", "2c") for e in ENGINES] + [("3", "native")]


def opts(agent, **kw):
    return SnmpOptions(
        port=agent.port, timeout=kw.pop("timeout", 0.5), retries=kw.pop("retries", 0), **kw
    )


def test_v2c_and_v3_read_the_same_agent(snmpd_agent, v2c_auth, v3_auth, engine):
    v2 = run_sync(
        lambda c: c.get(snmpd_agent.host, v2c_auth, [SYS_OBJECT_ID, SYS_NAME]),
        opts(snmpd_agent, engine=engine),
    )
    v3 = run_sync(
        lambda c: c.get(snmpd_agent.host, v3_auth, [SYS_OBJECT_ID, SYS_NAME]), opts(snmpd_agent)
    )
    assert v2 == v3
    assert v2[SYS_NAME].decode() == socket.gethostname()
    assert v2[SYS_OBJECT_ID].startswith("1.3.6.1.4.1.8072.")


@pytest.mark.parametrize(("auth_protocol", "priv_protocol"), V3_PROTOCOL_PAIRS)
def test_every_v3_protocol_pair_net_snmp_speaks(
    snmpd_agent, v2c_auth, auth_protocol, priv_protocol
):
    """AES-192/256 keys are localised the way net-snmp does it (Blumenthal), SHA-2 digests too."""
    auth = SnmpAuth.v3(
        v3_pair_user(auth_protocol, priv_protocol),
        Secret(V3_AUTH),
        Secret(V3_PRIV),
        auth_protocol=auth_protocol,
        priv_protocol=priv_protocol,
    )
    got = run_sync(lambda c: c.get(snmpd_agent.host, auth, [SYS_OBJECT_ID]), opts(snmpd_agent))
    reference = run_sync(
        lambda c: c.get(snmpd_agent.host, v2c_auth, [SYS_OBJECT_ID]), opts(snmpd_agent)
    )
    assert got == reference and got[SYS_OBJECT_ID].startswith("1.3.6.1.4.1.8072.")
    wrong_priv = SnmpAuth.v3(
        v3_pair_user(auth_protocol, priv_protocol),
        Secret(V3_AUTH),
        Secret("not-the-priv-passphrase"),
        auth_protocol=auth_protocol,
        priv_protocol=priv_protocol,
    )
    with pytest.raises(AuthenticationError):
        run_sync(lambda c: c.get(snmpd_agent.host, wrong_priv, [SYS_OBJECT_ID]), opts(snmpd_agent))


@pytest.mark.parametrize(("version", "engine"), VERSION_ENGINES)
def test_walk_every_version_same_rows(snmpd_agent, v2c_auth, v3_auth, version, engine):
    auth = {"1": SnmpAuth.v1(v2c_auth.community), "2c": v2c_auth, "3": v3_auth}[version]
    rows = run_sync(
        lambda c: c.walk(snmpd_agent.host, auth, "1.3.6.1.2.1.1"), opts(snmpd_agent, engine=engine)
    )
    oids = [oid for oid, _v in rows]
    assert oids == sorted(oids, key=lambda o: tuple(map(int, o.split("."))))
    assert SYS_OBJECT_ID in oids and all(o.startswith("1.3.6.1.2.1.1.") for o in oids)
    reference = run_sync(
        lambda c: c.walk(snmpd_agent.host, v2c_auth, "1.3.6.1.2.1.1"), opts(snmpd_agent)
    )
    assert [o for o, _v in reference if not o.startswith("1.3.6.1.2.1.1.3.")] == [
        o for o in oids if not o.startswith("1.3.6.1.2.1.1.3.")
    ]


@pytest.mark.parametrize("version", ["1", "2c"])
def test_missing_object_is_reported_not_raised(snmpd_agent, v2c_auth, engine, version):
    """v2c: the agent's noSuchObject; v1: noSuchName, retried without the OID."""
    auth = SnmpAuth(version, community=v2c_auth.community)
    got = run_sync(
        lambda c: c.get(snmpd_agent.host, auth, ["1.3.6.1.2.1.33.1.1.5.0", SYS_NAME]),
        opts(snmpd_agent, engine=engine),
    )
    assert got["1.3.6.1.2.1.33.1.1.5.0"] in (Missing.NO_SUCH_OBJECT, Missing.NO_SUCH_INSTANCE)
    assert got[SYS_NAME].decode() == socket.gethostname()


def test_wrong_community_is_a_clear_timeout(snmpd_agent, engine):
    wrong = SnmpAuth.v2c(Secret("not-the-community"), name="hq-snmp")
    with pytest.raises(UnreachableError) as info:
        run_sync(
            lambda c: c.get(snmpd_agent.host, wrong, [SYS_OBJECT_ID]),
            opts(snmpd_agent, timeout=0.3, engine=engine),
        )
    err = info.value
    assert "no answer" in str(err) and "wrong community or host down" in str(err)
    assert "hq-snmp" in str(err)
    assert "not-the-community" not in str(err) and all(
        "not-the-community" not in c for c in err.causes
    )
    assert any("community" in c for c in err.causes)


def test_wrong_v3_auth_key_is_an_authentication_error(snmpd_agent):
    wrong = SnmpAuth.v3(
        V3_USER, Secret("wrong-auth-passphrase"), Secret(V3_PRIV), auth_protocol="sha256"
    )
    with pytest.raises(AuthenticationError) as info:
        run_sync(lambda c: c.get(snmpd_agent.host, wrong, [SYS_OBJECT_ID]), opts(snmpd_agent))
    assert "WrongDigest" in str(info.value)
    assert any("usmStatsWrongDigests" in c for c in info.value.causes)
    assert "wrong-auth-passphrase" not in str(info.value)


def test_wrong_v3_priv_key_is_an_authentication_error(snmpd_agent):
    wrong = SnmpAuth.v3(
        V3_USER, Secret(V3_AUTH), Secret("wrong-priv-passphrase"), auth_protocol="sha256"
    )
    with pytest.raises(AuthenticationError) as info:
        run_sync(lambda c: c.get(snmpd_agent.host, wrong, [SYS_OBJECT_ID]), opts(snmpd_agent))
    assert any("privacy key" in c for c in info.value.causes)


def test_unknown_v3_user_is_an_authentication_error(snmpd_agent):
    wrong = SnmpAuth.v3("nobody", Secret(V3_AUTH), Secret(V3_PRIV), auth_protocol="sha256")
    with pytest.raises(AuthenticationError) as info:
        run_sync(lambda c: c.get(snmpd_agent.host, wrong, [SYS_OBJECT_ID]), opts(snmpd_agent))
    assert any("no SNMPv3 user" in c for c in info.value.causes)


def test_nothing_listening_is_unreachable_for_v3_too(v3_auth):
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # bound but never answering
        with pytest.raises(UnreachableError):
            run_sync(
                lambda c: c.get("127.0.0.1", v3_auth, [SYS_OBJECT_ID]),
                SnmpOptions(port=port, timeout=0.3, retries=0),
            )


def test_auth_repr_hides_secrets(v3_auth, v2c_auth):
    assert V3_AUTH not in repr(v3_auth) and V3_PRIV not in repr(v3_auth)
    assert str(v2c_auth.community.reveal()) not in repr(v2c_auth)
    assert v3_auth.secure and not v2c_auth.secure


@pytest.mark.parametrize(("version", "engine"), VERSION_ENGINES)
def test_identify_answers_the_same_on_every_version(
    snmpd_agent, v2c_auth, v3_auth, version, engine
):
    """v1 GETNEXT (with noSuchName handling), v2c GETBULK and v3 all classify alike."""
    from rmmkit.snmp.classify import load_ruleset
    from rmmkit.snmp.identify import identify

    auth = {"1": SnmpAuth.v1(v2c_auth.community), "2c": v2c_auth, "3": v3_auth}[version]
    dev = run_sync(
        lambda c: identify(c, snmpd_agent.host, [auth], load_ruleset()),
        opts(snmpd_agent, engine=engine),
    )
    assert dev.device_class == "linux" and dev.version == version
    assert dev.identity.sys_services == 72  # from the snmpd.conf the fixture wrote
    assert {"host_resources", "ucd_snmp"} <= dev.identity.mibs
    assert dev.secure is (version == "3")
