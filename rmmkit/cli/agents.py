"""``rmmkit agents status|deploy|uninstall|facts`` and ``rmmkit report scan-history``.

Why commands besides ``rmmkit run``: the seed's scanner has buttons for
these (Install Agents, Update Agents, the agent status column) and asks
"N machine(s) selected for agent installation. Do you want to continue?";
each command builds a one-task playbook in memory and runs it with the
same runner, so a playbook with ``deploy_agent`` behaves identically.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import sys
from pathlib import Path
from typing import Any

import click
from tabulate import tabulate

from rmmkit.cli.groups import cli, report
from rmmkit.cli.scan_report import _when
from rmmkit.cli.store_cmd import db_option
from rmmkit.errors import UnknownReference

HISTORY_COLUMNS = (("started", "Started"), ("ended", "Ended"), ("site", "Site"), ("host", "Host"),
                   ("ip", "IP address"), ("agent", "Agent"), ("change", "From → to"),
                   ("method", "Method"), ("result", "Result"), ("error", "Description"),
                   ("causes", "Likely causes"))  # fmt: skip


def _stamp(epoch: float | None) -> str:
    return "" if epoch is None else dt.datetime.fromtimestamp(epoch).strftime("%Y-%m-%d %H:%M:%S")


def history_rows(events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Store events → report rows (versions joined as ``from → to``, ``-`` for none)."""
    rows = []
    for e in events:
        change = f"{e.get('from_version') or '-'} → {e.get('to_version') or '-'}"
        rows.append({**e, "change": change, "causes": list(e.get("causes") or [])})
    return rows


def render_history(rows: list[dict[str, Any]], fmt: str, out: Any) -> None:
    if fmt == "json":
        json.dump(rows, out, indent=2, default=str)
        out.write("\n")
        return
    if fmt == "csv":
        writer = csv.writer(out)
        writer.writerow([label for _, label in HISTORY_COLUMNS])
        for r in rows:
            writer.writerow([_stamp(r.get(k)) if k in ("started", "ended") else
                             "; ".join(r[k]) if k == "causes" else r.get(k) or ""
                             for k, _ in HISTORY_COLUMNS])
        return
    table = [[_stamp(r.get("started")), r.get("host") or "", r.get("ip") or "",
              r.get("agent") or "", r["change"], r.get("method") or "", r.get("result") or "",
              (r.get("error") or "")[:70], (r["causes"][0] if r["causes"] else "")[:60]]
             for r in rows]  # fmt: skip
    headers = ["Started", "Host", "IP address", "Agent", "From → to", "Method", "Result",
               "Description", "Likely cause"]
    out.write(tabulate(table, headers=headers) + "\n" if rows else "no deployment events\n")


@report.command("scan-history")
@click.option("--site", default=None)
@click.option("--host", default=None, help="Host name.")
@click.option("--ip-range", default=None, metavar="RANGE", help="10.0.0.0/24 or 10.0.0.5-10.0.0.9")
@click.option("--since", default=None, metavar="DATE")
@click.option("--until", default=None, metavar="DATE")
@click.option("--format", "fmt", type=click.Choice(["table", "json", "csv"]), default="table")
@db_option
def scan_history(site: str | None, host: str | None, ip_range: str | None, since: str | None,
                 until: str | None, fmt: str, db_url: str | None,
                 project_dir: Path | None) -> None:
    """Agent deployment events (install, update, uninstall attempts), oldest first."""
    from rmmkit.scope import parse_range
    from rmmkit.store import open_store

    if ip_range is not None:
        parse_range(ip_range)
    start, end = _when(since, "--since"), _when(until, "--until")
    store = open_store(db_url, project_dir)
    try:
        events = store.deployment_events(site=site, host=host, ip_range=ip_range, since=start,
                                         until=end)
    finally:
        store.close()
    render_history(history_rows(events), fmt, sys.stdout)


@cli.group("agents")
def agents_group() -> None:
    """Agent status, deployment and facts over SSH (and every transport offering agents)."""


# The seed's confirmation, per changing agent action ({n}: the machines the task will touch)
AGENT_QUESTIONS = {
    "deploy_agent": "{n} machine(s) selected for agent installation. Do you want to continue?",
    "uninstall_agent": "{n} machine(s) selected for agent uninstallation. Do you want to continue?",
}


def interactive() -> bool:
    """Ask only a person at a terminal (like ``rmmkit run``); scripts pass ``--yes``."""
    return sys.stdin.isatty()


def confirm_agent_changes(actions: Any, machines: int, *, check: bool, yes: bool) -> bool:
    """Ask the seed's question once per changing agent action in ``actions``; abort on "no".

    Used by ``rmmkit agents deploy|uninstall`` and ``rmmkit run`` alike.  Nothing
    is asked with ``--check`` or ``--yes``, with no machine, or without a
    terminal: like Ansible, a non-interactive run proceeds.  Returns True
    when a question was asked.
    """
    questions = [AGENT_QUESTIONS[a] for a in dict.fromkeys(actions) if a in AGENT_QUESTIONS]
    if not questions or check or yes or machines <= 0 or not interactive():
        return False
    for question in questions:
        click.confirm(question.format(n=machines), abort=True, err=True)
    return True


