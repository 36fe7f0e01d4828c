"""One monitoring collection of one host: the snapshot, and the numeric samples it yields.

Why a fixed shape: collectors (SSH scripts, WMI/registry, SNMP polls) differ,
the status rules and the reports must not.  Every collector returns a
:data:`Snapshot` with these sections; the store keeps the whole snapshot as
the host's facts of kind ``monitor`` (``store.add_facts``) and the numbers as
time series (:func:`samples_of` → ``store`` samples).

The grey states must be honest, so a section is in one of three states:

- **absent** (key missing): this collector does not collect it at all
  (an SNMP switch has no antivirus);
- **not available**: ``{"available": False, "why": "smartctl not installed"}``:
  the collector tried and could not tell;
- **present**: ``{"available": True, …the section's fields…}``.

Sections (all optional, each a mapping with ``available``):

``os``            name, version, kernel, arch
``uptime``        seconds
``cpu``           percent (busy over the collection's sampling window)
``memory``        total_bytes, used_bytes
``disks``         volumes: [{mount, device, total_bytes, used_bytes, free_bytes}]
``disk_io``       devices: [{device, busy_percent}] (busy time over the window)
``load``          load1, load5, load15
``network``       interfaces: [{name, rx_bytes, tx_bytes}] (counters since boot)
``processes``     top: [{name, pid, user, cpu_percent, mem_bytes}]
``users``         logged_on: [{user, tty, since, from}], last_login: {user, at} | None
``updates``       manager, security, other, critical (counts; None: unknown),
                  patches: [{name, version, security, critical, marked}], installed: [...]
``antivirus``     installed (bool), product, definitions_age_days, synchronized (bool|None)
``smart``         enabled (bool), disks: [{device, enabled, passed (bool|None)}]
``amt``           compatible (bool)
``applications``  items: [{name, kind (service|process|port), target, responding (bool)}]
``snmp``          the device's network-device tab (kind, tab fields) for SNMP hosts

Top-level keys besides the sections: ``collected_at`` (epoch seconds),
``transport`` (``ssh`` | ``windows`` | ``snmp``), ``host``, ``site``.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

SECTIONS = (
    "os",
    "uptime",
    "cpu",
    "memory",
    "disks",
    "disk_io",
    "load",
    "network",
    "processes",
    "users",
    "updates",
    "antivirus",
    "smart",
    "amt",
    "applications",
    "snmp",
)

Snapshot = dict[str, Any]


def unavailable(why: str) -> dict[str, Any]:
    """A section the collector tried and could not read (a grey state, with its reason)."""
    return {"available": False, "why": why}


def section(snapshot: Mapping[str, Any], name: str) -> Mapping[str, Any] | None:
    """The section if present and available; None when absent or not available."""
    value = snapshot.get(name)
    if isinstance(value, Mapping) and value.get("available", True):
        return value
    return None


def why_not(snapshot: Mapping[str, Any], name: str) -> str:
    """Why a section is missing ("" when it is available)."""
    value = snapshot.get(name)
    if value is None:
        return "not collected for this host"
    if isinstance(value, Mapping) and not value.get("available", True):
        return str(value.get("why") or "not available")
    return ""


@dataclass(frozen=True, slots=True)
class Sample:
    """One point of one time series: ``metric{labels} = value`` at ``at``."""

    metric: str
    value: float
    labels: dict[str, str] = field(default_factory=dict)


def samples_of(snapshot: Mapping[str, Any]) -> Iterator[Sample]:
    """The numbers of a snapshot as samples (metric names are the charts' and the rules')."""
    cpu = section(snapshot, "cpu")
    if cpu and cpu.get("percent") is not None:
        yield Sample("cpu.percent", float(cpu["percent"]))
    memory = section(snapshot, "memory")
    if memory and memory.get("total_bytes"):
        yield Sample("memory.used_bytes", float(memory["used_bytes"]))
        yield Sample("memory.used_percent", 100.0 * memory["used_bytes"] / memory["total_bytes"])
    disks = section(snapshot, "disks")
    for volume in (disks or {}).get("volumes", ()):
        labels = {"mount": str(volume["mount"])}
        yield Sample("disk.free_bytes", float(volume["free_bytes"]), labels)
        if volume.get("total_bytes"):
            used = 100.0 * volume["used_bytes"] / volume["total_bytes"]
            yield Sample("disk.used_percent", used, labels)
    io = section(snapshot, "disk_io")
    for device in (io or {}).get("devices", ()):
        if device.get("busy_percent") is not None:
            yield Sample(
                "disk.busy_percent", float(device["busy_percent"]), {"device": device["device"]}
            )
    load = section(snapshot, "load")
    if load and load.get("load1") is not None:
        yield Sample("load.1", float(load["load1"]))
    network = section(snapshot, "network")
    for nic in (network or {}).get("interfaces", ()):
        labels = {"interface": str(nic["name"])}
        yield Sample("net.rx_bytes", float(nic["rx_bytes"]), labels)
        yield Sample("net.tx_bytes", float(nic["tx_bytes"]), labels)
    processes = section(snapshot, "processes")
    for proc in (processes or {}).get("top", ()):
        labels = {"process": str(proc["name"])}
        yield Sample("process.cpu_percent", float(proc.get("cpu_percent") or 0.0), labels)
        yield Sample("process.mem_bytes", float(proc.get("mem_bytes") or 0), labels)
    uptime = section(snapshot, "uptime")
    if uptime and uptime.get("seconds") is not None:
        yield Sample("uptime.seconds", float(uptime["seconds"]))
    updates = section(snapshot, "updates")
    for kind in ("security", "other", "critical"):
        if updates and updates.get(kind) is not None:
            yield Sample(f"updates.{kind}", float(updates[kind]))
