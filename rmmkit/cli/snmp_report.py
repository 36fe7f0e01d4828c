"""Rendering the network-device tabs (seed 002) from stored ``snmp`` facts.

Why its own module: the column lists per tab are the report's contract and
the portal reuses :func:`report_rows`; the command in ``cli/snmp.py`` only
opens the store and picks the format.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
from collections import defaultdict
from typing import IO, Any

from tabulate import tabulate

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


def _human(value: Any, key: str) -> Any:
    if value is None:
        return "-"
    if key in MEMORY and isinstance(value, int):
        return f"{value / 2**20:,.1f} MiB"
    if key == "collected" and isinstance(value, int | float):
        return dt.datetime.fromtimestamp(value).strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, bool):
        return "yes" if value else "no"
    return value


def render_report(facts: list[dict[str, Any]], kind: str, fmt: str, out: IO[str]) -> list[str]:
    """Write the tab in ``fmt``; return the warnings (insecure SNMP sites) for stderr."""
    rows = report_rows(facts, kind)
    columns = COMMON_HEAD + TABS[kind] + COMMON_TAIL
    if fmt == "json":
        out.write(json.dumps(rows, indent=2, default=str) + "\n")
    elif fmt == "csv":
        writer = csv.DictWriter(
            out, fieldnames=[k for k, _t in columns] + ["snmp_version", "snmp_secure"]
        )
        writer.writeheader()
        writer.writerows(rows)
    else:
        table = [[_human(row.get(k), k) for k, _t in columns] for row in rows]
        out.write(
            tabulate(table, headers=[t for _k, t in columns]) + "\n"
            if rows
            else f"no {kind} devices in the store\n"
        )
    return insecure_sites(rows)
