"""Each device's tab is filled with the real values of its recording.

Expected values are computed here from the .snmprec files and the MIB
definitions (RFC 1628, RFC 2790, vendor MIBs), not copied from rmmkit output.
"""

from __future__ import annotations

import pytest

from rmmkit.snmp.auth import SnmpAuth
from rmmkit.snmp.classify import load_ruleset
from rmmkit.snmp.client import SnmpOptions, run_sync
from rmmkit.snmp.identify import identify
from rmmkit.snmp.poll import poll

from .conftest import ENGINES
from .recordings import RECORDINGS, column, load

# RFC 1628 upsOutputSource / upsBatteryStatus; RFC 2790 hrDeviceStatus / hrPrinterStatus
OUTPUT_SOURCE = {
    1: "other",
    2: "none",
    3: "normal",
    4: "bypass",
    5: "battery",
    6: "booster",
    7: "reducer",
}
BATTERY_STATUS = {1: "unknown", 2: "normal", 3: "low", 4: "depleted"}
DEVICE_STATUS = {1: "unknown", 2: "running", 3: "warning", 4: "testing", 5: "down"}
PRINTER_STATUS = {1: "other", 2: "unknown", 3: "idle", 4: "printing", 5: "warmup"}


def known(n):
    return n if n is not None and n >= 0 else None


@pytest.fixture(scope="module", params=ENGINES)
def polled(request, snmpsim_agent):
    """Identify and poll every recording once per v1/v2c engine."""
    ruleset = load_ruleset()
    opts = SnmpOptions(port=snmpsim_agent.port, timeout=2, retries=1, engine=request.param)

    async def run(client):
        out = {}
        for community in RECORDINGS:
            auth = SnmpAuth.v2c(community)
            dev = await identify(client, snmpsim_agent.host, [auth], ruleset)
            out[community] = (dev, await poll(client, snmpsim_agent.host, auth, dev))
        return out

    return run_sync(run, opts)


def communities(cls):
    return sorted(c for c, (_p, k) in RECORDINGS.items() if k in cls)


@pytest.mark.parametrize("community", communities({"ups"}))
def test_ups_tab(polled, community):
    rec = load(RECORDINGS[community][0])
    _dev, row = polled[community]
    name = rec["1.3.6.1.2.1.33.1.1.5.0"].text or rec["1.3.6.1.2.1.1.5.0"].text
    assert row["ups_name"] == name
    assert row["capacity_percent"] == known(rec["1.3.6.1.2.1.33.1.2.4.0"].number)
    assert row["minutes_on_battery"] == known(rec["1.3.6.1.2.1.33.1.2.3.0"].number)
    assert row["output_status"] == OUTPUT_SOURCE[rec["1.3.6.1.2.1.33.1.4.1.0"].number]
    assert row["battery_status"] == BATTERY_STATUS[rec["1.3.6.1.2.1.33.1.2.1.0"].number]
    freq = known(rec["1.3.6.1.2.1.33.1.4.2.0"].number)
    assert row["output_frequency_hz"] == (freq / 10 if freq is not None else None)
    volts = column(rec, "1.3.6.1.2.1.33.1.4.4.1.2")
    load_rows = column(rec, "1.3.6.1.2.1.33.1.4.4.1.5")
    assert row["output_voltage"] == known(volts[0][1].number)
    assert row["load_percent"] == known(load_rows[0][1].number)
    alarms = [e.raw for _o, e in column(rec, "1.3.6.1.2.1.33.1.6.2.1.2")]
    assert row["replace_indicator"] is ("1.3.6.1.2.1.33.1.6.3.1" in alarms)


@pytest.mark.parametrize("community", communities({"printer"}))
def test_printer_tab(polled, community):
    rec = load(RECORDINGS[community][0])
    _dev, row = polled[community]
    index = next(
        o.rsplit(".", 1)[1]
        for o, e in column(rec, "1.3.6.1.2.1.25.3.2.1.2")
        if e.raw == "1.3.6.1.2.1.25.3.1.5"
    )
    assert row["printer_name"] == rec["1.3.6.1.2.1.1.5.0"].text
    assert row["printer_model"] == rec[f"1.3.6.1.2.1.25.3.2.1.3.{index}"].text
    assert row["device_status"] == DEVICE_STATUS[rec[f"1.3.6.1.2.1.25.3.2.1.5.{index}"].number]
    assert row["printer_status"] == PRINTER_STATUS[rec[f"1.3.6.1.2.1.25.3.5.1.1.{index}"].number]
    first_byte = bytes.fromhex(rec[f"1.3.6.1.2.1.25.3.5.1.2.{index}"].raw)[0]
    assert ("lowToner" in row["detected_errors"]) is bool(first_byte & 0x20)


