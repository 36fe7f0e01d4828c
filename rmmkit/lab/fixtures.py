"""pytest fixtures over the lab: one session-scoped lab, torn down even when tests fail.

Load with ``pytest_plugins = ["rmmkit.lab.fixtures"]`` in a conftest.  Tests
that use ``lab`` are skipped (with the reason) only when the machine cannot
build one: not root, or a kernel without network namespaces.  A missing
package is no reason to skip: the fixture fails with ``rmmkit lab doctor``'s
lines (what is missing, what installs it) before anything starts, and
:func:`require` gives fixtures that start their own peers the same check.

Environment knobs (none holds a secret):

* ``RMMKIT_LAB_TOPOLOGY`` — topology file instead of the default one;
* ``RMMKIT_LAB_REUSE=<name>`` — attach to a lab already up (``rmmkit lab up``)
  and leave it running: fast edit-test cycles while developing.
"""

from __future__ import annotations

import os
import signal
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest

from rmmkit.lab import doctor, topology
from rmmkit.lab.lab import Lab
from rmmkit.lab.requirements import Requirement


def lab_unavailable_reason() -> str | None:
    """Why this machine cannot build a lab, or None when it can (missing packages: see require)."""
    if os.geteuid() != 0:
        return "the lab needs root (network namespaces, mounts)"
    if not os.path.isdir("/proc/self/ns") or not os.path.exists("/proc/self/ns/net"):
        return "this kernel has no network namespaces"
    return None


_checked: set[tuple[object, ...]] = set()


def require(
    *names: str,
    topology_file: str | Path | None = None,
    extra: Sequence[Requirement] = (),
    title: str = "tests",
) -> None:
    """Fail the calling fixture with the doctor's lines when something it needs is missing.

    ``names`` are doctor units (``ad-dc``, ``postgresql`` …); ``topology_file``
    adds the lab itself and every kind that topology uses; ``extra`` are
    requirements of the caller alone (reported under ``title``).  A passing
    check is remembered for the session: fixtures may call this freely.
    """
    key = (names, str(topology_file or ""), tuple(extra), title)
    if key in _checked:
        return
    units = doctor.units(names) if names else []
    if topology_file is not None:
        units = doctor.topology_units(topology.load(topology_file), names)
    if extra:
        units.append(doctor.Unit(title, title, tuple(extra)))
    report = doctor.check(units)
    if not report.ok:
        pytest.fail("\n".join([*report.lines(), report.summary()]), pytrace=False)
    _checked.add(key)


def _session_lab_name() -> str:
    return f"t{os.getpid() % 100000}"


_timings: dict[str, dict[str, Any]] = {}


def started_labs() -> dict[str, dict[str, Any]]:
    """Start timings of the labs this process brought up (for a terminal summary)."""
    return dict(_timings)


def _sigterm_as_interrupt() -> None:
    """A SIGTERM (CI cancel, timeout) unwinds like Ctrl-C, so the lab is still torn down."""
    if signal.getsignal(signal.SIGTERM) is signal.SIG_DFL:

        def handler(signum: int, frame: Any) -> None:
            raise KeyboardInterrupt(f"signal {signum}")

        signal.signal(signal.SIGTERM, handler)


# One lab per process even if this fixture is registered twice (plugin + a conftest
# import): the second user shares it, the last one to finish tears it down.
_shared: dict[str, Any] = {"lab": None, "users": 0}


@pytest.fixture(scope="session")
def lab() -> Iterator[Lab]:
    """The default lab (or ``RMMKIT_LAB_TOPOLOGY``), up for the whole session."""
    reason = lab_unavailable_reason()
    if reason:
        pytest.skip(reason)
    reuse = os.environ.get("RMMKIT_LAB_REUSE")
    built = os.environ.get("RMMKIT_LAB_TOPOLOGY") or topology.DEFAULT_TOPOLOGY
    require("tools", topology_file=None if reuse else built)  # + the lab and its kinds
    if reuse:
        yield Lab.attach(reuse)
        return
    if _shared["lab"] is None:
        _sigterm_as_interrupt()
        _shared["lab"] = Lab.up(
            os.environ.get("RMMKIT_LAB_TOPOLOGY") or None, name=_session_lab_name()
        )
        _timings[_shared["lab"].name] = _shared["lab"].timings
    _shared["users"] += 1
    try:
        yield _shared["lab"]
    finally:
        _shared["users"] -= 1
        if _shared["users"] == 0:
            the_lab, _shared["lab"] = _shared["lab"], None
            the_lab.down()


@pytest.fixture(scope="session")
def lab_scanner(lab: Lab) -> str:
    """Name of the scanner namespace (no default route: only the lab is reachable)."""
    return lab.scanner_ns
