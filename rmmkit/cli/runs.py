"""``rmmkit db …`` and ``rmmkit runs``: the store from the command line.

Why thin: every command opens the store through :func:`rmmkit.store.open_store`
and renders what the API returns; ``db_option`` is reusable by other command
modules that need ``--db``.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from rmmkit.cli.groups import cli

F = TypeVar("F", bound=Callable[..., Any])


def db_option(func: F) -> F:
    """``--db URL`` (or ``$RMMKIT_DB``): the store; default ``.rmmkit/rmmkit.db`` here."""
    func = click.option(
        "--project-dir",
        type=click.Path(file_okay=False, path_type=Path),
        default=None,
        help="Project folder holding .rmmkit/ (default: here).",
    )(func)
    return click.option(
        "--db",
        "db_url",
        envvar="RMMKIT_DB",
        metavar="URL",
        default=None,
        help="Store URL: sqlite:///PATH or postgresql+psycopg://… "
        "[env RMMKIT_DB; default .rmmkit/rmmkit.db]",
    )(func)


def _when(epoch: float | None) -> str:
    if epoch is None:
        return "-"
    return dt.datetime.fromtimestamp(epoch).strftime("%Y-%m-%d %H:%M:%S")


def _took(item: dict[str, Any]) -> str:
    if item.get("ended") is None:
        return "-"
    return f"{item['ended'] - item['started']:.1f}s"


@cli.group("db")
def db_group() -> None:
    """The state store: migrate it, show its schema revision, inspect and clear locks."""


@db_group.command("upgrade")
@click.argument("revision", default="head")
@db_option
def db_upgrade(revision: str, db_url: str | None, project_dir: Path | None) -> None:
    """Migrate the store to REVISION (default: the newest)."""
    from rmmkit.store import open_store
    from rmmkit.store.engine import migrate

    store = open_store(db_url, project_dir, upgrade=False)
    try:
        now_at = migrate(store.engine, revision)
        click.echo(f"{store.url}: at revision {now_at}")
    finally:
        store.close()


@db_group.command("current")
@db_option
def db_current(db_url: str | None, project_dir: Path | None) -> None:
    """Show the store's schema revision and whether it is the newest."""
    from rmmkit.store import open_store
    from rmmkit.store.engine import current_revision, head_revision

    store = open_store(db_url, project_dir, upgrade=False)
    try:
        current, head = current_revision(store.engine), head_revision()
        state = "up to date" if current == head else "needs `rmmkit db upgrade`"
        click.echo(f"{store.url}: revision {current or '(empty)'}, newest {head}: {state}")
    finally:
        store.close()


@db_group.command("locks")
@db_option
def db_locks(db_url: str | None, project_dir: Path | None) -> None:
    """List held site locks and whether their holders are alive."""
    from rmmkit.store import open_store

    with open_store(db_url, project_dir) as store:
        rows = [
            [
                lock["site"],
                lock["run_id"] or lock["holder"],
                lock["owner_host"],
                lock["owner_pid"],
                _when(lock["since"]),
                "alive" if lock["alive"] else f"dead: {lock['why_dead']}",
            ]
            for lock in store.locks()
        ]
    if not rows:
        click.echo("no site is locked")
        return
    from tabulate import tabulate  # lazily: `rmmkit scan` imports this module for --db

    click.echo(tabulate(rows, headers=["site", "run/holder", "host", "pid", "since", "state"]))


@db_group.command("unlock")
@click.argument("site")
@click.option("--force", is_flag=True, help="Release even if the holder looks alive.")
@db_option
def db_unlock(site: str, force: bool, db_url: str | None, project_dir: Path | None) -> None:
    """Release SITE's lock (a dead holder's lock is also released by the next run)."""
    from rmmkit.errors import LockedError
    from rmmkit.store import open_store
    from rmmkit.store.locks import describe_holder

    with open_store(db_url, project_dir) as store:
        held = [lock for lock in store.locks() if lock["site"] == site]
        if not held:
            click.echo(f"site {site!r} is not locked")
            return
        if held[0]["alive"] and not force:
            raise LockedError(describe_holder(held[0], store.now()) + "; use --force to release")
        store.force_unlock(site)
    click.echo(f"released the lock of site {site!r}")


@cli.command("runs")
@click.argument("run_id", required=False, metavar="[RUN_ID]")
@click.option("--interrupted", is_flag=True, help="Only runs whose process died mid-run.")
@click.option("--status", default=None, help="Only runs with this status (ok, failed, …).")
@click.option("--limit", default=20, show_default=True, help="At most this many runs.")
@click.option("--json", "as_json", is_flag=True, help="JSON instead of a table.")
@db_option
def runs_cmd(
    run_id: str | None,
    interrupted: bool,
    status: str | None,
    limit: int,
    as_json: bool,
    db_url: str | None,
    project_dir: Path | None,
) -> None:
    """List past runs, newest first; with RUN_ID (or a unique prefix) one run and its results."""
    from rmmkit.store import open_store

    with open_store(db_url, project_dir) as store:
        if run_id:
            full = store.resolve_run_id(run_id)
            _show_run(store.run(full) or {}, store.task_results(full), as_json)
            return
        if interrupted:
            found = store.interrupted_runs()[:limit]
        else:
            found = store.runs(status=status, limit=limit)
    if as_json:
        click.echo(json.dumps(found, indent=2, default=str))
        return
    if not found:
        click.echo("no runs recorded" + (" were interrupted" if interrupted else ""))
        return
    rows = []
    for run in found:
        note = run.get("interrupted_note") or ""
        if run["status"] == "interrupted" and "results" in run:
            note = f"{run['results']} results on {run['hosts_done']}/{run['hosts']} hosts; {note}"
        counts = " ".join(f"{k}={v}" for k, v in (run.get("counts") or {}).items() if v)
        rows.append(
            [
                run["run_id"][:12],
                _when(run["started"]),
                _took(run),
                run["playbook"],
                ",".join(run["sites"]),
                run["status"] + (" (check)" if run["check"] else ""),
                counts or note,
            ]
        )
    from tabulate import tabulate

    click.echo(
        tabulate(rows, headers=["run", "started", "took", "playbook", "sites", "status", "results"])
    )


def _show_run(run: dict[str, Any], results: list[dict[str, Any]], as_json: bool) -> None:
    """One run: its summary line, then one row per task result (host order)."""
    if as_json:
        click.echo(json.dumps({**run, "results": results}, indent=2, default=str))
        return
    counts = " ".join(f"{k}={v}" for k, v in (run.get("counts") or {}).items() if v)
    click.echo(
        f"run {run['run_id']} {run['status']}{' (check)' if run['check'] else ''}: "
        f"{run['playbook']} on {','.join(run['sites']) or '-'}, started {_when(run['started'])}, "
        f"took {_took(run)}" + (f", {counts}" if counts else "")
    )
    if run.get("interrupted_note"):
        click.echo(f"interrupted: {run['interrupted_note']}")
    if not results:
        click.echo("no task results recorded")
        return
    from tabulate import tabulate

    rows = [[r["host"], r["task"], r["action"], r["status"], r["msg"]] for r in results]
    click.echo(tabulate(rows, headers=["host", "task", "action", "status", "message"]))
