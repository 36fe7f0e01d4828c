"""Running one action through the real runner against the SSH lab."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

from rmmkit.declared.loader import load_inventory
from rmmkit.declared.models import Playbook, Targets, Task
from rmmkit.plugin.manager import load_plugins
from rmmkit.results import TaskResult
from rmmkit.run.options import RunOptions
from rmmkit.run.session import Session
from rmmkit.run.start import run_playbook

_PLUGINS = None


def plugins() -> Any:
    global _PLUGINS
    if _PLUGINS is None:
        _PLUGINS = load_plugins()
    return _PLUGINS


def make_session(
    inventory: Path, *, store: Any = None, settings: dict[str, Any] | None = None
) -> Session:
    session = Session.create(
        inventory=load_inventory(inventory, plugins()),
        plugins=plugins(),
        project_dir=inventory.parent,
        settings=settings or {},
    )
    session.store = store
    return session


def run_action(
    lab: Any,
    inventory: Path,
    action: str,
    hosts: list[str],
    *,
    check: bool = False,
    store: Any = None,
    settings: dict[str, Any] | None = None,
    args: dict[str, Any] | None = None,
    out: io.StringIO | None = None,
) -> dict[str, TaskResult]:
    """``action`` on ``hosts`` from the lab's scanner namespace; one result per host."""
    session = make_session(inventory, store=store, settings=settings)
    playbook = Playbook(
        path="<test>",
        name="test",
        targets=Targets(hosts=tuple(hosts)),
        tasks=(Task(name=action, action=action, args=args or {}),),
    )
    options = RunOptions(check=check, timeout=120, connect_timeout=10)
    try:
        with lab.scanner():
            result = run_playbook(session, playbook, options, stdout=out or io.StringIO())
    finally:
        session.store = None  # the caller owns the store
        session.close()
    return {name: hr.results[0] for name, hr in result.hosts.items()}
