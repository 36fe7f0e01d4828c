"""Turn a playbook into what the runner executes: selected hosts, compiled tasks, segments.

Why ahead of the run: everything that is the same for every host (the action
instance, whether it supports check mode, compiled templates and ``when``
expressions, tag filtering) is decided once here, so a host's job does only
per-host work.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rmmkit.errors import EXIT_HOST_FAILED, EXIT_INTERRUPTED, EXIT_OK, InputError
from rmmkit.models import Playbook, ResolvedHost, Task
from rmmkit.results import RunResult
from rmmkit.templating import Renderer, compile_value, compile_when, has_template


@dataclass
class RunOptions:
    """Everything ``rmmkit run`` can change about a run."""

    forks: int = 50
    check: bool = False
    diff: bool = False
    limit: list[str] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    skip_tags: list[str] = field(default_factory=list)
    extra_vars: dict[str, Any] = field(default_factory=dict)
    timeout: float = 600.0  # per host, seconds
    connect_timeout: float = 30.0
    handle_signals: bool = False  # only the CLI owns the process's signals
    watchdog_interval: float = 0.2
    resume: str | None = None  # id of an interrupted run to finish (needs the store)


def exit_code_for(result: RunResult) -> int:
    """0 all ok/changed/skipped, 2 a host failed or was unreachable, 130 interrupted."""
    if result.interrupted:
        return EXIT_INTERRUPTED
    return EXIT_HOST_FAILED if result.failed_hosts else EXIT_OK


@dataclass(slots=True)
class CompiledTask:
    """One task, ready to run on any host."""

    task: Task
    name: str
    action_name: str
    action: Any
    supports_check: bool
    transport: str | None
    per: str
    render_args: Renderer | None  # None: args are constant, use ``task.args`` as is
    when: Callable[[Mapping[str, Any]], bool] | None
    sets_facts: bool


def compile_tasks(
    playbook: Playbook, session: Any, tags: Iterable[str] = (), skip_tags: Iterable[str] = ()
) -> list[CompiledTask]:
    """Compile the tasks that ``--tags`` / ``--skip-tags`` keep, in playbook order."""
    wanted, unwanted = set(tags), set(skip_tags)
    compiled = []
    for task in playbook.tasks:
        if not task_selected(task, wanted, unwanted):
            continue
        where = f"{task.location}: task {task.name!r}"
        try:
            action = session.action(task.action)
        except InputError as exc:
            raise type(exc)(f"{where}: {exc.reason}", expected=exc.expected) from None
        cls = type(action)
        compiled.append(
            CompiledTask(
                task=task,
                name=task.name,
                action_name=task.action,
                action=action,
                supports_check=bool(getattr(cls, "supports_check", False)),
                transport=getattr(cls, "transport", None),
                per=getattr(cls, "per", "host"),
                render_args=compile_value(task.args, f"{where} args")
                if has_template(task.args)
                else None,
                when=compile_when(task.when, f"{where} when"),
                sets_facts=bool(getattr(cls, "sets_facts", False)),
            )
        )
    return compiled


def task_selected(task: Task, wanted: set[str], unwanted: set[str]) -> bool:
    """Ansible's rules: ``always`` runs unless skipped by name; ``all`` matches everything."""
    task_tags = set(task.tags)
    if task_tags & unwanted:
        return False
    if not wanted or "all" in wanted:
        return True
    return bool(task_tags & (wanted | {"always"}))


def segments(tasks: list[CompiledTask]) -> list[tuple[str, list[CompiledTask]]]:
    """Split tasks into consecutive runs of the same ``per`` ("host" or "site")."""
    out: list[tuple[str, list[CompiledTask]]] = []
    for ct in tasks:
        if out and out[-1][0] == ct.per:
            out[-1][1].append(ct)
        else:
            out.append((ct.per, [ct]))
    return out


def expand_limit(patterns: Iterable[str], base_dir: Path | None = None) -> list[str]:
    """``--limit`` values: comma-separated names/globs; ``@file`` reads one pattern per line."""
    out: list[str] = []
    for raw in patterns:
        for item in (p.strip() for p in raw.split(",")):
            if not item:
                continue
            if item.startswith("@"):
                path = Path(item[1:])
                if base_dir and not path.is_absolute() and not path.exists():
                    path = base_dir / path
                try:
                    lines = path.read_text().splitlines()
                except OSError as exc:
                    raise InputError(
                        f"--limit {item}: cannot read {path}: {exc.strerror}",
                        expected="a file with one host, site or glob per line",
                    ) from None
                out += [
                    ln.strip() for ln in lines if ln.strip() and not ln.lstrip().startswith("#")
                ]
            else:
                out.append(item)
    return out


def _matches(name: str, patterns: list[str]) -> bool:
    return any(name == p or fnmatch.fnmatchcase(name, p) for p in patterns)


def host_in_limit(host: ResolvedHost, patterns: list[str]) -> bool:
    """A host matches by its name, its address, its site or one of its groups (exact or glob)."""
    return (
        _matches(host.name, patterns)
        or _matches(host.address, patterns)
        or (bool(host.site) and _matches(host.site, patterns))
        or any(_matches(g, patterns) for g in host.groups)
    )


def apply_limit(hosts: list[ResolvedHost], patterns: list[str]) -> list[ResolvedHost]:
    """Keep hosts matching any pattern and no ``!pattern`` (the declared-state area's rules)."""
    if not patterns:
        return hosts
    try:
        from rmmkit.selection import apply_limit as declared_apply_limit
    except ImportError:  # that area is not built: names, addresses, sites, groups, globs
        include = [p for p in patterns if not p.startswith("!")]
        exclude = [p[1:] for p in patterns if p.startswith("!")]
        return [
            h
            for h in hosts
            if (not include or host_in_limit(h, include))
            and not (exclude and host_in_limit(h, exclude))
        ]
    return declared_apply_limit(hosts, ",".join(patterns))


def targeted_sites(playbook: Playbook, hosts: list[ResolvedHost], patterns: list[str]) -> list[str]:
    """Sites a ``per: site`` task runs on: declared targets plus the sites of selected hosts.

    With ``--limit``, a site stays when a pattern names it or one of its hosts was kept,
    unless a ``!pattern`` names it.
    """
    sites = dict.fromkeys(playbook.targets.sites)
    for h in hosts:
        if h.site:
            sites.setdefault(h.site, None)
    if not patterns:
        return list(sites)
    include = [p for p in patterns if not p.startswith("!")]
    exclude = [p[1:] for p in patterns if p.startswith("!")]
    host_sites = {h.site for h in hosts}
    return [
        s
        for s in sites
        if (not include or _matches(s, include) or s in host_sites) and not _matches(s, exclude)
    ]


def parse_extra_vars(values: Iterable[str], load_yaml: Callable[[str], Any]) -> dict[str, Any]:
    """``-e key=value`` (value kept as a string) and ``-e @vars.yml`` (a YAML mapping)."""
    out: dict[str, Any] = {}
    for raw in values:
        if raw.startswith("@"):
            data = load_yaml(raw[1:])
            if not isinstance(data, dict):
                raise InputError(
                    f"-e {raw}: the file must hold a mapping", expected="key: value lines"
                )
            out.update(data)
            continue
        key, sep, value = raw.partition("=")
        if not sep or not key.strip().isidentifier():
            raise InputError(f"-e {raw!r}: not key=value", expected="-e name=value or -e @vars.yml")
        out[key.strip()] = value
    return out
