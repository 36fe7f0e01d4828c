"""Deployment events and collected facts."""

from __future__ import annotations

import datetime as dt

import pytest

from rmmkit.errors import StoreError
from rmmkit.store import Store


def event(**kw: object) -> dict:
    base = {
        "run_id": "r1",
        "site": "acme",
        "host": "pc7",
        "ip": "10.1.0.7",
        "agent": "asio",
        "from_version": None,
        "to_version": "2.4.1",
        "method": "smb+scmr",
        "started": 1000.0,
        "ended": None,
        "result": "in_progress",
        "error": None,
        "causes": [],
    }
    return {**base, **kw}


def test_event_written_at_start_then_completed_is_one_row(store: Store) -> None:
    store.add_deployment_event(event())
    store.add_deployment_event(
        event(
            ended=1012.5,
            result="failed",
            error="The network path was not found",
            causes=["Firewall is ON.", "File and Printer sharing is disabled."],
        )
    )
    store.add_deployment_event(event(ended=1012.5, result="failed"))  # a retry adds nothing
    (row,) = store.deployment_events()
    assert (row["result"], row["ended"], row["error"]) == (
        "failed",
        1012.5,
        "The network path was not found",
    )
    assert row["causes"] == ["Firewall is ON.", "File and Printer sharing is disabled."]
    assert row["method"] == "smb+scmr" and row["to_version"] == "2.4.1"


def test_event_filters(store: Store) -> None:
    store.add_deployment_event(event())
    store.add_deployment_event(event(host="srv1", ip="10.1.0.200", started=2000.0))
    store.add_deployment_event(
        event(site="beta", host="mac1", ip="10.2.0.4", started=3000.0, method="ssh")
    )
    store.add_deployment_event(
        event(host="nohost", ip=None, started=dt.datetime.fromtimestamp(4000.0, dt.UTC))
    )

    def hosts(**kw: object) -> list[str]:
        return [e["host"] for e in store.deployment_events(**kw)]

    assert hosts() == ["pc7", "srv1", "mac1", "nohost"]  # oldest first
    assert hosts(site="acme") == ["pc7", "srv1", "nohost"]
    assert hosts(host="srv1") == ["srv1"]
    assert hosts(ip_range="10.1.0.0/24") == ["pc7", "srv1"]
    assert hosts(since=1500.0, until=3500.0) == ["srv1", "mac1"]
    assert hosts(since=dt.datetime.fromtimestamp(3500.0, dt.UTC)) == ["nohost"]


def test_event_with_unknown_key_is_refused(store: Store) -> None:
    with pytest.raises(StoreError, match="unknown keys"):
        store.add_deployment_event(event(password="x"))


def test_facts_latest_and_history(store: Store) -> None:
    store.add_facts("pc7", "acme", "system", {"cpu": "i5", "ram_gb": 8}, collected_at=100.0)
    store.add_facts("pc7", "acme", "system", {"cpu": "i5", "ram_gb": 16}, collected_at=200.0)
    store.add_facts("pc7", "acme", "system", {"cpu": "i5", "ram_gb": 16}, collected_at=200.0)
    store.add_facts("pc7", "acme", "disks", {"c": 512}, collected_at=150.0)
    store.add_facts("sw1", "acme", "interfaces", {"ifs": [{"name": "ge-0/0/1", "up": True}]})
    store.add_facts("pc9", "beta", "system", {"cpu": "m2"}, collected_at=50.0)

    latest = store.facts(kind="system")
    assert [(f["host"], f["data"]) for f in latest] == [
        ("pc7", {"cpu": "i5", "ram_gb": 16}),
        ("pc9", {"cpu": "m2"}),
    ]
    assert len(store.facts(kind="system", latest=False)) == 3
    assert [f["kind"] for f in store.facts(host="pc7")] == ["disks", "system"]
    assert [f["host"] for f in store.facts(site="acme", kind="interfaces")] == ["sw1"]
    assert store.facts(site="beta")[0]["collected_at"] == 50.0


def test_secrets_in_facts_and_scan_rows_are_stored_masked(store: Store) -> None:
    from rmmkit.secrets import Secret

    store.add_facts("pc7", "acme", "creds", {"community": Secret("public-s3cret")})
    scan_id = store.begin_scan("acme", ["10.1.0.0/24"], [])
    store.add_scan_rows(
        scan_id,
        [
            {
                "ip": "10.1.0.7",
                "extra": {"key": Secret("k3y-s3cret")},
                "snmp_community": Secret("c0mm-s3cret"),
            }
        ],
    )
    assert store.facts(kind="creds")[0]["data"] == {"community": "***"}
    (row,) = store.scan_rows(scan_id)
    assert row["extra"] == {"key": "***", "snmp_community": "***"}
