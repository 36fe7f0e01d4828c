"""``rmmkit lab doctor``: is everything the lab and the test peers run installed here?

Why: a package that was on the developer's machine but missing from
``scripts/bootstrap.sh`` used to show up as a ``CalledProcessError`` deep in
a fixture (``samba-tool domain provision`` exiting 255).  The doctor checks
the requirements every host kind and test peer declares (``requires`` on
their classes) and says, one line per problem, what is missing and the one
command that installs it.  ``Lab.up``, the ``lab`` fixture and the fixtures
that start their own peers run it first.

Cheap on purpose: a ``stat`` per binary or file and an import-spec lookup per
Python module (nothing is imported); only the AD DC's probe starts a process,
and only when that unit is checked.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from rmmkit.errors import InputError, LabError
from rmmkit.lab.kinds import get_kind, kind_names
from rmmkit.lab.peers import PEERS, Namespaces
from rmmkit.lab.requirements import Missing, Requirement, Where
from rmmkit.lab.topology import Topology


@dataclass(frozen=True)
class Unit:
    """What is checked together: a host kind, the lab itself, or one test peer."""

    name: str
    title: str
    requires: tuple[Requirement, ...]


@dataclass(frozen=True)
class Problem:
    unit: str
    title: str
    why: str
    missing: Missing

    @property
    def line(self) -> str:
        why = f"{self.why}: " if self.why else ""
        return f"{self.title}: {why}{self.missing.detail} — {self.missing.fix}"

    def as_dict(self) -> dict[str, str]:
        m = self.missing
        return {
            "unit": self.unit,
            "title": self.title,
            "why": self.why,
            "detail": m.detail,
            "package": m.package,
            "source": m.source,
            "fix": m.fix,
            "line": self.line,
        }


@dataclass
class Report:
    units: list[Unit]
    problems: list[Problem] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def requirement_count(self) -> int:
        return sum(len(u.requires) for u in self.units)

    def install(self) -> dict[str, list[str]]:
        """The packages to install, by source, each once (in the order first seen)."""
        out: dict[str, list[str]] = {"apt": [], "pip": []}
        for p in self.problems:
            if p.missing.source in out and p.missing.package not in out[p.missing.source]:
                out[p.missing.source].append(p.missing.package)
        return out

    def lines(self) -> list[str]:
        return [p.line for p in self.problems]

    def summary(self) -> str:
        if self.ok:
            return (
                f"lab doctor: all {_n(self.requirement_count, 'requirement')} of "
                f"{_n(len(self.units), 'unit')} present ({self.seconds:.2f}s)"
            )
        bad = len({p.unit for p in self.problems})
        fixes = [
            f"{cmd} {' '.join(pkgs)}"
            for cmd, pkgs in (
                ("apt-get install", self.install()["apt"]),
                ("pip install", self.install()["pip"]),
            )
            if pkgs
        ]
        fix = f"; to fix: {'; '.join(fixes)}" if fixes else ""
        return (
            f"lab doctor: {_n(len(self.problems), 'problem')} in {bad} of "
            f"{_n(len(self.units), 'unit')}{fix}"
        )

    def as_dict(self) -> dict[str, Any]:
        bad = {p.unit for p in self.problems}
        return {
            "ok": self.ok,
            "seconds": round(self.seconds, 4),
            "units": [
                {
                    "name": u.name,
                    "title": u.title,
                    "requirements": len(u.requires),
                    "ok": u.name not in bad,
                }
                for u in self.units
            ],
            "problems": [p.as_dict() for p in self.problems],
            "install": self.install(),
        }


def _n(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def unit_names() -> list[str]:
    """Every name ``--kind`` accepts: the lab itself, each host kind, each test peer."""
    return [Namespaces.name, *kind_names(), *(p.name for p in PEERS if p is not Namespaces)]


def units(names: Iterable[str] | None = None) -> list[Unit]:
    """The units called ``names`` (all by default), in the order given."""
    wanted = list(dict.fromkeys(names)) if names is not None else unit_names()
    unknown = [n for n in wanted if n not in unit_names()]
    if unknown:
        raise InputError(
            f"unknown lab doctor kind {unknown[0]!r}", expected=", ".join(unit_names())
        )
    peers = {p.name: p for p in PEERS}
    return [
        Unit(n, peers[n].title, peers[n].requires)
        if n in peers
        else Unit(n, n, get_kind(n).requires)
        for n in wanted
    ]


def topology_units(topology: Topology, extra: Sequence[str] = ()) -> list[Unit]:
    """What building ``topology`` needs: the lab itself and each kind it uses, plus ``extra``."""
    kinds = dict.fromkeys(h.kind for h in topology.hosts)
    return units([Namespaces.name, *kinds, *extra])


def check(to_check: Sequence[Unit], where: Where | None = None) -> Report:
    """Check every requirement of every unit; a unit's probes run only when the rest is there."""
    t0 = time.perf_counter()
    where = where or Where()
    report = Report(list(to_check))
    for unit in to_check:
        found: dict[str, Problem] = {}
        for probes in (False, True):
            if probes and found:
                break
            for req in unit.requires:
                if req.is_probe != probes:
                    continue
                for missing in req.check(where):
                    found.setdefault(
                        missing.detail, Problem(unit.name, unit.title, req.why, missing)
                    )
        report.problems.extend(found.values())
    report.seconds = time.perf_counter() - t0
    return report


def ensure(report: Report, what: str) -> None:
    """Raise a LabError (exit 8) that lists every problem, one per cause line."""
    if not report.ok:
        raise LabError(f"{what}: {report.summary()}", causes=report.lines())
