"""Scope check throughput: how fast ``Scope.allows`` answers for a /16 minus excludes.

Why: every probe of every scan passes through it; it must cost well under a
microsecond so a 65,536-address sweep spends its time on the network.
Last line: ``scope_check: N checks in X s (Y ns/check); build Z ms``.
"""

from __future__ import annotations

import time

from rmmkit.declared.scope import Scope


def main() -> None:
    started = time.perf_counter()
    excludes = [f"10.1.{i}.{j}" for i in range(0, 256, 4) for j in (1, 254)]
    scope = Scope(["10.1.0.0/16", "10.2.0.10-10.2.3.200", "fd00::/112"], excludes)
    built = time.perf_counter() - started
    addresses = [f"10.1.{i >> 8}.{i & 255}" for i in range(65536)] + ["10.3.0.1"] * 1000
    started = time.perf_counter()
    allowed = sum(1 for address in addresses if scope.allows(address))
    elapsed = time.perf_counter() - started
    assert allowed == 65536 - len(excludes)
    iterated = time.perf_counter()
    total = sum(1 for _ in scope)
    iterated = time.perf_counter() - iterated
    print(f"iterated {total} addresses in {iterated:.3f} s")
    print(
        f"scope_check: {len(addresses)} checks in {elapsed:.3f} s "
        f"({elapsed / len(addresses) * 1e9:.0f} ns/check); build {built * 1000:.1f} ms"
    )


if __name__ == "__main__":
    main()
