"""The OIDs and enumerations the pollers read, named as in their MIBs.

Why numeric constants instead of compiled MIBs: the pollers need a few dozen
objects; loading pysnmp's MIB compiler for them costs seconds and a MIB
source directory, and the names here are grep-able against the RFCs.
"""

from __future__ import annotations

from types import SimpleNamespace

# UPS-MIB (RFC 1628), upsObjects = 1.3.6.1.2.1.33.1
UPS = SimpleNamespace(
    manufacturer="1.3.6.1.2.1.33.1.1.1.0",  # upsIdentManufacturer
    model="1.3.6.1.2.1.33.1.1.2.0",  # upsIdentModel
    name="1.3.6.1.2.1.33.1.1.5.0",  # upsIdentName
    battery_status="1.3.6.1.2.1.33.1.2.1.0",  # upsBatteryStatus
    minutes="1.3.6.1.2.1.33.1.2.3.0",  # upsEstimatedMinutesRemaining
    charge="1.3.6.1.2.1.33.1.2.4.0",  # upsEstimatedChargeRemaining (%)
    output_source="1.3.6.1.2.1.33.1.4.1.0",  # upsOutputSource
    frequency="1.3.6.1.2.1.33.1.4.2.0",  # upsOutputFrequency (0.1 Hz)
    output_voltage="1.3.6.1.2.1.33.1.4.4.1.2",  # upsOutputVoltage column (RMS V)
    output_load="1.3.6.1.2.1.33.1.4.4.1.5",  # upsOutputPercentLoad column
    alarm_descr="1.3.6.1.2.1.33.1.6.2.1.2",  # upsAlarmDescr column (well-known alarm OIDs)
)
UPS_ALARM_BATTERY_BAD = "1.3.6.1.2.1.33.1.6.3.1"  # upsAlarmBatteryBad: replace the battery

# APC PowerNet-MIB, ups = 1.3.6.1.4.1.318.1.1.1
APC = SimpleNamespace(
    model="1.3.6.1.4.1.318.1.1.1.1.1.1.0",  # upsBasicIdentModel
    name="1.3.6.1.4.1.318.1.1.1.1.1.2.0",  # upsBasicIdentName
    capacity="1.3.6.1.4.1.318.1.1.1.2.2.1.0",  # upsAdvBatteryCapacity (%)
    runtime="1.3.6.1.4.1.318.1.1.1.2.2.3.0",  # upsAdvBatteryRunTimeRemaining (TimeTicks)
    replace="1.3.6.1.4.1.318.1.1.1.2.2.4.0",  # upsAdvBatteryReplaceIndicator
    output_status="1.3.6.1.4.1.318.1.1.1.4.1.1.0",  # upsBasicOutputStatus
    voltage="1.3.6.1.4.1.318.1.1.1.4.2.1.0",  # upsAdvOutputVoltage
    frequency="1.3.6.1.4.1.318.1.1.1.4.2.2.0",  # upsAdvOutputFrequency (Hz)
    load="1.3.6.1.4.1.318.1.1.1.4.2.3.0",  # upsAdvOutputLoad (%)
)

# HOST-RESOURCES-MIB (RFC 2790)
HR = SimpleNamespace(
    storage_type="1.3.6.1.2.1.25.2.3.1.2",
    storage_units="1.3.6.1.2.1.25.2.3.1.4",
    storage_size="1.3.6.1.2.1.25.2.3.1.5",
    storage_used="1.3.6.1.2.1.25.2.3.1.6",
    storage_ram="1.3.6.1.2.1.25.2.1.2",  # hrStorageRam
    device_type="1.3.6.1.2.1.25.3.2.1.2",
    device_descr="1.3.6.1.2.1.25.3.2.1.3",
    device_status="1.3.6.1.2.1.25.3.2.1.5",
    printer_type="1.3.6.1.2.1.25.3.1.5",  # hrDevicePrinter
    printer_status="1.3.6.1.2.1.25.3.5.1.1",
    printer_errors="1.3.6.1.2.1.25.3.5.1.2",  # hrPrinterDetectedErrorState (BITS)
    processor_load="1.3.6.1.2.1.25.3.3.1.2",
    printer_error_bits=(
        "lowPaper",
        "noPaper",
        "lowToner",
        "noToner",
        "doorOpen",
        "jammed",
        "offline",
        "serviceRequested",
        "inputTrayMissing",
        "outputTrayMissing",
        "markerSupplyMissing",
        "outputNearFull",
        "outputFull",
        "inputTrayEmpty",
        "overduePreventMaint",
    ),
)

CISCO = SimpleNamespace(
    cpu_5min="1.3.6.1.4.1.9.9.109.1.1.1.1.8",  # cpmCPUTotal5minRev
    mem_used="1.3.6.1.4.1.9.9.48.1.1.1.5",  # ciscoMemoryPoolUsed
    mem_free="1.3.6.1.4.1.9.9.48.1.1.1.6",  # ciscoMemoryPoolFree
)
FORTINET = SimpleNamespace(
    cpu="1.3.6.1.4.1.12356.101.4.1.3.0",  # fgSysCpuUsage (%)
    mem_percent="1.3.6.1.4.1.12356.101.4.1.4.0",  # fgSysMemUsage (%)
    mem_capacity_kb="1.3.6.1.4.1.12356.101.4.1.5.0",  # fgSysMemCapacity (KB)
)
JUNIPER = SimpleNamespace(
    cpu="1.3.6.1.4.1.2636.3.1.13.1.8",  # jnxOperatingCPU (%)
    buffer_percent="1.3.6.1.4.1.2636.3.1.13.1.11",  # jnxOperatingBuffer (% of memory used)
    memory_mb="1.3.6.1.4.1.2636.3.1.13.1.15",  # jnxOperatingMemory (DRAM, MB)
)
UCD = SimpleNamespace(
    mem_total_kb="1.3.6.1.4.1.2021.4.5.0",  # memTotalReal
    mem_avail_kb="1.3.6.1.4.1.2021.4.6.0",  # memAvailReal
)

ENUMS: dict[str, dict[int, str]] = {
    "upsBatteryStatus": {1: "unknown", 2: "normal", 3: "low", 4: "depleted"},
    "upsOutputSource": {
        1: "other",
        2: "none",
        3: "normal",
        4: "bypass",
        5: "battery",
        6: "booster",
        7: "reducer",
    },
    "upsBasicOutputStatus": {
        1: "unknown",
        2: "online",
        3: "on battery",
        4: "on smart boost",
        5: "timed sleeping",
        6: "software bypass",
        7: "off",
        8: "rebooting",
        9: "switched bypass",
        10: "hardware failure bypass",
        11: "sleeping until power return",
        12: "on smart trim",
    },
    "hrDeviceStatus": {1: "unknown", 2: "running", 3: "warning", 4: "testing", 5: "down"},
    "hrPrinterStatus": {1: "other", 2: "unknown", 3: "idle", 4: "printing", 5: "warmup"},
}
