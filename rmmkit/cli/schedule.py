"""``rmmkit schedule list|next|check|export``.

Why thin: loading, next-run computation, conflict detection, export and the
scheduler loop live in :mod:`rmmkit.schedules`; these commands parse options
and render.  ``schedule check`` exits 3 (invalid declared state) when any two
schedules conflict, so CI fails on the commit that introduced the clash.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import click
from tabulate import tabulate

from rmmkit.cli.groups import cli
from rmmkit.cli.schedule_options import (
    db_options,
    declared_options,
    format_run,
    history_store,
    load_entries,
    parse_from,
    project_of,
)
from rmmkit.errors import EXIT_INVALID_INPUT, InputError


@cli.group("schedule")
def schedule_group() -> None:
    """Declared schedules: list them, show next runs, check conflicts, export to cron/systemd."""


@schedule_group.command("list")
@declared_options
@click.option("--from", "start", metavar="ISO", help="Compute the next run after this moment.")
def schedule_list(
    project_dir: Path | None,
    playbook_paths: tuple[Path, ...],
    inventory: Path | None,
    start: str | None,
) -> None:
    """Every scheduled playbook: sites, frequency, next run, where declared."""
    from rmmkit.schedules.rrules import next_runs

    project, now = project_of(project_dir), parse_from(start)
    rows = []
    for entry in load_entries(project, playbook_paths, inventory):
        upcoming = next_runs(entry.schedule, now, 1)
        rows.append(
            [
                entry.id,
                entry.playbook.name,
                ",".join(s.name for s in entry.sites) or "-",
                entry.schedule.describe(),
                format_run(upcoming[0]) if upcoming else "(ended)",
                str(entry.schedule.location),
            ]
        )
    click.echo(
        tabulate(rows, ["schedule", "playbook", "sites", "frequency", "next run", "declared at"])
    )


@schedule_group.command("next")
@declared_options
@click.option("-n", "--count", type=click.IntRange(1, 1000), default=5, show_default=True)
@click.option("--from", "start", metavar="ISO", help="Runs after this moment (default: now).")
@click.option("--json", "as_json", is_flag=True, help="JSON: {schedule id: [ISO times]}.")
def schedule_next(
    project_dir: Path | None,
    playbook_paths: tuple[Path, ...],
    inventory: Path | None,
    count: int,
    start: str | None,
    as_json: bool,
) -> None:
    """The next COUNT runs of every schedule, in its zone and in UTC."""
    from rmmkit.schedules.rrules import next_runs

    project, now = project_of(project_dir), parse_from(start)
    runs = {
        e.id: next_runs(e.schedule, now, count)
        for e in load_entries(project, playbook_paths, inventory)
    }
    if as_json:
        click.echo(json.dumps({k: [r.isoformat() for r in v] for k, v in runs.items()}, indent=2))
        return
    rows = [
        [sid, format_run(r), r.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")]
        for sid, items in runs.items()
        for r in items
    ]
    click.echo(tabulate(rows, ["schedule", "local", "utc"]))


@schedule_group.command("check")
@declared_options
@db_options
@click.option("--from", "start", metavar="ISO", help="Check from this moment (default: now).")
@click.option("--horizon", default="28d", show_default=True, help="How far ahead to compare runs.")
@click.option(
    "--rate",
    type=click.FloatRange(min=0.001),
    default=10.0,
    show_default=True,
    help="Addresses per second, to estimate a run without declared or stored duration.",
)
@click.option(
    "--suggest",
    type=click.IntRange(0, 20),
    default=3,
    show_default=True,
    help="Free slots to suggest per conflict.",
)
@click.pass_context
def schedule_check(
    ctx: click.Context,
    project_dir: Path | None,
    playbook_paths: tuple[Path, ...],
    inventory: Path | None,
    db_url: str | None,
    start: str | None,
    horizon: str,
    rate: float,
    suggest: int,
) -> None:
    """List every conflict (both files and lines) with free slots; exit 3 if there is one."""
    from rmmkit.declared.schedule import parse_interval
    from rmmkit.schedules import conflicts as cf

    project, now = project_of(project_dir), parse_from(start)
    try:
        window = parse_interval(horizon)
    except ValueError:
        raise InputError(
            f"--horizon {horizon!r} is not an interval", expected="e.g. 14d, 4w"
        ) from None
    entries = load_entries(project, playbook_paths, inventory)
    store = history_store(db_url, project)
    try:
        planned = []
        for e in entries:
            sites = [s.name for s in e.sites]
            duration, source = cf.estimate_duration(
                e.schedule, e.addresses, store, sites=sites, rate=rate
            )
            planned.append(
                cf.Planned(e.schedule, e.id, e.addresses, duration, source, tuple(sites))
            )
    finally:
        if store is not None:
            store.close()
    found = cf.find_conflicts(planned, now, window)
    for conflict in found:
        click.echo(cf.describe_conflict(conflict))
        slots = (
            cf.suggest_slots(conflict.later, planned, now, horizon=window, count=suggest)
            if suggest
            else []
        )
        if slots:
            later = conflict.later
            click.echo(f"  free slots for {later.schedule.location}, paste one into the playbook:")
            for number, slot in enumerate(slots, 1):
                click.echo(f"# --- option {number}: start {slot.start_time:%H:%M} ---")
                click.echo(cf.as_yaml(slot), nl=False)
        elif suggest:
            click.echo("  no free slot found by shifting the start time within its day")
    click.echo(f"{len(planned)} schedules, {len(found)} conflicts", err=True)
    if found:
        ctx.exit(EXIT_INVALID_INPUT)


@schedule_group.command("export")
@declared_options
@click.option("--cron", "fmt", flag_value="cron", help="Crontab lines (cronie CRON_TZ).")
@click.option("--systemd", "fmt", flag_value="systemd", help="A .service and .timer per schedule.")
@click.option(
    "--dir",
    "out_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="systemd: write the unit files here instead of printing them.",
)
@click.option("--rmmkit", "executable", default=None, help="rmmkit executable the triggers run.")
def schedule_export(
    project_dir: Path | None,
    playbook_paths: tuple[Path, ...],
    inventory: Path | None,
    fmt: str | None,
    out_dir: Path | None,
    executable: str | None,
) -> None:
    """Triggers for cron or systemd that run ``rmmkit scheduler run --once --only ID``."""
    from rmmkit.schedules.export import export_cron, export_systemd

    if fmt is None:
        raise InputError("schedule export needs a format", expected="--cron or --systemd")
    project = project_of(project_dir)
    schedules = [e.schedule for e in load_entries(project, playbook_paths, inventory)]
    if fmt == "cron":
        click.echo(export_cron(schedules, project, executable), nl=False)
        return
    units = export_systemd(schedules, project, executable)
    for name, text in units.items():
        if out_dir is not None:
            out_dir.mkdir(parents=True, exist_ok=True)
            (out_dir / name).write_text(text, encoding="utf-8")
            click.echo(str(out_dir / name))
        else:
            click.echo(f"# --- {name} ---\n{text}")
