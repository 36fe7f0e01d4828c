"""Network devices (seed 002's tabs: UPS, printer, firewall, router, switch, Linux, ICMP, SNMP).

Why one column list per tab: the tabs are the report's contract, shown the
same on the command line and in the portal.  Rows come from the latest
stored ``snmp`` facts of each device; a site still on SNMP v1/v2c gets a note.
"""

from __future__ import annotations

from collections import defaultdict
from typing import TYPE_CHECKING, Any

from rmmkit.reports.base import Column, Table

if TYPE_CHECKING:
    from rmmkit.store import Store

NAME = "network-devices"
TITLE = "Network Devices"

COMMON_HEAD = (("site", "Site"), ("host", "Host"))
COMMON_TAIL = (("snmp", "SNMP"), ("collected", "Collected"))
TABS: dict[str, tuple[tuple[str, str], ...]] = {
    "ups": (
        ("ups_name", "UPS Name"),
        ("address", "Address"),
        ("description", "Description"),
        ("availability", "Availability"),
        ("battery_status", "Status"),
        ("capacity_percent", "UPS Capacity %"),
        ("output_status", "Output Status"),
        ("replace_indicator", "Replace Indicator"),
        ("load_percent", "Load Output %"),
        ("output_frequency_hz", "Output Frequency Hz"),
        ("output_voltage", "Output Voltage V"),
        ("minutes_on_battery", "Minutes On Battery"),
    ),
    "printer": (
        ("printer_name", "Printer Name"),
        ("address", "Address"),
        ("printer_model", "Printer Model"),
        ("device_availability", "Device Availability"),
        ("description", "Description"),
        ("device_status", "Device Status"),
        ("printer_status", "Printer Status"),
    ),
    "firewall": (
        ("address", "Firewall IP"),
        ("name", "Name"),
        ("device_manufacturer", "Device Manufacturer"),
        ("cpu_percent", "CPU %"),
        ("free_memory", "Free Memory"),
        ("used_memory", "Used Memory"),
    ),
    "router": (
        ("address", "Router IP"),
        ("name", "Name"),
        ("device_type", "Device Type"),
        ("device_manufacturer", "Device Manufacturer"),
        ("cpu_percent", "CPU %"),
        ("free_memory", "Free Memory"),
    ),
    "switch": (
        ("address", "Switch IP"),
        ("name", "Name"),
        ("device_type", "Device Type"),
        ("device_manufacturer", "Device Manufacturer"),
        ("cpu_percent", "CPU %"),
        ("free_memory", "Free Memory"),
        ("total_memory", "Total Memory"),
    ),
    "linux": (
        ("machine_name", "Machine Name"),
        ("address", "Address"),
        ("os_version", "OS Version"),
        ("machine_availability", "Machine Availability"),
    ),
    "icmp": (
        ("name", "ICMP Device Name"),
        ("address", "Address"),
        ("device_availability", "Device Availability"),
    ),
    "snmp": (
        ("device_name", "SNMP Device Name"),
        ("address", "Address"),
        ("device_availability", "Device Availability"),
        ("description", "Description"),
    ),
}
KINDS = tuple(TABS)
MEMORY = {"free_memory", "used_memory", "total_memory"}


def _snmp_label(data: dict[str, Any]) -> str:
    version = data.get("snmp_version")
    if not version:
        return "-"
    return f"v{version}" + ("" if data.get("secure") else " (insecure)")


def report_rows(facts: list[dict[str, Any]], kind: str) -> list[dict[str, Any]]:
    """One row per device of ``kind``: the tab's columns plus site, host, SNMP level, time."""
    rows = []
    for fact in facts:
        data = fact.get("data") or {}
        if data.get("kind") != kind:
            continue
        tab = data.get("tab") or {
            "address": data.get("address"),
            "name": (data.get("identity") or {}).get("sys_name"),
        }
        row = {"site": fact.get("site", ""), "host": fact.get("host", "")}
        row.update({key: tab.get(key) for key, _title in TABS[kind]})
        row["snmp"] = _snmp_label(data)
        row["snmp_version"] = data.get("snmp_version")
        row["snmp_secure"] = bool(data.get("secure"))
        row["collected"] = fact.get("collected_at")
        rows.append(row)
    return rows


def insecure_sites(rows: list[dict[str, Any]]) -> list[str]:
    """Warnings for sites whose devices answered SNMP v1/v2c (v3 authPriv is recommended)."""
    per_site: dict[str, set[str]] = defaultdict(set)
    for row in rows:
        if row.get("snmp_version") and not row.get("snmp_secure"):
            per_site[row["site"] or "(no site)"].add(str(row["snmp_version"]))
    return [
        f"site {site} uses SNMP {', '.join('v' + v for v in sorted(versions))}: "
        "cleartext community, no authentication; SNMP v3 authPriv is recommended"
        for site, versions in sorted(per_site.items())
    ]


def columns(kind: str) -> tuple[Column, ...]:
    """The tab's columns, between the site/host and the SNMP level/collection time."""

    def column(key: str, title: str) -> Column:
        kind_of = "bytes" if key in MEMORY else "time" if key == "collected" else "text"
        return Column(key, title, kind=kind_of)

    keys = COMMON_HEAD + TABS[kind] + COMMON_TAIL
    return (
        *(column(k, t) for k, t in keys),
        Column("snmp_version", "SNMP version", table=False),
        Column("snmp_secure", "SNMP secure", kind="bool", table=False),
    )


def query(store: Store, kind: str, *, site: str | None = None) -> Table:
    """The devices of one tab (``kind``), newest facts per device."""
    rows = report_rows(store.facts(kind="snmp", site=site), kind)
    return Table(
        NAME,
        columns(kind),
        rows,
        notes=tuple(insecure_sites(rows)),
        empty=f"no {kind} devices in the store",
        filters={"kind": kind, "site": site},
    )
