"""The discovery entry points shared by ``rmmkit scan`` and the ``discover`` action.

Why a request object: the CLI and playbooks pass the same knobs; turning
them into a :class:`~rmmkit.declared.scope.Scope` and probe options in one place keeps
both paths identical, including their error messages.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rmmkit.declared.scope import Scope
from rmmkit.discovery.identity import IdentityOptions
from rmmkit.discovery.liveness import SweepOptions
from rmmkit.discovery.rdns import Resolvers, choose_resolvers
from rmmkit.discovery.record import record_scan
from rmmkit.discovery.scan import Event, ScanResult, run_scan
from rmmkit.discovery.sitecfg import ports_from, site_scan
from rmmkit.errors import InputError

if TYPE_CHECKING:
    from rmmkit.secrets.resolver import SecretResolver
    from rmmkit.store import Store

ADHOC_SITE = "adhoc"
MAX_SCAN_SIZE = 1 << 20  # a /12: beyond that, split the scan


@dataclass(frozen=True)
class Prepared:
    sweep: SweepOptions
    identity: IdentityOptions | None
    ranges: list[str]
    excludes: list[str]
    notes: tuple[str, ...] = ()
    resolvers: Resolvers = field(default_factory=Resolvers)


@dataclass
class ScanRequest:
    ranges: list[str] = field(default_factory=list)
    excludes: list[str] = field(default_factory=list)
    site: str | None = None
    inventory: Path | Any | None = None  # a path, or an already loaded Inventory
    ports: Any = None
    max_rate: float = 5000.0
    retries: int = 1
    timeout: float = 1.0
    ping_only: bool = False
    identity_timeout: float = 2.0
    dns_servers: list[str] | None = None  # overrides the site's dns and the system resolver
    rdns: bool = True
    secrets: SecretResolver | None = None  # reads the site's SNMP credentials

    def prepare(self) -> tuple[Scope, str, Prepared]:
        ranges, excludes = list(self.ranges), list(self.excludes)
        communities: tuple[Any, ...] = ()
        notes: tuple[str, ...] = ()
        site = None
        if self.site:
            declared = site_scan(self.secrets, self._inventory(), self.site)
            site = declared.site
            ranges = ranges or list(site.ranges)
            excludes += [e for e in site.excludes if e not in excludes]
            communities, notes = declared.snmp, declared.notes
        if not ranges:
            raise InputError(
                "nothing to scan: no RANGE given and no --site with ranges",
                expected="RANGE… (10.0.0.0/24, 10.0.0.10-10.0.0.20) or --site S",
            )
        resolvers = (
            Resolvers()
            if self.ping_only
            else choose_resolvers(self.rdns, self.dns_servers, site=site)
        )
        if resolvers.describe():
            notes = (*notes, resolvers.describe())
        scope = Scope(ranges, excludes, cap=MAX_SCAN_SIZE, resolvers=resolvers.servers)
        sweep = SweepOptions(
            ports=ports_from(self.ports),
            max_rate=self.max_rate,
            retries=self.retries,
            timeout=self.timeout,
        )
        identity = (
            None
            if self.ping_only
            else IdentityOptions(
                timeout=self.identity_timeout,
                rdns=bool(resolvers.servers),
                dns_servers=resolvers.servers,
                communities=communities,
            )
        )
        prepared = Prepared(sweep, identity, ranges, excludes, notes, resolvers)
        return scope, self.site or ADHOC_SITE, prepared

    def _inventory(self) -> Any:
        if self.inventory is None or not isinstance(self.inventory, str | Path):
            return self.inventory
        from rmmkit.declared.loader import load_inventory

        return load_inventory(self.inventory)


@dataclass
class ScanOutcome:
    result: ScanResult
    scan_id: str | None = None

    @property
    def alive_count(self) -> int:
        return self.result.alive_count

    def finish_event(self, site: str, notes: tuple[str, ...] = ()) -> dict[str, Any]:
        result = self.result
        return {
            "event": "scan_finish",
            "scan_id": self.scan_id,
            "site": site,
            "targets": len(result.targets),
            "online": result.alive_count,
            "packets": result.sweep.packets,
            "seconds": round(result.ended - result.started, 3),
            "resolvers": result.resolvers,  # resolver → names it gave (reverse dns)
            "notes": [*notes, *result.notes],
        }

    @property
    def targets(self) -> Any:
        return self.result.targets

    def rows(self) -> Iterator[dict[str, Any]]:
        return self.result.rows()


def execute(
    prepared: Prepared,
    scope: Scope,
    emit: Event | None = None,
    *,
    store: Store | None = None,
    site: str = ADHOC_SITE,
    run_id: str | None = None,
) -> ScanOutcome:
    """Run the scan and record it when a store is given (the caller emits ``finish_event``)."""
    result = run_scan(scope, prepared.sweep, prepared.identity, emit)
    scan_id = None
    if store is not None:
        scan_id = record_scan(
            store, site, prepared.ranges, prepared.excludes, result.rows(), run_id=run_id
        )
    return ScanOutcome(result, scan_id)
