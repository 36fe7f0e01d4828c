#!/usr/bin/env python3
"""Benchmark: identify 4,096 anyip addresses served by one snmpd, rmmkit vs net-snmp.

Builds a network namespace ``rmksnmp-bench-<pid>`` holding only ``lo`` with a
local route for 10.88.0.0/16 (every address answers locally, nothing can
leave), starts net-snmp snmpd inside it, then inside the same namespace:

* rmmkit, once per v1/v2c engine (``native``: the BER codec; ``pysnmp``:
  pysnmp 7.1 v1arch): ``identify_many`` over the 4,096 addresses (one GETBULK
  each, 12 varbinds: six system scalars + six MIB-presence probes, then
  classification), each engine in its own process and event loop;
* net-snmp: ``snmpget`` per address under ``xargs -P 64`` (6 varbinds: the
  system scalars; it cannot probe MIB presence, so it does strictly less).

Everything started is stopped by PID and the namespace deleted.  Needs root.
Last line: ``snmp: rmmkit X hosts/s, net-snmp Y hosts/s, ratio X/Y`` where X
is the default engine; the line before it gives the pysnmp-v1arch rate and
ratio.  Per engine it also prints the CPU time per host (``process_time``), a
figure that stays meaningful when other jobs share the machine.
"""

from __future__ import annotations

import argparse
import asyncio
import ipaddress
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from rmmkit.lab.daemons import stop_daemon
from rmmkit.snmp.client import DEFAULT_ENGINE, ENGINES

NS = f"rmksnmp-bench-{os.getpid()}"
NET = ipaddress.ip_network("10.88.0.0/16")
COMMUNITY = "rmks-bench"  # a throw-away community inside a throw-away namespace
SCALARS = [
    "1.3.6.1.2.1.1.1.0",
    "1.3.6.1.2.1.1.2.0",
    "1.3.6.1.2.1.1.3.0",
    "1.3.6.1.2.1.1.5.0",
    "1.3.6.1.2.1.1.7.0",
    "1.3.6.1.2.1.4.1.0",
]


def sh(*args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, check=check, capture_output=True, text=True)


def targets(count: int) -> list[str]:
    hosts = NET.hosts()
    return [str(next(hosts)) for _ in range(count)]


def inner_rmmkit(count: int, concurrency: int, engine: str) -> None:
    """Runs inside the namespace: identify every target, print a JSON summary."""
    from rmmkit.snmp.auth import SnmpAuth
    from rmmkit.snmp.classify import load_ruleset
    from rmmkit.snmp.client import SnmpClient, SnmpOptions
    from rmmkit.snmp.identify import Identified, identify_many

    hosts = targets(count)
    auth = SnmpAuth.v2c(COMMUNITY)
    ruleset = load_ruleset()

    async def main() -> tuple[float, float, int, dict[str, int]]:
        async with SnmpClient(SnmpOptions(timeout=1.0, retries=2, engine=engine)) as client:
            start, cpu_start = time.perf_counter(), time.process_time()
            results = await identify_many(client, hosts, [auth], ruleset, concurrency=concurrency)
            elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu_start
        ok = [r for r in results.values() if isinstance(r, Identified)]
        classes: dict[str, int] = {}
        for r in ok:
            classes[r.device_class] = classes.get(r.device_class, 0) + 1
        return elapsed, cpu, len(ok), classes

    elapsed, cpu, ok, classes = asyncio.run(main())
    print(json.dumps({"elapsed": elapsed, "cpu": cpu, "ok": ok, "classes": classes}))


