"""From declared state to a run: select hosts, build outputs, run.

Why outside the CLI: ``rmmkit run``, the scheduler, the portal and
``rmmkit.testing`` all start runs; they share this code and differ only in
how they present the result.
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Iterator
from typing import IO, Any

from rmmkit.declared.models import OutputSpec, Playbook, ResolvedHost
from rmmkit.declared.selection import select_hosts
from rmmkit.errors import InputError
from rmmkit.outputs.base import Output
from rmmkit.results import RunResult
from rmmkit.run.options import RunOptions
from rmmkit.run.runner import Runner
from rmmkit.run.session import Session


def discovered_rows(session: Session, playbook: Playbook) -> dict[str, list[dict[str, Any]]]:
    """The latest scan's online rows of every targeted site (empty without a store)."""
    store = session.store
    if store is None:
        return {}
    return {site: store.latest_hosts(site) for site in playbook.targets.sites}


def select_run_hosts(session: Session, playbook: Playbook, limit: list[str]) -> list[ResolvedHost]:
    """The playbook's targets as hosts (static and discovered), narrowed by ``--limit``."""
    inventory = session.inventory
    if inventory is None:
        return []
    rows = discovered_rows(session, playbook)
    return select_hosts(inventory, playbook.targets, rows, limit)


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
            stream: IO[str]
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
        hosts = select_run_hosts(session, playbook, options.limit)
        reselect = True

    def refresh() -> list[ResolvedHost]:  # after a per-site task (a scan) found new hosts
        return select_run_hosts(session, playbook, options.limit)

    specs = list(outputs if outputs is not None else playbook.outputs) or [OutputSpec("table")]
    with open_outputs(session, specs, stdout) as outs:
        runner = Runner(
            session, playbook, hosts, options, outs, refresh_hosts=refresh if reselect else None
        )
        return runner.run()
