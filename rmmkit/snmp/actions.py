"""Actions ``snmp_identify`` and ``snmp_poll``: classify a device, fill its tab.

Why two actions: identify is one request per host and feeds discovery's
columns (a whole site, often); poll asks the device's own MIBs for the
network-device tab and is scheduled more sparsely.  Both store time-stamped
facts of kind ``snmp`` that ``rmmkit report network-devices`` reads.
"""

from __future__ import annotations

import dataclasses
import shutil
import subprocess
import time
from typing import Any

from rmmkit.actions.base import Action, TaskContext
from rmmkit.errors import UnreachableError
from rmmkit.results import Outcome

FACT_KIND = "snmp"
OPTION_ARGS = {
    "port": {"type": "integer", "minimum": 1, "maximum": 65535},
    "timeout": {"type": "number", "exclusiveMinimum": 0, "maximum": 60},
    "retries": {"type": "integer", "minimum": 0, "maximum": 10},
    "max_repetitions": {"type": "integer", "minimum": 1, "maximum": 200},
    "engine": {"enum": ["native", "pysnmp"]},  # v1/v2c engine (rmmkit.snmp.client.ENGINES)
}


def _connection(ctx: TaskContext, args: dict[str, Any]) -> Any:
    conn = ctx.connection("snmp")
    overrides = {k: args[k] for k in OPTION_ARGS if k in args}
    if overrides:
        conn.options = dataclasses.replace(conn.options, **overrides)
    return conn


def answers_ping(address: str, timeout: float = 1.0) -> bool:
    """Whether one ICMP echo gets an answer (iputils ping: setuid-free, no raw socket needed)."""
    ping = shutil.which("ping")
    if ping is None:
        return False
    family = "-6" if ":" in address else "-4"
    wait = str(max(1, round(timeout)))
    result = subprocess.run(
        [ping, family, "-n", "-q", "-c", "1", "-W", wait, address],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        check=False,
    )
    return result.returncode == 0


def _store(ctx: TaskContext, data: dict[str, Any]) -> None:
    ctx.record_facts(FACT_KIND, data, collected_at=time.time())


AVAILABILITY_KEYS = ("availability", "device_availability", "machine_availability")


def mark_unavailable(ctx: TaskContext) -> None:
    """Store the device's last known fact again, flagged unavailable (the tab's alert).

    Why: a device that stopped answering must not keep looking "available" in
    the report just because its last good poll was stored.
    """
    data = ctx.latest_facts(FACT_KIND)
    if data is None:
        return
    tab = dict(data.get("tab") or {"address": ctx.host.address, "name": ctx.host.name})
    for key in AVAILABILITY_KEYS:
        tab[key] = "unavailable"
    data["tab"] = tab
    _store(ctx, data)


def _fact(dev: Any, tab: dict[str, Any] | None = None) -> dict[str, Any]:
    data = dev.as_dict()
    if tab is not None:
        data["tab"] = tab
    return data


class SnmpIdentify(Action):
    """Classify the device (UPS, printer, firewall, router, switch, Linux, …) in one request."""

    name = "snmp_identify"
    description = "identify an SNMP device: class, manufacturer, sysDescr; ICMP-only devices too"
    supports_check = True  # read-only
    transport = "snmp"
    args_schema = {
        "type": "object",
        "properties": {**OPTION_ARGS, "icmp_fallback": {"type": "boolean"}},
        "additionalProperties": False,
    }

    def run(self, ctx: TaskContext, args: dict[str, Any]) -> Outcome:
        conn = _connection(ctx, args)
        try:
            dev = conn.identify()
        except UnreachableError:
            if not args.get("icmp_fallback", True) or not answers_ping(ctx.host.address):
                mark_unavailable(ctx)
                raise
            data = {
                "address": ctx.host.address,
                "class": "icmp",
                "kind": "icmp",
                "label": "ICMP",
                "tab": {
                    "address": ctx.host.address,
                    "name": ctx.host.name,
                    "device_availability": "available",
                },
            }
            _store(ctx, data)
            conn.icmp_only = True
            names = ", ".join(a.name or f"v{a.version}" for a in conn.auths)
            return Outcome(
                msg=f"answers ICMP only: no SNMP answer with {names} "
                "(wrong community/credential, or no SNMP agent)",
                data=data,
            )
        data = _fact(dev)
        _store(ctx, data)
        note = "" if dev.secure else f"; SNMP v{dev.version}: v3 authPriv recommended"
        return Outcome(msg=f"{dev.label} ({dev.manufacturer or 'unknown vendor'}){note}", data=data)


class SnmpPoll(Action):
    """Fill the device's network-device tab (UPS, printer, firewall/router/switch, Linux)."""

    name = "snmp_poll"
    description = "poll an SNMP device for its network-device tab and store the facts"
    supports_check = True  # read-only
    transport = "snmp"
    args_schema = {"type": "object", "properties": dict(OPTION_ARGS), "additionalProperties": False}

    def run(self, ctx: TaskContext, args: dict[str, Any]) -> Outcome:
        conn = _connection(ctx, args)
        if getattr(conn, "icmp_only", False):
            return Outcome(skipped=True, msg="ICMP-only device (snmp_identify): nothing to poll")
        try:
            dev, tab = conn.poll()
        except UnreachableError:
            mark_unavailable(ctx)
            raise
        data = _fact(dev, tab)
        _store(ctx, data)
        return Outcome(msg=f"{dev.label}: polled {len(tab)} values", data=data)
