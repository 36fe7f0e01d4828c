"""Every scheduled playbook of a project, with the addresses and sites it targets.

Why one catalog for list, next, check, export, report and the scheduler:
they must agree on which playbooks are scheduled and what they scan.  The
schedule block is read with its own marks (see :mod:`rmmkit.declared.schedule_block`); the rest of
the playbook and its inventory go through the declared-state loader, so a
scheduled playbook is valid exactly when ``rmmkit validate`` says so.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import netaddr

from rmmkit.declared.loader import InventoryCache, load_playbook_doc, parse_doc
from rmmkit.declared.models import Inventory, Playbook, Site
from rmmkit.declared.schedule import Schedule, parse_schedule
from rmmkit.declared.schedule_block import schedule_block
from rmmkit.declared.scope import parse_range
from rmmkit.errors import InputError, Location
from rmmkit.plugin.manager import Plugins, load_plugins

PLAYBOOK_SUFFIXES = (".yml", ".yaml")


@dataclass(frozen=True, eq=False)
class Entry:
    """One scheduled playbook and what it scans."""

    schedule: Schedule
    path: Path
    playbook: Playbook
    inventory: Inventory | None
    sites: tuple[Site, ...] = ()
    addresses: netaddr.IPSet = field(default_factory=netaddr.IPSet)
    inventory_file: Path | None = None  # watched too: its sites' ranges are this schedule's

    @property
    def id(self) -> str:
        return self.schedule.id

    @property
    def ranges(self) -> tuple[str, ...]:
        declared = [r for s in self.sites for r in s.ranges] + list(self.playbook.targets.ranges)
        return tuple(dict.fromkeys(declared))

    @property
    def excludes(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(x for s in self.sites for x in s.excludes))

    @property
    def credentials(self) -> tuple[str, ...]:
        """Credential *names* only (a report never shows more than that)."""
        return tuple(dict.fromkeys(c for s in self.sites for c in s.credentials))


def find_playbooks(paths: Iterable[Path]) -> list[Path]:
    """YAML files given directly, or found (non-recursively, sorted) in given folders."""
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            found.extend(
                sorted(p for p in path.iterdir() if p.suffix in PLAYBOOK_SUFFIXES and p.is_file())
            )
        elif path.is_file():
            found.append(path)
        else:
            raise InputError(
                f"{path}: no such file or folder", expected="a playbook or a folder of playbooks"
            )
    return list(dict.fromkeys(found))


def schedule_id_for(path: Path, project_dir: Path) -> str:
    """The project-relative POSIX path: stable across machines and checkouts."""
    resolved = path.resolve()
    try:
        return resolved.relative_to(project_dir.resolve()).as_posix()
    except ValueError:
        return resolved.as_posix()


def _addresses(
    playbook: Playbook, inventory: Inventory | None
) -> tuple[tuple[Site, ...], netaddr.IPSet]:
    """Target addresses: site ranges minus that site's excludes, plus ranges, hosts, groups."""
    sites: list[Site] = []
    addresses = netaddr.IPSet()
    declared = inventory.sites if inventory is not None else {}
    for name in playbook.targets.sites:
        site = declared.get(name)
        if site is None:
            raise InputError(
                f"schedule targets unknown site {name!r}",
                location=playbook.targets.location,
                expected="a site declared in the playbook's inventory",
            )
        sites.append(site)
        block = netaddr.IPSet(parse_range(r) for r in site.ranges)
        for exclude in site.excludes:
            block.remove(parse_range(exclude))
        addresses |= block
    extra = netaddr.IPSet(parse_range(r) for r in playbook.targets.ranges)
    if inventory is not None:
        hosts = set(playbook.targets.hosts)
        for group in playbook.targets.groups:
            hosts.update(inventory.groups[group].hosts if group in inventory.groups else ())
        for name in sorted(hosts):
            if name in inventory.hosts:
                extra.add(inventory.hosts[name].address)
        for site in declared.values():  # excludes are never touched, whoever lists the range
            for exclude in site.excludes:
                extra.remove(parse_range(exclude))
    return tuple(sites), addresses | extra


def load_entry(
    path: Path,
    project_dir: Path,
    plugins: Plugins | None,
    inventory_path: Path | None = None,
    inventories: InventoryCache | None = None,
) -> Entry | None:
    """The scheduled playbook at ``path``, or None when it declares no schedule.

    The playbook file is read once (its schedule block and the rest come from
    the same parse); each inventory once per ``inventories`` cache.
    """
    doc = parse_doc(path)
    raw, marks, where = schedule_block(doc.root, str(path))
    if raw is None:
        return None
    schedule = parse_schedule(
        raw, schedule_id=schedule_id_for(path, project_dir), location=where, marks=marks
    )
    playbook, inventory, inv_path = load_playbook_doc(
        doc,
        plugins,
        inventory_path=inventory_path,  # -i: one inventory for every playbook
        inventories=inventories if inventories is not None else {},
    )
    inv_path = inv_path.resolve() if inv_path is not None else None
    sites, addresses = _addresses(playbook, inventory)
    return Entry(schedule, path, playbook, inventory, sites, addresses, inv_path)


def load_catalog(
    paths: Sequence[Path],
    project_dir: Path,
    plugins: Plugins | None = None,
    inventory_path: Path | None = None,
) -> list[Entry]:
    """Every scheduled playbook under ``paths`` (first error stops: it names file:line)."""
    plugins = plugins or load_plugins()
    inventories: dict[Path, Inventory] = {}
    entries = []
    for path in find_playbooks(paths):
        entry = load_entry(path, project_dir, plugins, inventory_path, inventories)
        if entry is not None:
            entries.append(entry)
    return entries


def location_of(entry: Entry, *key: str) -> Location:
    return entry.schedule.where(*key)
