"""``rmmkit agents status|deploy|uninstall|facts``.

Why commands besides ``rmmkit run``: the seed's scanner has buttons for
these (Install Agents, Update Agents, the agent status column) and asks
"N machine(s) selected for agent installation. Do you want to continue?";
each command builds a one-task playbook in memory and runs it with the
same runner, so a playbook with ``deploy_agent`` behaves identically.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from rmmkit.cli.groups import cli
from rmmkit.declared.models import ResolvedHost
from rmmkit.errors import UnknownReference


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


def agent_machines(hosts: list[ResolvedHost]) -> int:
    """The hosts an agent task would really touch (not network devices, not unreachable ones)."""
    from rmmkit.agents.routing import agent_route

    return sum(1 for host in hosts if not agent_route(host).skipped)


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
        click.option(
            "-f", "--forks", type=click.IntRange(1, 10_000), default=50, show_default=True
        ),
        click.option(
            "--timeout",
            type=click.FloatRange(min=0.1),
            default=600.0,
            show_default=True,
            help="Per-host timeout in seconds.",
        ),
        click.option(
            "--accept-new-host-keys",
            is_flag=True,
            help="Record keys of hosts never seen before (changed keys stay refused).",
        ),
        click.option("--db", envvar="RMMKIT_DB", help="Store URL."),
        click.option("--no-store", is_flag=True, help="Do not record anything in the store."),
        click.option("-o", "--output", "outputs", multiple=True, help="table, json, jsonl …"),
    ]
    for option in reversed(options):
        func = option(func)
    return func


def run_agent_action(
    action: str,
    *,
    inventory: str,
    sites: tuple[str, ...],
    limit: tuple[str, ...],
    agent: str | None,
    forks: int,
    timeout: float,
    accept_new_host_keys: bool,
    db: str | None,
    no_store: bool,
    outputs: tuple[str, ...],
    check: bool = False,
    yes: bool = True,
    args: dict[str, Any] | None = None,
) -> int:
    """One-task run of ``action`` over the selected sites; returns the exit code."""
    from rmmkit.declared.loader import load_inventory
    from rmmkit.declared.models import OutputSpec, Playbook, Targets, Task
    from rmmkit.plugin.manager import load_plugins
    from rmmkit.run.options import RunOptions, exit_code_for, expand_limit
    from rmmkit.run.session import Session
    from rmmkit.run.start import run_playbook, select_run_hosts

    plugins = load_plugins()
    inv = load_inventory(inventory, plugins)
    for name in sites:
        if name not in inv.sites:
            raise UnknownReference(
                f"--site {name!r} is not declared in {inventory}",
                expected="one of: " + (", ".join(inv.sites) or "none"),
            )
    if agent and agent not in inv.agents:
        raise UnknownReference(
            f"--agent {agent!r} is not declared in {inventory}",
            expected="one of: " + (", ".join(inv.agents) or "none"),
        )
    targets = Targets(sites=tuple(sites or inv.sites), hosts=() if sites else tuple(inv.hosts))
    task_args = {**({"agent": agent} if agent else {}), **(args or {})}
    playbook = Playbook(
        path=f"<agents {action}>",
        name=f"agents {action}",
        targets=targets,
        tasks=(Task(name=action.replace("_", " "), action=action, args=task_args),),
    )
    options = RunOptions(
        forks=forks, check=check, limit=expand_limit(limit), timeout=timeout, handle_signals=True
    )
    settings = {"accept_new_host_keys": accept_new_host_keys}
    specs = [OutputSpec(o) for o in outputs] or None
    with Session.create(
        inventory=inv,
        plugins=plugins,
        db_url=db,
        use_store=not no_store,
        project_dir=Path.cwd(),
        settings=settings,
    ) as session:
        hosts = select_run_hosts(session, playbook, options.limit)
        if not hosts:
            click.echo("rmmkit: no host selected", err=True)
            return 0
        confirm_agent_changes([action], agent_machines(hosts), check=check, yes=yes)
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
