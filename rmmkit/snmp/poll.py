"""Poll a classified device for the columns of its network-device tab.

Why per kind: the portal's tabs (seed 002) show different facts per device
type — UPS battery and output, printer status, CPU and memory for
firewalls/routers/switches, OS version for Linux.  Each poller asks the
standard MIB first (UPS-MIB, HOST-RESOURCES, Printer-MIB) and vendor MIBs
where the standard is silent (APC PowerNet, Cisco, Fortinet, Juniper,
net-snmp UCD).  A value the agent does not publish is ``None``, never a guess.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from rmmkit.snmp.auth import SnmpAuth
from rmmkit.snmp.ber import Missing, Value, describe
from rmmkit.snmp.classify import as_int
from rmmkit.snmp.client import SnmpClient
from rmmkit.snmp.identify import Identified
from rmmkit.snmp.mibs import (
    APC,
    CISCO,
    ENUMS,
    FORTINET,
    HR,
    JUNIPER,
    UCD,
    UPS,
    UPS_ALARM_BATTERY_BAD,
)

Poller = Callable[[SnmpClient, str, SnmpAuth, Identified], Awaitable[dict[str, Any]]]


def _num(value: Value | None) -> int | None:
    """A non-negative number; vendors use -1 and absent objects for "unknown"."""
    number = as_int(value) if value is not None else None
    return number if number is not None and number >= 0 else None


def _text(value: Value | None) -> str | None:
    if value is None or isinstance(value, Missing):
        return None
    return describe(value) or None


def _enum(table: str, value: Value | None) -> str | None:
    number = _num(value)
    if number is None:
        return None
    return ENUMS[table].get(number, f"unknown ({number})")


def _column(rows: list[tuple[str, Value]], prefix: str) -> dict[str, Value]:
    """index suffix → value, for one table column from a walk."""
    return {oid[len(prefix) + 1 :]: value for oid, value in rows if oid.startswith(prefix + ".")}


def _first(rows: list[tuple[str, Value]]) -> Value | None:
    return rows[0][1] if rows else None


async def poll_ups(
    client: SnmpClient, host: str, auth: SnmpAuth, dev: Identified
) -> dict[str, Any]:
    if "ups_mib" in dev.identity.mibs:
        got = await client.get(
            host,
            auth,
            [
                UPS.name,
                UPS.model,
                UPS.manufacturer,
                UPS.charge,
                UPS.battery_status,
                UPS.output_source,
                UPS.frequency,
                UPS.minutes,
            ],
        )
        voltage = await client.walk(host, auth, UPS.output_voltage)
        load = await client.walk(host, auth, UPS.output_load)
        alarms = await client.walk(host, auth, UPS.alarm_descr)
        frequency = _num(got[UPS.frequency])
        return {
            "ups_name": _text(got[UPS.name]) or dev.identity.sys_name,
            "model": _text(got[UPS.model]),
            "ups_manufacturer": _text(got[UPS.manufacturer]),
            "capacity_percent": _num(got[UPS.charge]),
            "battery_status": _enum("upsBatteryStatus", got[UPS.battery_status]),
            "output_status": _enum("upsOutputSource", got[UPS.output_source]),
            "replace_indicator": any(v == UPS_ALARM_BATTERY_BAD for _o, v in alarms),
            "load_percent": _num(_first(load)),
            "output_frequency_hz": frequency / 10 if frequency is not None else None,
            "output_voltage": _num(_first(voltage)),
            "minutes_on_battery": _num(got[UPS.minutes]),
            "mib": "UPS-MIB",
        }
    got = await client.get(
        host,
        auth,
        [
            APC.name,
            APC.model,
            APC.capacity,
            APC.output_status,
            APC.replace,
            APC.load,
            APC.frequency,
            APC.voltage,
            APC.runtime,
        ],
    )
    runtime = _num(got[APC.runtime])  # TimeTicks: hundredths of a second
    replace = _num(got[APC.replace])
    return {
        "ups_name": _text(got[APC.name]) or dev.identity.sys_name,
        "model": _text(got[APC.model]),
        "capacity_percent": _num(got[APC.capacity]),
        "battery_status": None,
        "output_status": _enum("upsBasicOutputStatus", got[APC.output_status]),
        "replace_indicator": replace == 2 if replace is not None else None,
        "load_percent": _num(got[APC.load]),
        "output_frequency_hz": _num(got[APC.frequency]),
        "output_voltage": _num(got[APC.voltage]),
        "minutes_on_battery": runtime // 6000 if runtime is not None else None,
        "mib": "PowerNet-MIB",
    }


async def poll_printer(
    client: SnmpClient, host: str, auth: SnmpAuth, dev: Identified
) -> dict[str, Any]:
    types = _column(await client.walk(host, auth, HR.device_type), HR.device_type)
    index = next((i for i, v in types.items() if v == HR.printer_type), None)
    model = device_status = printer_status = None
    errors: list[str] = []
    if index is not None:
        got = await client.get(
            host,
            auth,
            [
                f"{HR.device_descr}.{index}",
                f"{HR.device_status}.{index}",
                f"{HR.printer_status}.{index}",
                f"{HR.printer_errors}.{index}",
            ],
        )
        model = _text(got[f"{HR.device_descr}.{index}"])
        device_status = _enum("hrDeviceStatus", got[f"{HR.device_status}.{index}"])
        printer_status = _enum("hrPrinterStatus", got[f"{HR.printer_status}.{index}"])
        bits = got[f"{HR.printer_errors}.{index}"]
        if isinstance(bits, bytes):
            errors = [
                name
                for bit, name in enumerate(HR.printer_error_bits)
                if bit // 8 < len(bits) and bits[bit // 8] & (0x80 >> (bit % 8))
            ]
    return {
        "printer_name": dev.identity.sys_name,
        "printer_model": model,
        "device_availability": "available"
        if device_status in ("running", "warning")
        else ("unavailable" if device_status else None),
        "device_status": device_status,
        "printer_status": printer_status,
        "detected_errors": errors,
    }


async def _cpu_percent(
    client: SnmpClient, host: str, auth: SnmpAuth, dev: Identified
) -> int | None:
    sources = ((CISCO.cpu_5min, "avg"), (JUNIPER.cpu, "max"), (HR.processor_load, "avg"))
    if dev.identity.sys_object_id.startswith("1.3.6.1.4.1.12356."):
        return _num((await client.get(host, auth, [FORTINET.cpu]))[FORTINET.cpu])
    for prefix, how in sources:
        values = [
            n for _o, v in await client.walk(host, auth, prefix) if (n := _num(v)) is not None
        ]
        if values:
            return max(values) if how == "max" else round(sum(values) / len(values))
    return None


async def _juniper_memory(
    client: SnmpClient, host: str, auth: SnmpAuth
) -> dict[str, int | None] | None:
    """The busiest routing engine's DRAM (jnxOperatingMemory) and its buffer use in %.

    Why the busiest: a dual-RE chassis lists the backup engine too, and the
    active one is the one doing the work (the CPU figure takes the maximum too).
    """
    memory = _column(await client.walk(host, auth, JUNIPER.memory_mb), JUNIPER.memory_mb)
    engines = [i for i, v in memory.items() if (_num(v) or 0) > 0]
    if not engines:
        return None
    cpu = _column(await client.walk(host, auth, JUNIPER.cpu), JUNIPER.cpu)
    active = max(engines, key=lambda i: _num(cpu.get(i)) or 0)  # first on ties
    got = await client.get(host, auth, [f"{JUNIPER.buffer_percent}.{active}"])
    percent = _num(got[f"{JUNIPER.buffer_percent}.{active}"])
    if percent is None:
        return None
    total = (_num(memory[active]) or 0) * 1024 * 1024
    used = total * percent // 100
    return {"total": total, "used": used, "free": total - used}


async def _memory(
    client: SnmpClient, host: str, auth: SnmpAuth, dev: Identified
) -> dict[str, int | None]:
    """Free/used/total memory in bytes from the first MIB that has it."""
    if dev.identity.sys_object_id.startswith("1.3.6.1.4.1.12356."):
        got = await client.get(host, auth, [FORTINET.mem_percent, FORTINET.mem_capacity_kb])
        percent, capacity = _num(got[FORTINET.mem_percent]), _num(got[FORTINET.mem_capacity_kb])
        if percent is not None and capacity is not None:
            total = capacity * 1024
            used = total * percent // 100
            return {"total": total, "used": used, "free": total - used}
    if dev.identity.sys_object_id.startswith("1.3.6.1.4.1.2636."):
        juniper = await _juniper_memory(client, host, auth)
        if juniper is not None:
            return juniper
    used_rows = await client.walk(host, auth, CISCO.mem_used)
    if used_rows:
        free_rows = await client.walk(host, auth, CISCO.mem_free)
        used = sum(_num(v) or 0 for _o, v in used_rows)
        free = sum(_num(v) or 0 for _o, v in free_rows)
        return {"total": used + free, "used": used, "free": free}
    types = _column(await client.walk(host, auth, HR.storage_type), HR.storage_type)
    ram = [i for i, v in types.items() if v == HR.storage_ram]
    if ram:
        oids = [
            f"{col}.{i}"
            for i in ram
            for col in (HR.storage_units, HR.storage_size, HR.storage_used)
        ]
        got = await client.get(host, auth, oids)
        total = used = 0
        for i in ram:
            units = _num(got[f"{HR.storage_units}.{i}"]) or 0
            total += units * (_num(got[f"{HR.storage_size}.{i}"]) or 0)
            used += units * (_num(got[f"{HR.storage_used}.{i}"]) or 0)
        return {"total": total, "used": used, "free": total - used}
    if "ucd_snmp" in dev.identity.mibs:
        got = await client.get(host, auth, [UCD.mem_total_kb, UCD.mem_avail_kb])
        total_kb, avail_kb = _num(got[UCD.mem_total_kb]), _num(got[UCD.mem_avail_kb])
        if total_kb is not None and avail_kb is not None:
            return {
                "total": total_kb * 1024,
                "used": (total_kb - avail_kb) * 1024,
                "free": avail_kb * 1024,
            }
    return {"total": None, "used": None, "free": None}


async def poll_network(
    client: SnmpClient, host: str, auth: SnmpAuth, dev: Identified
) -> dict[str, Any]:
    memory = await _memory(client, host, auth, dev)
    return {
        "device_type": dev.label,
        "device_manufacturer": dev.manufacturer or None,
        "cpu_percent": await _cpu_percent(client, host, auth, dev),
        "free_memory": memory["free"],
        "used_memory": memory["used"],
        "total_memory": memory["total"],
    }


async def poll_linux(
    client: SnmpClient, host: str, auth: SnmpAuth, dev: Identified
) -> dict[str, Any]:
    return {
        "machine_name": dev.identity.sys_name,
        "os_version": dev.identity.sys_descr,
        "machine_availability": "available",
    }


async def poll_generic(
    client: SnmpClient, host: str, auth: SnmpAuth, dev: Identified
) -> dict[str, Any]:
    return {
        "device_name": dev.identity.sys_name,
        "device_availability": "available",
        "description": dev.identity.sys_descr,
    }


POLLERS: dict[str, Poller] = {
    "ups": poll_ups,
    "printer": poll_printer,
    "firewall": poll_network,
    "router": poll_network,
    "switch": poll_network,
    "linux": poll_linux,
    "snmp": poll_generic,
}


async def poll(client: SnmpClient, host: str, auth: SnmpAuth, dev: Identified) -> dict[str, Any]:
    """The device's tab row: common columns plus its kind's own."""
    poller = POLLERS.get(dev.kind, poll_generic)
    uptime = dev.identity.sys_uptime
    row: dict[str, Any] = {
        "address": host,
        "name": dev.identity.sys_name,
        "description": dev.identity.sys_descr,
        "availability": "available",
        "uptime_seconds": uptime // 100 if uptime is not None else None,
    }
    row.update(await poller(client, host, auth, dev))
    return row
