"""``rmmkit run`` and ``rmmkit completion``.

Why thin: parsing and presentation only; loading, host selection and the run
itself are :mod:`rmmkit.run.start` and :mod:`rmmkit.run.runner`, which the
scheduler and the tests call the same way.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click
from click.shell_completion import CompletionItem, get_completion_class

from rmmkit.cli.groups import cli
from rmmkit.cli.vault import vault_options
from rmmkit.declared.models import OutputSpec
from rmmkit.errors import InputError

if TYPE_CHECKING:
    from rmmkit.plugin.manager import Plugins


def _complete_outputs(ctx: click.Context, param: click.Parameter, incomplete: str) -> list[Any]:
    from rmmkit.plugin.manager import load_plugins

    try:
        names = list(load_plugins().outputs)
    except Exception:  # completion must never print a traceback into the shell
        names = ["table", "json", "jsonl"]
    return [CompletionItem(n) for n in names if n.startswith(incomplete)]


def _split(values: tuple[str, ...]) -> list[str]:
    return [v.strip() for raw in values for v in raw.split(",") if v.strip()]


def _load_vars_file(path: str) -> Any:
    """``-e @vars.yml`` read like every other declared file: times stay text, file:line errors."""
    from rmmkit.declared.build import plain
    from rmmkit.declared.marked_yaml import load_yaml
    from rmmkit.declared.yaml_limits import decode_yaml

    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise InputError(f"-e @{path}: {exc.strerror}", expected="a readable YAML file") from None
    return plain(load_yaml(decode_yaml(data, path), path))


@cli.command("run")
@click.argument("playbook", type=click.Path(dir_okay=False))
@click.option("-i", "--inventory", type=click.Path(dir_okay=False), help="Inventory file.")
@click.option(
    "-f",
    "--forks",
    type=click.IntRange(1, 10_000),
    default=50,
    show_default=True,
    help="Hosts worked on at the same time.",
)
@click.option("-C", "--check", is_flag=True, help="Change nothing; report what would change.")
@click.option("-D", "--diff", is_flag=True, help="Show declared vs observed state.")
@click.option(
    "-l",
    "--limit",
    multiple=True,
    help="Only these hosts, sites, groups or addresses (globs, comma lists, @file).",
)
@click.option(
    "-e", "--extra-vars", multiple=True, help="key=value or @vars.yml (highest precedence)."
)
@click.option("-t", "--tags", multiple=True, help="Only tasks with these tags.")
@click.option("--skip-tags", multiple=True, help="Skip tasks with these tags.")
@click.option("--db", envvar="RMMKIT_DB", help="Store URL (default: .rmmkit/rmmkit.db here).")
@click.option("--no-store", is_flag=True, help="Do not record the run in the store.")
@click.option(
    "-o",
    "--output",
    "outputs",
    multiple=True,
    shell_complete=_complete_outputs,
    help="Output type (table, json, jsonl, …); repeatable; overrides the playbook's.",
)
@click.option(
    "--output-file",
    type=click.Path(dir_okay=False),
    help="Write the (last) --output to this file instead of stdout.",
)
@click.option(
    "--timeout",
    type=click.FloatRange(min=0.1),
    default=600.0,
    show_default=True,
    help="Per-host timeout in seconds.",
)
@click.option(
    "--resume",
    metavar="RUN_ID",
    help="Finish an interrupted run: its id or a unique prefix (see rmmkit runs).",
)
@click.option("-y", "--yes", is_flag=True, help="Do not ask before changing hosts.")
@click.option(
    "--accept-new-host-keys",
    is_flag=True,
    help="Record SSH keys of hosts never seen before (changed keys stay refused).",
)
@vault_options
@click.pass_context
def run_cmd(
    ctx: click.Context,
    playbook: str,
    inventory: str | None,
    forks: int,
    check: bool,
    diff: bool,
    limit: tuple[str, ...],
    extra_vars: tuple[str, ...],
    tags: tuple[str, ...],
    skip_tags: tuple[str, ...],
    db: str | None,
    no_store: bool,
    outputs: tuple[str, ...],
    output_file: str | None,
    timeout: float,
    resume: str | None,
    yes: bool,
    accept_new_host_keys: bool,
    vault_path: str,
    vault_password_file: str | None,
) -> None:
    """Run PLAYBOOK on its targets (hosts of INVENTORY); exit codes in docs/cli.md."""
    from rmmkit.cli.agents import agent_machines, confirm_agent_changes
    from rmmkit.declared.loader import load_declared
    from rmmkit.plugin.manager import load_plugins
    from rmmkit.run.options import RunOptions, exit_code_for, expand_limit, parse_extra_vars
    from rmmkit.run.plan import task_selected
    from rmmkit.run.session import Session
    from rmmkit.run.start import run_playbook, select_run_hosts

    if resume and no_store:
        raise InputError("--resume needs the store", expected="--resume RUN_ID without --no-store")
    plugins = load_plugins()
    variables = parse_extra_vars(extra_vars, _load_vars_file)
    pb, inv = load_declared(playbook, inventory, plugins, variables)
    options = RunOptions(
        forks=forks,
        check=check,
        diff=diff,
        limit=expand_limit(limit),
        tags=_split(tags),
        skip_tags=_split(skip_tags),
        extra_vars=variables,
        timeout=timeout,
        resume=resume,
        handle_signals=True,
    )
    specs = _output_specs(outputs, output_file, plugins)
    with Session.create(
        inventory=inv,
        plugins=plugins,
        db_url=db,
        use_store=not no_store,
        project_dir=Path.cwd(),
        settings={
            "vault_path": vault_path,
            "vault_password_file": vault_password_file,
            "accept_new_host_keys": accept_new_host_keys,
        },
    ) as session:
        if resume and session.store is not None:  # the 12 characters `rmmkit runs` shows do
            options.resume = session.store.resolve_run_id(resume)
        hosts = select_run_hosts(session, pb, options.limit)
        if not hosts and not pb.targets.sites:
            click.echo(
                f"rmmkit: no host matches the targets of {playbook}"
                + (" and --limit" if options.limit else ""),
                err=True,
            )
        wanted, unwanted = set(options.tags), set(options.skip_tags)
        kept = [t.action for t in pb.tasks if task_selected(t, wanted, unwanted)]
        asked = confirm_agent_changes(  # the seed's question, counting machines an agent reaches
            kept, agent_machines(hosts), check=check, yes=yes
        )
        if not (asked or check or yes) and sys.stdin.isatty() and hosts:
            click.confirm(f"Run {pb.name!r} on {len(hosts)} host(s)?", abort=True, err=True)
        result = run_playbook(session, pb, options, hosts=hosts, outputs=specs, reselect=True)
    code = exit_code_for(result)
    if result.interrupted:
        click.echo(
            f"rmmkit: run {result.run_id} interrupted; finished tasks were recorded", err=True
        )
    ctx.exit(code)


def _output_specs(
    names: tuple[str, ...], output_file: str | None, plugins: Plugins
) -> list[OutputSpec] | None:
    if not names:
        if output_file:
            raise InputError(
                "--output-file needs --output", expected="--output TYPE --output-file F"
            )
        return None
    specs = []
    for name in names:
        if name not in plugins.outputs:
            raise InputError(
                f"unknown output {name!r}", expected=f"one of: {', '.join(plugins.outputs)}"
            )
        specs.append(OutputSpec(name))
    if output_file:
        specs[-1] = OutputSpec(specs[-1].type, {"file": output_file})
    return specs


@cli.command("completion")
@click.argument("shell", type=click.Choice(["bash", "zsh", "fish"]))
def completion_cmd(shell: str) -> None:
    """Print the shell completion script: eval "$(rmmkit completion bash)"."""
    comp_cls = get_completion_class(shell)
    if comp_cls is None:  # pragma: no cover - click ships all three
        raise InputError(f"no completion for {shell}", expected="bash, zsh or fish")
    click.echo(comp_cls(cli, {}, "rmmkit", "_RMMKIT_COMPLETE").source())
