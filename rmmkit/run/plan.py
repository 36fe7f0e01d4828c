"""Turn a playbook into what the runner executes: compiled tasks, segments, targeted sites.

Why ahead of the run: everything that is the same for every host (the action
instance, whether it supports check mode, compiled templates and ``when``
expressions, tag filtering) is decided once here, so a host's job does only
per-host work.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from rmmkit.declared.models import Playbook, ResolvedHost, Task
from rmmkit.declared.templating import Renderer, compile_value, compile_when, has_template
from rmmkit.errors import InputError

if TYPE_CHECKING:
    from rmmkit.actions.base import Action
    from rmmkit.run.session import Session


@dataclass(slots=True)
class CompiledTask:
    """One task, ready to run on any host."""

    task: Task
    name: str
    action_name: str
    action: Action
    supports_check: bool
    transport: str | None
    per: str
    render_args: Renderer | None  # None: args are constant, use ``task.args`` as is
    when: Callable[[Mapping[str, Any]], bool] | None
    sets_facts: bool


def compile_tasks(
    playbook: Playbook, session: Session, tags: Iterable[str] = (), skip_tags: Iterable[str] = ()
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


def _matches(name: str, patterns: list[str]) -> bool:
    return any(name == p or fnmatch.fnmatchcase(name, p) for p in patterns)


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
