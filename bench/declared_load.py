"""Declared-state cost at scale: load and validate a 10,000-host inventory, then select hosts.

Why: the runner benchmark runs 10,000 hosts; loading their inventory and
resolving each host must stay a small part of a run.  The inventory is
generated into a temporary folder (addresses in 10.50.0.0/16, never probed).
Last line: ``declared_load: load X s, select Y s, select+10k rows Z s``.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

from rmmkit.declared.loader import load_inventory
from rmmkit.declared.models import Targets
from rmmkit.declared.selection import select_hosts
from rmmkit.plugin.manager import load_plugins

HOSTS = 10_000


def write_inventory(folder: Path) -> Path:
    lines = [
        "default_packages: [ra]",
        "policies: [{name: p, category: devices, type: remote_access}]",
        "packages: [{name: ra, policies: [p]}]",
        "sites:",
        "  - {name: big, ranges: [10.50.0.0/16], excludes: [10.50.255.0/24]}",
        "groups:",
        "  - {name: all, vars: {tier: gold}}",
        "hosts:",
    ]
    lines += [
        f"  - {{name: h{i}, address: 10.50.{i >> 8}.{i & 255}, groups: [all], vars: {{n: {i}}}}}"
        for i in range(HOSTS)
    ]
    path = folder / "big.yml"
    path.write_text("\n".join(lines) + "\n")
    return path


def main() -> None:
    plugins = load_plugins()
    with tempfile.TemporaryDirectory() as tmp:
        path = write_inventory(Path(tmp))
        started = time.perf_counter()
        inventory = load_inventory(path, plugins)
        loaded = time.perf_counter() - started
    started = time.perf_counter()
    hosts = select_hosts(inventory, Targets(sites=("big",)), {}, None)
    selected = time.perf_counter() - started
    rows = {
        "big": [
            {"ip": f"10.50.{100 + (i >> 8)}.{i & 255}", "hostname": f"d{i}"} for i in range(HOSTS)
        ]
    }
    started = time.perf_counter()
    both = select_hosts(inventory, Targets(sites=("big",)), rows, None)
    with_rows = time.perf_counter() - started
    assert len(hosts) == HOSTS and len(both) == 2 * HOSTS
    print(f"{HOSTS} static hosts, {HOSTS} discovered rows")
    print(
        f"declared_load: load {loaded:.2f} s, select {selected:.2f} s, "
        f"select+10k rows {with_rows:.2f} s"
    )


if __name__ == "__main__":
    main()
