"""Sweep benchmark: rmmkit vs ``nmap -sn -n`` vs ``fping -i 0 -r 0``, in a lab of its own.

Workloads (all inside the lab's namespaces; nothing leaves them):
  /16 alive  10.88.0.0/16 answered by one anyip host (a local route for the block)
  /20 dead   10.99.0.0/20 routed to the anyip host, which blackholes it
  /24 mixed  the lab LAN: ping-only, ICMP-filtered, dead and ssh hosts

Prints addresses/s per tool, the ratios, the peak RSS of rmmkit's /16 scan,
and as last line ``sweep: /16 alive rmmkit X/s nmap Y/s ratio X/Y``.
Targets: /16 at least 2x nmap; /20 done within timeout + 1 s; /16 peak RSS ≤ 150 MB.
Run as root: ``python bench/sweep.py [--max-rate N] [--skip-nmap16]``.
"""

from __future__ import annotations

import argparse
import os
import re
import signal
import subprocess
import sys
import time

from rmmkit.lab import Lab

TOPOLOGY = {
    "name": "rmkdbench",
    "segments": [{"name": "lan", "subnet": "10.77.1.0/24", "scanner": "10.77.1.1"}],
    "hosts": [
        {"name": "anyip", "kind": "anyip", "address": "10.77.1.250", "block": "10.88.0.0/16"},
        {"name": "ping-a", "kind": "ping-only", "address": "10.77.1.40"},
        {"name": "ping-b", "kind": "ping-only", "address": "10.77.1.41", "ttl": 128},
        {"name": "filtered", "kind": "filtered", "address": "10.77.1.50", "tcp_ports": [8080]},
        {"name": "dead-a", "kind": "dead", "address": "10.77.1.44", "dead_mode": "blackhole"},
    ],
}
WORKLOADS = (
    ("/16 alive", "10.88.0.0/16", 65536),
    ("/20 dead", "10.99.0.0/20", 4096),
    ("/24 mixed", "10.77.1.0/24", 256),
)


def timed(lab: Lab, argv: list[str], limit: float) -> tuple[float, str, int]:
    """(wall seconds, stdout, peak RSS in kB) of ``argv`` run in the scanner namespace.

    A tool still running after ``limit`` seconds is killed (its whole process
    group) and reported as taking ``limit`` seconds: a lower bound.
    """
    cmd = ["ip", "netns", "exec", lab.scanner_ns, "/usr/bin/time", "-v", *argv]
    start = time.monotonic()
    proc = subprocess.Popen(
        cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True
    )
    try:
        out, err = proc.communicate(timeout=limit)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        out, err = proc.communicate()
        print(f"sweep: {argv[0]} killed after {limit:.0f}s", flush=True)
    took = time.monotonic() - start
    rss = re.search(r"Maximum resident set size \(kbytes\): (\d+)", err)
    inner = re.search(r"online of \d+ addresses in ([\d.]+) s", err)
    if inner:  # rmmkit's own account: the scan without the interpreter's start-up
        print(f"sweep:   (rmmkit scan itself: {float(inner.group(1)):.2f}s)", flush=True)
    return took, out, int(rss.group(1)) if rss else 0


def run_rmmkit(lab: Lab, target: str, args: argparse.Namespace) -> tuple[float, int, int]:
    took, out, rss = timed(
        lab,
        [
            sys.executable,
            "-m",
            "rmmkit.cli.main",
            "scan",
            target,
            "--ping-only",
            "--no-store",
            "--format",
            "csv",
            "--max-rate",
            str(args.max_rate),
            "--timeout",
            str(args.timeout),
            "--retries",
            "1",
        ],
        args.limit,
    )
    alive = sum(1 for line in out.splitlines() if ",online," in line)
    return took, alive, rss


def run_nmap(lab: Lab, target: str, limit: float) -> tuple[float, int, int]:
    took, out, rss = timed(lab, ["nmap", "-sn", "-n", "-oG", "-", target], limit)
    return took, out.count("Status: Up"), rss


def run_fping(lab: Lab, target: str, limit: float) -> tuple[float, int, int]:
    took, out, rss = timed(lab, ["fping", "-a", "-q", "-i", "0", "-r", "0", "-g", target], limit)
    return took, len(out.split()), rss


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--max-rate",
        type=float,
        default=1_000_000,
        help="rmmkit --max-rate (fping -i 0 and nmap are not limited either)",
    )
    parser.add_argument("--timeout", type=float, default=1.0)
    parser.add_argument(
        "--repeat", type=int, default=3, help="runs per tool on the /16 and /24; the fastest counts"
    )
    parser.add_argument("--skip-nmap16", action="store_true", help="leave nmap out of the /16")
    parser.add_argument(
        "--only",
        choices=["16", "20", "24"],
        action="append",
        help="run only these workloads (repeatable)",
    )
    parser.add_argument(
        "--limit",
        type=float,
        default=120.0,
        help="seconds after which a tool is killed (nmap on a dead /20 is slow)",
    )
    args = parser.parse_args()
    t0 = time.monotonic()
    lab = Lab.up(TOPOLOGY, name="rmkdbench")
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(130))  # still tear the lab down
    try:
        print(f"sweep: lab up in {time.monotonic() - t0:.1f}s")
        lab.exec(["ip", "route", "replace", "10.99.0.0/20", "via", "10.77.1.250"], check=True)
        lab.exec(["ip", "route", "replace", "blackhole", "10.99.0.0/20"], host="anyip", check=True)
        lab.exec(["ip", "route", "replace", "10.88.0.0/16", "via", "10.77.1.250"], check=True)
        rates: dict[tuple[str, str], float] = {}
        workloads = [w for w in WORKLOADS if not args.only or w[1].split("/")[1] in args.only]
        for label, target, size in workloads:
            for tool in ("rmmkit", "nmap", "fping"):
                if tool == "nmap" and label == "/16 alive" and args.skip_nmap16:
                    continue
                runner = {
                    "rmmkit": lambda t: run_rmmkit(lab, t, args),
                    "nmap": lambda t: run_nmap(lab, t, args.limit),
                    "fping": lambda t: run_fping(lab, t, args.limit),
                }
                # best of --repeat runs (like hyperfine's min), the same for every tool;
                # the dead /20 runs once: nmap alone needs minutes there
                tries = 1 if label == "/20 dead" else max(1, args.repeat)
                took, alive, rss = min(runner[tool](target) for _ in range(tries))
                rates[(label, tool)] = size / took
                print(
                    f"sweep: {label:9} {tool:6} {alive:5}/{size} alive  {took:7.2f}s  "
                    f"{size / took:9.0f} addr/s  peak RSS {rss / 1024:.0f} MB",
                    flush=True,
                )
            if label == "/20 dead":
                print(
                    f"sweep: /20 dead target: rmmkit within timeout + 1 s = "
                    f"{args.timeout + 1:.1f}s (plus interpreter start-up)"
                )
        for label, _t, _s in workloads:
            ours = rates[(label, "rmmkit")]
            for other in ("nmap", "fping"):
                if (label, other) in rates:
                    print(f"sweep: {label:9} rmmkit/{other} = {ours / rates[(label, other)]:.2f}")
        ours = rates.get(("/16 alive", "rmmkit"), 0.0)
        theirs = rates.get(("/16 alive", "nmap"), 0.0)
        ratio = ours / theirs if theirs else float("nan")
        print(f"sweep: /16 alive rmmkit {ours:.0f}/s nmap {theirs:.0f}/s ratio {ratio:.2f}")
    finally:
        lab.down()


if __name__ == "__main__":
    main()
