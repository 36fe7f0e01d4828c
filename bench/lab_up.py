"""Lab benchmark: how long the default lab takes to come up and go down.

Prints the total, the network wiring time, per-kind start times (max/mean
over the hosts of each kind) and the teardown time; the last line is
``lab: up Xs (N hosts) down Ys``.  Target: up ≤ 60 s on 2 cores.
Run as root: ``python bench/lab_up.py [TOPOLOGY.yml] [--cold]``
(``--cold`` empties snmpsim's index cache first).
"""

from __future__ import annotations

import argparse
import shutil
import time

from rmmkit.lab import Lab
from rmmkit.lab.kinds.snmp import SNMPSIM_CACHE


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("topology", nargs="?", default=None)
    parser.add_argument("--cold", action="store_true", help="drop snmpsim's index cache first")
    args = parser.parse_args()
    if args.cold:
        shutil.rmtree(SNMPSIM_CACHE, ignore_errors=True)
    started = time.monotonic()
    lab = Lab.up(args.topology, name="labbench")
    up = time.monotonic() - started
    timings = lab.timings
    hosts = len(lab.hosts)
    started = time.monotonic()
    lab.down()
    down = time.monotonic() - started
    print(f"network {timings['network_seconds']:.2f}s")
    for kind, t in timings["per_kind"].items():
        print(
            f"{kind:12s} {t['hosts']:3d} hosts  max {t['max_seconds']:6.2f}s  "
            f"mean {t['mean_seconds']:6.2f}s"
        )
    print(f"lab: up {up:.1f}s ({hosts} hosts) down {down:.1f}s")


if __name__ == "__main__":
    main()