def expected_cpu(rec):
    fg = rec.get("1.3.6.1.4.1.12356.101.4.1.3.0")
    if fg is not None:
        return fg.number
    for prefix, how in (
        ("1.3.6.1.4.1.9.9.109.1.1.1.1.8", "avg"),
        ("1.3.6.1.4.1.2636.3.1.13.1.8", "max"),
        ("1.3.6.1.2.1.25.3.3.1.2", "avg"),
    ):
        values = [e.number for _o, e in column(rec, prefix)]
        if values:
            return max(values) if how == "max" else round(sum(values) / len(values))
    return None


def expected_memory(rec):
    fg = rec.get("1.3.6.1.4.1.12356.101.4.1.5.0")
    if fg is not None:
        total = fg.number * 1024
        used = total * rec["1.3.6.1.4.1.12356.101.4.1.4.0"].number // 100
        return total, used
    jnx = "1.3.6.1.4.1.2636.3.1.13.1."
    jnx_memory = [(o[len(jnx) + 3 :], e.number) for o, e in column(rec, jnx + "15") if e.number > 0]
    if jnx_memory:  # the routing engine with the highest CPU (the first on ties)
        cpu = {o[len(jnx) + 2 :]: e.number for o, e in column(rec, jnx + "8")}
        index, megabytes = max(jnx_memory, key=lambda row: cpu.get(row[0], 0))
        total = megabytes * 1024 * 1024
        return total, total * rec[f"{jnx}11.{index}"].number // 100
    used = column(rec, "1.3.6.1.4.1.9.9.48.1.1.1.5")
    if used:
        free = column(rec, "1.3.6.1.4.1.9.9.48.1.1.1.6")
        u = sum(e.number for _o, e in used)
        return u + sum(e.number for _o, e in free), u
    ram = [
        o.rsplit(".", 1)[1]
        for o, e in column(rec, "1.3.6.1.2.1.25.2.3.1.2")
        if e.raw == "1.3.6.1.2.1.25.2.1.2"
    ]
    if ram:
        unit = {i: rec[f"1.3.6.1.2.1.25.2.3.1.4.{i}"].number for i in ram}
        total = sum(unit[i] * rec[f"1.3.6.1.2.1.25.2.3.1.5.{i}"].number for i in ram)
        return total, sum(unit[i] * rec[f"1.3.6.1.2.1.25.2.3.1.6.{i}"].number for i in ram)
    return None, None


@pytest.mark.parametrize(
    "community", communities({"firewall", "router", "switch", "router_by_behaviour"})
)
def test_network_device_tab(polled, community):
    rec = load(RECORDINGS[community][0])
    dev, row = polled[community]
    assert row["cpu_percent"] == expected_cpu(rec)
    total, used = expected_memory(rec)
    assert row["total_memory"] == total
    assert row["used_memory"] == used
    assert row["free_memory"] == (total - used if total is not None else None)
    enterprise = rec["1.3.6.1.2.1.1.2.0"].raw.split(".")[6]
    assert row["device_manufacturer"] == dev.manufacturer
    assert dev.manufacturer and not dev.manufacturer.startswith("enterprise"), enterprise
    assert row["device_type"] == dev.label


def test_network_tabs_are_not_all_empty(polled):
    """At least the Cisco, Fortinet, Juniper and HOST-RESOURCES paths produced numbers."""
    checked = ("switch-cisco", "fw-fortinet", "fw-paloalto", "switch-arista", "router-juniper")
    for community in checked:
        _dev, row = polled[community]
        assert row["cpu_percent"] is not None, community
        assert row["total_memory"], community


@pytest.mark.parametrize("community", communities({"linux"}))
def test_linux_tab(polled, community):
    rec = load(RECORDINGS[community][0])
    _dev, row = polled[community]
    assert row["os_version"] == rec["1.3.6.1.2.1.1.1.0"].text
    assert row["machine_name"] == rec["1.3.6.1.2.1.1.5.0"].text
    assert row["machine_availability"] == "available"
    assert row["uptime_seconds"] == rec["1.3.6.1.2.1.1.3.0"].number // 100


@pytest.mark.parametrize("community", communities({"windows", "snmp"}))
def test_snmp_tab(polled, community):
    rec = load(RECORDINGS[community][0])
    dev, row = polled[community]
    assert dev.kind == "snmp"
    assert row["device_name"] == rec["1.3.6.1.2.1.1.5.0"].text
    assert row["description"] == rec["1.3.6.1.2.1.1.1.0"].text
