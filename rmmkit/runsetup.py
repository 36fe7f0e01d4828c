"""From files to a run: load inventory and playbook, select hosts, build outputs, run.

Why outside the CLI: ``rmmkit run``, the scheduler, the portal and
``rmmkit.testing`` all start runs; they share this code and differ only in
how they present the result.
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

from rmmkit.errors import InputError
from rmmkit.models import Inventory, OutputSpec, Playbook, ResolvedHost
from rmmkit.outputs.base import Output
from rmmkit.results import RunResult
from rmmkit.runner import Runner, RunOptions
from rmmkit.runplan import apply_limit
from rmmkit.session import Session, _optional


def load_declared(
    playbook_path: str, inventory_path: str | None, plugins: Any, extra_vars: dict[str, Any]
) -> tuple[Playbook, Inventory]:
    """The playbook and its inventory (``-i``, else the one the playbook names)."""
    from rmmkit.loader import load_inventory, load_playbook

    if inventory_path:
        inventory = load_inventory(inventory_path, plugins)
        return load_playbook(playbook_path, plugins, extra_vars, inventory=inventory), inventory
    playbook = load_playbook(playbook_path, plugins, extra_vars)
    if not playbook.inventory:
        raise InputError(
            f"{playbook_path}: no inventory given",
            expected="-i INVENTORY, or 'inventory:' in the playbook",
        )
    path = Path(playbook.inventory)
    if not path.is_absolute():
        path = Path(playbook_path).parent / path
    inventory = load_inventory(str(path), plugins)
    return load_playbook(playbook_path, plugins, extra_vars, inventory=inventory), inventory


def discovered_rows(session: Session, playbook: Playbook) -> dict[str, list[dict[str, Any]]]:
    """The latest scan's online rows of every targeted site (empty without a store)."""
    store = session.store
    if store is None or not hasattr(store, "latest_hosts"):
        return {}
    return {site: store.latest_hosts(site) for site in playbook.targets.sites}


def select_hosts(session: Session, playbook: Playbook, limit: list[str]) -> list[ResolvedHost]:
    """Resolve the playbook's targets to hosts (static and discovered), then apply ``--limit``."""
    inventory = session.inventory
    if inventory is None:
        return []
    resolve = _optional("rmmkit.resolve", "select_hosts")
    if resolve is not None:
        hosts = resolve(inventory, playbook.targets, discovered_rows(session, playbook), None)
    else:  # the resolver is not built yet: static hosts only
        hosts = _static_hosts(inventory, playbook)
    return apply_limit(list(hosts), limit)


def _static_hosts(inventory: Inventory, playbook: Playbook) -> list[ResolvedHost]:
    t = playbook.targets
    wanted = set(t.hosts)
    for g in t.groups:
        wanted.update(inventory.groups[g].hosts if g in inventory.groups else ())
    out = []
    for h in inventory.hosts.values():
        if h.name in wanted or (h.site and h.site in t.sites):
            site = inventory.sites.get(h.site)
            variables = {**inventory.vars, **(site.vars if site else {}), **h.vars}
            out.append(ResolvedHost(h.name, h.address, h.site, h.groups, variables))
    return out


@contextlib.contextmanager
def open_outputs(
    session: Session, specs: list[OutputSpec], stdout: IO[str] | None = None
) -> Iterator[list[Output]]:
    """Instantiate outputs; an option ``file`` writes that output to a file instead of stdout."""
    stdout = stdout or sys.stdout
    with contextlib.ExitStack() as stack:
        outputs = []
        for spec in specs:
            cls = session.plugins.outputs.get(spec.type)
            options = dict(spec.options)
            target = options.pop("file", None)
            if target:
                try:
                    stream = stack.enter_context(open(target, "w", encoding="utf-8"))
                except OSError as exc:
                    raise InputError(
                        f"{spec.location}: cannot write output file {target}: {exc.strerror}",
                        expected="a writable path",
                    ) from None
            else:
                stream = stdout
            outputs.append(cls(stream, options))
        yield outputs


def run_playbook(
    session: Session,
    playbook: Playbook,
    options: RunOptions,
    *,
    hosts: list[ResolvedHost] | None = None,
    outputs: list[OutputSpec] | None = None,
    stdout: IO[str] | None = None,
    reselect: bool = False,
) -> RunResult:
    """Run ``playbook``; hosts default to its targets, outputs to the playbook's (or table).

    ``reselect`` (implied when ``hosts`` is None) selects hosts again after each
    ``per: site`` segment, so a scan's new hosts get the following tasks.
    """
    if hosts is None:
        hosts = select_hosts(session, playbook, options.limit)
        reselect = True

    def refresh() -> list[ResolvedHost]:  # after a per-site task (a scan) found new hosts
        return select_hosts(session, playbook, options.limit)

    specs = list(outputs if outputs is not None else playbook.outputs) or [OutputSpec("table")]
    with open_outputs(session, specs, stdout) as outs:
        runner = Runner(
            session, playbook, hosts, options, outs, refresh_hosts=refresh if reselect else None
        )
        return runner.run()