def lifecycle_options(func: Any) -> Any:
    options = [
        click.option("-i", "--inventory", required=True, type=click.Path(dir_okay=False)),
        click.option("--site", "sites", multiple=True, help="Only these sites (default: all)."),
        click.option("-l", "--limit", multiple=True, help="Only these hosts/addresses (globs)."),
        click.option("--agent", default=None, help="One agent (default: every declared agent)."),
        click.option("-f", "--forks", type=click.IntRange(1, 10_000), default=50,
                     show_default=True),
        click.option("--timeout", type=click.FloatRange(min=0.1), default=600.0,
                     show_default=True, help="Per-host timeout in seconds."),
        click.option("--accept-new-host-keys", is_flag=True,
                     help="Record keys of hosts never seen before (changed keys stay refused)."),
        click.option("--db", envvar="RMMKIT_DB", help="Store URL."),
        click.option("--no-store", is_flag=True, help="Do not record anything in the store."),
        click.option("-o", "--output", "outputs", multiple=True, help="table, json, jsonl …"),
    ]
    for option in reversed(options):
        func = option(func)
    return func


def run_agent_action(action: str, *, inventory: str, sites: tuple[str, ...],
                     limit: tuple[str, ...], agent: str | None, forks: int, timeout: float,
                     accept_new_host_keys: bool, db: str | None, no_store: bool,
                     outputs: tuple[str, ...], check: bool = False, yes: bool = True,
                     args: dict[str, Any] | None = None) -> int:
    """One-task run of ``action`` over the selected sites; returns the exit code."""
    from rmmkit.loader import load_inventory
    from rmmkit.models import OutputSpec, Playbook, Targets, Task
    from rmmkit.plugins import load_plugins
    from rmmkit.runplan import RunOptions, exit_code_for, expand_limit
    from rmmkit.runsetup import run_playbook, select_hosts
    from rmmkit.session import Session

    plugins = load_plugins()
    inv = load_inventory(inventory, plugins)
    for name in sites:
        if name not in inv.sites:
            raise UnknownReference(f"--site {name!r} is not declared in {inventory}",
                                   expected="one of: " + (", ".join(inv.sites) or "none"))
    if agent and agent not in inv.agents:
        raise UnknownReference(f"--agent {agent!r} is not declared in {inventory}",
                               expected="one of: " + (", ".join(inv.agents) or "none"))
    targets = Targets(sites=tuple(sites or inv.sites),
                      hosts=() if sites else tuple(inv.hosts))
    task_args = {**({"agent": agent} if agent else {}), **(args or {})}
    playbook = Playbook(path=f"<agents {action}>", name=f"agents {action}", targets=targets,
                        tasks=(Task(name=action.replace("_", " "), action=action,
                                    args=task_args),))
    options = RunOptions(forks=forks, check=check, limit=expand_limit(limit), timeout=timeout,
                         handle_signals=True)
    settings = {"accept_new_host_keys": accept_new_host_keys}
    specs = [OutputSpec(o) for o in outputs] or None
    with Session.create(inventory=inv, plugins=plugins, db_url=db, use_store=not no_store,
                        project_dir=Path.cwd(), settings=settings) as session:
        hosts = select_hosts(session, playbook, options.limit)
        if not hosts:
            click.echo("rmmkit: no host selected", err=True)
            return 0
        confirm_agent_changes([action], len(hosts), check=check, yes=yes)
        result = run_playbook(session, playbook, options, hosts=hosts, outputs=specs)
    return exit_code_for(result)


@agents_group.command("status")
@lifecycle_options
@click.pass_context
def status_cmd(ctx: click.Context, **kw: Any) -> None:
    """Agent status per host: installed, not_installed, outdated, in_progress or unknown."""
    ctx.exit(run_agent_action("agent_status", **kw))


@agents_group.command("deploy")
@lifecycle_options
@click.option("-C", "--check", is_flag=True, help="Report what would change; change nothing.")
@click.option("-y", "--yes", is_flag=True, help="Do not ask before installing.")
@click.pass_context
def deploy_cmd(ctx: click.Context, **kw: Any) -> None:
    """Install the agent where missing, update it where outdated."""
    ctx.exit(run_agent_action("deploy_agent", **kw))


@agents_group.command("uninstall")
@lifecycle_options
@click.option("-C", "--check", is_flag=True, help="Report what would change; change nothing.")
@click.option("-y", "--yes", is_flag=True, help="Do not ask before uninstalling.")
@click.pass_context
def uninstall_cmd(ctx: click.Context, **kw: Any) -> None:
    """Uninstall the agent where it is installed."""
    ctx.exit(run_agent_action("uninstall_agent", **kw))


@agents_group.command("facts")
@lifecycle_options
@click.option("--samples", type=click.IntRange(1, 60), default=3, show_default=True)
@click.pass_context
def facts_cmd(ctx: click.Context, samples: int, **kw: Any) -> None:
    """Collect OS, users, disks, SMART, pending updates, processes and load into the store."""
    kw.pop("agent", None)
    ctx.exit(run_agent_action("collect_facts", agent=None, args={"samples": samples}, **kw))
