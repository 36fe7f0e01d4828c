"""``rmmkit scheduler run``: the long-running scheduler (see docs/schedules.md).

Why its own module: the loop owns the process's signals (SIGTERM/SIGINT stop
it cleanly) and the store for as long as it runs; the ``schedule`` commands
only read declarations.
"""

from __future__ import annotations

import logging
import signal
from pathlib import Path
from typing import Any

import click

from rmmkit.cli.groups import cli
from rmmkit.cli.schedule_options import db_options, declared_options, project_of
from rmmkit.errors import EXIT_INTERRUPTED


@cli.group("scheduler")
def scheduler_group() -> None:
    """The long-running scheduler that starts due scans."""


@scheduler_group.command("run")
@declared_options
@db_options
@click.option("--once", is_flag=True, help="One tick: start what is due, wait for it, exit (cron).")
@click.option(
    "--tick",
    type=click.FloatRange(min=0.05),
    default=5.0,
    show_default=True,
    help="Seconds between checks (and between re-reads of changed YAML).",
)
@click.option("--only", multiple=True, metavar="ID", help="Only these schedule ids (repeatable).")
@click.option(
    "--drain",
    type=click.FloatRange(min=0),
    default=30.0,
    show_default=True,
    help="On SIGTERM: seconds running scans may finish before they are stopped.",
)
@click.pass_context
def scheduler_run(
    ctx: click.Context,
    project_dir: Path | None,
    playbook_paths: tuple[Path, ...],
    inventory: Path | None,
    db_url: str | None,
    once: bool,
    tick: float,
    only: tuple[str, ...],
    drain: float,
) -> None:
    """Start due scans exactly once; catch up per misfire policy; SIGTERM stops cleanly."""
    from rmmkit.plugin.manager import load_plugins
    from rmmkit.schedules.launch import run_entry
    from rmmkit.schedules.scheduler import Scheduler
    from rmmkit.store import open_store

    project = project_of(project_dir)
    logging.getLogger("rmmkit.scheduler").setLevel(logging.INFO)
    store = open_store(db_url, project)

    def launcher(entry: Any, cancel: Any) -> str:
        return run_entry(entry, cancel, project_dir=project, db_url=db_url)

    scheduler = Scheduler(
        store,
        launcher,
        list(playbook_paths) or [project / "playbooks"],
        project,
        plugins=load_plugins(),
        inventory_path=inventory,
        tick_seconds=tick,
        only=frozenset(only),
    )
    stopped: list[int] = []

    def on_signal(signum: int, _frame: Any) -> None:
        stopped.append(signum)
        scheduler.stop()

    previous = {sig: signal.signal(sig, on_signal) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        abandoned = scheduler.run_forever(once=once, drain=drain)
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        store.close()
    for schedule_id, due in abandoned:
        click.echo(f"rmmkit: abandoned the run of {schedule_id} due {due.isoformat()}", err=True)
    ctx.exit(EXIT_INTERRUPTED if abandoned else 0)
