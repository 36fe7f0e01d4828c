"""Scans and scan rows: merging per address, filters, latest hosts, agent status updates."""

from __future__ import annotations

import time

import pytest

from rmmkit.errors import InputError, StoreError
from rmmkit.store import Store


def scan_with(store: Store, site: str, rows: list[dict], status: str = "finished") -> str:
    scan_id = store.begin_scan(site, ["10.1.0.0/24"], ["10.1.0.1"])
    store.add_scan_rows(scan_id, rows)
    store.finish_scan(scan_id, status)
    return scan_id


def test_rows_merge_per_address_and_retries_do_not_duplicate(store: Store) -> None:
    scan_id = store.begin_scan("acme", ["10.1.0.0/24"], [])
    ping = {
        "ip": "10.1.0.7",
        "machine_status": "Online",
        "found_by": "icmp",
        "sources": {"machine_status": "icmp"},
    }
    store.add_scan_rows(scan_id, [ping])
    store.add_scan_rows(scan_id, [ping])  # retried batch
    store.add_scan_rows(
        scan_id,
        [
            {
                "ip": "10.1.0.7",
                "hostname": "pc7",
                "os": "Windows 11",
                "resource_type": "desktop",
                "sources": {"hostname": "nbns"},
                "extra": {"domain": "ACME"},
                "smb_signing": True,
            }
        ],
    )
    rows = store.scan_rows(scan_id)
    assert len(rows) == 1
    row = rows[0]
    assert (row["hostname"], row["os"], row["machine_status"], row["found_by"]) == (
        "pc7",
        "Windows 11",
        "online",
        "icmp",
    )
    assert row["sources"] == {"machine_status": "icmp", "hostname": "nbns"}
    assert row["extra"] == {"domain": "ACME", "smb_signing": True}


def test_addresses_are_stored_in_canonical_form(store: Store) -> None:
    scan_id = store.begin_scan("acme", ["fd00::/64"], [])
    store.add_scan_rows(scan_id, [{"ip": "FD00:0:0::5", "hostname": "a"}])
    store.add_scan_rows(scan_id, [{"ip": " fd00::5 ", "os": "Linux"}])
    assert [(r["ip"], r["hostname"], r["os"]) for r in store.scan_rows(scan_id)] == [
        ("fd00::5", "a", "Linux")
    ]


def test_row_without_ip_or_with_bad_ip_is_refused(store: Store) -> None:
    scan_id = store.begin_scan("acme", ["10.1.0.0/24"], [])
    with pytest.raises(StoreError, match="without an ip"):
        store.add_scan_rows(scan_id, [{"hostname": "x"}])
    with pytest.raises(InputError, match="not an IP address"):
        store.add_scan_rows(scan_id, [{"ip": "10.1.0.300"}])
    with pytest.raises(StoreError, match="no scan"):
        store.add_scan_rows("missing", [{"ip": "10.1.0.3"}])


def test_scans_list_counts_and_time_window(store: Store) -> None:
    before = time.time()
    first = scan_with(
        store, "acme", [{"ip": "10.1.0.5"}, {"ip": "10.1.0.6", "machine_status": "offline"}]
    )
    second = scan_with(store, "beta", [{"ip": "10.2.0.5"}])
    listed = store.scans()
    assert [s["scan_id"] for s in listed] == [second, first]
    acme = store.scans(site="acme")[0]
    assert (acme["hosts"], acme["online"], acme["status"]) == (2, 1, "finished")
    assert acme["ranges"] == ["10.1.0.0/24"] and acme["excludes"] == ["10.1.0.1"]
    assert store.scans(since=time.time() + 60) == []
    assert len(store.scans(since=before, until=time.time() + 1)) == 2


def test_scan_rows_filters(store: Store) -> None:
    scan_with(
        store,
        "acme",
        [
            {"ip": "10.1.0.5", "resource_type": "desktop"},
            {"ip": "10.1.0.200", "resource_type": "server"},
            {"ip": "10.1.1.5", "resource_type": "desktop"},
            {"ip": "fd00::5", "resource_type": "server"},
        ],
    )
    scan_with(store, "beta", [{"ip": "10.1.0.9", "resource_type": "desktop"}])

    def ips(**kw: object) -> list[str]:
        return sorted(r["ip"] for r in store.scan_rows(**kw))

    assert ips(site="acme", ip_range="10.1.0.0/24") == ["10.1.0.200", "10.1.0.5"]
    assert ips(ip_range="10.1.0.1-10.1.0.10") == ["10.1.0.5", "10.1.0.9"]
    assert ips(ip_range=["10.1.1.0/24", "fd00::/64"]) == ["10.1.1.5", "fd00::5"]
    assert ips(site="acme", resource_type="server") == ["10.1.0.200", "fd00::5"]
    assert ips(until=time.time() - 3600) == []
    with pytest.raises(InputError, match="bad IP range"):
        store.scan_rows(ip_range="10.1.0.9-10.1.0.1")


def test_latest_hosts_uses_newest_finished_scan_online_only(store: Store) -> None:
    scan_with(store, "acme", [{"ip": "10.1.0.5"}, {"ip": "10.1.0.6"}])
    scan_with(
        store,
        "acme",
        [
            {"ip": "10.1.0.7", "machine_status": "online"},
            {"ip": "10.1.0.8", "machine_status": "offline"},
        ],
    )
    scan_with(store, "acme", [{"ip": "10.1.0.99"}], status="failed")
    running = store.begin_scan("acme", ["10.1.0.0/24"], [])
    store.add_scan_rows(running, [{"ip": "10.1.0.100"}])
    assert [h["ip"] for h in store.latest_hosts("acme")] == ["10.1.0.7"]
    assert store.latest_hosts("nowhere") == []


def test_update_agent_status_touches_the_newest_row_only(store: Store) -> None:
    old = scan_with(store, "acme", [{"ip": "10.1.0.5", "agent_status": "not_installed"}])
    new = scan_with(store, "acme", [{"ip": "10.1.0.5", "agent_status": "not_installed"}])
    assert store.update_agent_status("acme", "10.1.0.5", "installed", "asio", "2.4.1")
    assert not store.update_agent_status("acme", "10.1.0.77", "installed")
    assert not store.update_agent_status("beta", "10.1.0.5", "installed")
    (new_row,) = store.scan_rows(new)
    (old_row,) = store.scan_rows(old)
    assert (new_row["agent_status"], new_row["agent"], new_row["agent_version"]) == (
        "installed",
        "asio",
        "2.4.1",
    )
    assert old_row["agent_status"] == "not_installed"
