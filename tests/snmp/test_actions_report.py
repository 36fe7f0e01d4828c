"""snmp_identify / snmp_poll through the session (credentials by name, facts in the store),
then ``rmmkit report network-devices`` over those facts."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from rmmkit.actions.base import TaskContext
from rmmkit.declared.models import Credential, ResolvedHost, SecretRef, Task
from rmmkit.errors import UnreachableError
from rmmkit.run.session import Session
from rmmkit.transports.base import ConnectionCache

from .conftest import free_udp_port
from .recordings import RECORDINGS, load


@pytest.fixture()
def session(tmp_path):
    with Session.create(use_store=True, project_dir=tmp_path) as s:
        yield s


def host_for(name, community_var, port, site="hq"):
    cred = Credential(
        name=f"{name}-snmp", kind="snmp_community", secret=SecretRef("env", community_var)
    )
    return ResolvedHost(
        name=name,
        address="127.0.0.1",
        site=site,
        credentials=(cred,),
        vars={"snmp_port": port, "snmp_timeout": 1, "snmp_retries": 1},
    )


def opener(session):
    return lambda name, host, timeout: session.transport(name).open(host, timeout=timeout)


def run_action(session, host, action, args=None, cache=None):
    own = cache is None
    cache = cache or ConnectionCache(host, opener(session), timeout=10)
    task = Task(name=action, action=action)
    ctx = TaskContext(host=host, task=task, session=session, connections=cache)
    try:
        return session.action(action).run(ctx, args or {})
    finally:
        if own:
            cache.close_all()


def test_poll_stores_facts_and_report_shows_them(session, snmpsim_agent, monkeypatch, tmp_path):
    monkeypatch.setenv("RMKS_UPS_COMMUNITY", "ups-eaton")
    monkeypatch.setenv("RMKS_FW_COMMUNITY", "fw-paloalto")
    ups = host_for("ups1", "RMKS_UPS_COMMUNITY", snmpsim_agent.port)
    fw = host_for("fw1", "RMKS_FW_COMMUNITY", snmpsim_agent.port, site="branch")
    ident = run_action(session, ups, "snmp_identify")
    assert ident.data["kind"] == "ups" and "v3 authPriv recommended" in ident.msg
    outcome = run_action(session, ups, "snmp_poll")
    run_action(session, fw, "snmp_poll")
    rec = load(RECORDINGS["ups-eaton"][0])
    assert outcome.data["tab"]["capacity_percent"] == rec["1.3.6.1.2.1.33.1.2.4.0"].number

    facts = session.store.facts(kind="snmp")
    assert {f["host"] for f in facts} == {"ups1", "fw1"}
    assert all(f["collected_at"] for f in facts)
    assert "ups-eaton" not in json.dumps(facts)  # the community never reaches the store

    from rmmkit.cli.main import load_commands

    db = f"sqlite:///{tmp_path}/.rmmkit/rmmkit.db"
    runner = CliRunner()
    result = runner.invoke(
        load_commands(),
        ["report", "network-devices", "--kind", "ups", "--db", db, "--format", "json"],
    )
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)
    assert [r["host"] for r in rows] == ["ups1"]
    assert rows[0]["minutes_on_battery"] == rec["1.3.6.1.2.1.33.1.2.3.0"].number
    assert "SNMP v2c" in result.stderr and "v3 authPriv is recommended" in result.stderr

    table = runner.invoke(
        load_commands(),
        ["report", "network-devices", "--kind", "firewall", "--db", db, "--site", "branch"],
    )
    assert table.exit_code == 0, table.output
    assert (
        "Palo Alto Networks" in table.stdout
        and "fw1" in table.stdout
        and "ups1" not in table.stdout
    )


def test_icmp_only_device(session, monkeypatch):
    monkeypatch.setenv("RMKS_ANY_COMMUNITY", "public")
    silent = host_for("pingonly", "RMKS_ANY_COMMUNITY", free_udp_port())
    cache = ConnectionCache(silent, opener(session), timeout=10)
    outcome = run_action(session, silent, "snmp_identify", {"timeout": 0.3, "retries": 0}, cache)
    assert outcome.data["kind"] == "icmp" and "no SNMP answer" in outcome.msg
    assert run_action(session, silent, "snmp_poll", {}, cache).skipped
    assert session.store.facts(kind="snmp", host="pingonly")[0]["data"]["kind"] == "icmp"
    with pytest.raises(UnreachableError, match="wrong community or host down"):
        run_action(
            session, silent, "snmp_identify", {"timeout": 0.3, "retries": 0, "icmp_fallback": False}
        )


def test_host_without_snmp_credential_is_refused(session):
    bare = ResolvedHost(name="bare", address="127.0.0.1")
    with pytest.raises(Exception, match="no SNMP credential"):
        run_action(session, bare, "snmp_identify")


def test_device_that_stops_answering_is_reported_unavailable(session, snmpsim_agent, monkeypatch):
    monkeypatch.setenv("RMKS_LNX_COMMUNITY", "linux-slackware")
    linux = host_for("lnx1", "RMKS_LNX_COMMUNITY", snmpsim_agent.port)
    run_action(session, linux, "snmp_poll")
    assert session.store.facts(host="lnx1")[0]["data"]["tab"]["machine_availability"] == "available"
    gone = host_for("lnx1", "RMKS_LNX_COMMUNITY", free_udp_port())  # the agent stopped answering
    with pytest.raises(UnreachableError):
        run_action(session, gone, "snmp_poll", {"timeout": 0.3, "retries": 0})
    latest = session.store.facts(host="lnx1")[0]["data"]
    assert latest["tab"]["machine_availability"] == "unavailable"
    assert latest["class"] == "linux"  # what it was is kept