def run_rmmkit(count: int, concurrency: int, engine: str) -> dict[str, object]:
    """Run :func:`inner_rmmkit` in the namespace in a fresh process; its JSON summary."""
    inner = subprocess.run(
        [
            "ip",
            "netns",
            "exec",
            NS,
            sys.executable,
            __file__,
            "--inner",
            "--hosts",
            str(count),
            "--concurrency",
            str(concurrency),
            "--engine",
            engine,
        ],
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(inner.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


def run_netsnmp(count: int, parallel: int) -> tuple[float, int]:
    listing = "\n".join(targets(count)) + "\n"
    cmd = [
        "ip",
        "netns",
        "exec",
        NS,
        "xargs",
        "-P",
        str(parallel),
        "-I",
        "{}",
        "snmpget",
        "-v2c",
        "-c",
        COMMUNITY,
        "-t",
        "1",
        "-r",
        "2",
        "-On",
        "-Oq",
        "{}",
        *SCALARS,
    ]
    start = time.perf_counter()
    proc = subprocess.run(
        cmd, input=listing, capture_output=True, text=True, env={**os.environ, "MIBS": ""}
    )
    elapsed = time.perf_counter() - start
    answered = proc.stdout.count(".1.3.6.1.2.1.1.2.0 ")
    return elapsed, answered


def start_lab(workdir: Path) -> subprocess.Popen[bytes]:
    sh("ip", "netns", "add", NS)
    sh("ip", "netns", "exec", NS, "ip", "link", "set", "lo", "up")
    sh("ip", "netns", "exec", NS, "ip", "route", "add", "local", str(NET), "dev", "lo")
    conf = workdir / "snmpd.conf"
    conf.write_text(f"agentAddress udp:0.0.0.0:161\nrocommunity {COMMUNITY}\nsysServices 72\n")
    agent = subprocess.Popen(
        [
            "ip",
            "netns",
            "exec",
            NS,
            "snmpd",
            "-f",
            "-Lo",
            "-C",
            "-c",
            str(conf),
            f"--persistentDir={workdir / 'persist'}",
        ],
        env={**os.environ, "MIBS": ""},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        probe = sh(
            "ip",
            "netns",
            "exec",
            NS,
            "snmpget",
            "-v2c",
            "-c",
            COMMUNITY,
            "-t",
            "0.3",
            "-r",
            "0",
            "10.88.0.1",
            SCALARS[1],
            check=False,
        )
        if probe.returncode == 0:
            return agent
        time.sleep(0.2)
    raise RuntimeError("snmpd did not answer inside the namespace")


def stop_lab(agent: subprocess.Popen[bytes] | None) -> None:
    stop_daemon(agent)
    sh("ip", "netns", "del", NS, check=False)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hosts", type=int, default=4096)
    parser.add_argument("--parallel", type=int, default=64, help="xargs -P for net-snmp")
    parser.add_argument("--concurrency", type=int, default=256, help="rmmkit requests in flight")
    parser.add_argument("--inner", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--engine", default="native", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.inner:
        inner_rmmkit(args.hosts, args.concurrency, args.engine)
        return 0
    if os.geteuid() != 0 or not shutil.which("snmpd") or not shutil.which("snmpget"):
        print("bench/snmp.py needs root, snmpd and snmpget", file=sys.stderr)
        return 2
    agent = None
    with tempfile.TemporaryDirectory(prefix="rmks-snmp-bench-") as tmp:
        try:
            agent = start_lab(Path(tmp))
            ours = {engine: run_rmmkit(args.hosts, args.concurrency, engine) for engine in ENGINES}
            theirs_elapsed, theirs_ok = run_netsnmp(args.hosts, args.parallel)
        finally:
            stop_lab(agent)
    y = args.hosts / theirs_elapsed
    rates = {engine: args.hosts / result["elapsed"] for engine, result in ours.items()}
    complete = theirs_ok == args.hosts
    for engine, result in ours.items():
        complete = complete and result["ok"] == args.hosts
        default = " (default)" if engine == DEFAULT_ENGINE else ""
        print(
            f"rmmkit {engine + default + ':':18} {result['ok']}/{args.hosts} identified in "
            f"{result['elapsed']:.2f}s ({rates[engine]:.0f} hosts/s; CPU "
            f"{result['cpu'] / args.hosts * 1e3:.2f} ms/host), classes {result['classes']}"
        )
    print(
        f"net-snmp:{'':16} {theirs_ok}/{args.hosts} answered in {theirs_elapsed:.2f}s"
        f" (snmpget, xargs -P {args.parallel})"
    )
    if not complete:
        print("warning: not every host answered; rates count all hosts", file=sys.stderr)
    v1arch = rates["pysnmp"]
    print(
        f"snmp: rmmkit-pysnmp-v1arch {v1arch:.0f} hosts/s, net-snmp {y:.0f} hosts/s,"
        f" ratio {v1arch / y:.2f}"
    )
    x = rates[DEFAULT_ENGINE]
    print(f"snmp: rmmkit {x:.0f} hosts/s, net-snmp {y:.0f} hosts/s, ratio {x / y:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
