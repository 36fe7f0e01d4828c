"""Running one shared agent action through the real runner, store and inventory."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

from rmmkit.declared.loader import load_inventory
from rmmkit.declared.models import Playbook, Targets, Task
from rmmkit.lab import Lab
from rmmkit.plugin.manager import load_plugins
from rmmkit.results import TaskResult
from rmmkit.run.options import RunOptions
from rmmkit.run.session import Session
from rmmkit.run.start import run_playbook


def run_action(
    lab: Lab,
    inventory: Path,
    action: str,
    hosts: list[str],
    store: Any,
    args: dict[str, Any],
    *,
    timeout: float = 120,
    connect_timeout: float = 10,
) -> dict[str, TaskResult]:
    """``action`` on ``hosts`` from the lab's scanner namespace; one result per host.

    The caller owns ``store`` (it outlives the session, to read events afterwards).
    """
    plugins = load_plugins()
    session = Session.create(
        inventory=load_inventory(inventory, plugins), plugins=plugins, project_dir=inventory.parent
    )
    session.store = store
    playbook = Playbook(
        path="<test>",
        name="test",
        targets=Targets(hosts=tuple(hosts)),
        tasks=(Task(name=action, action=action, args=args),),
    )
    options = RunOptions(timeout=timeout, connect_timeout=connect_timeout)
    try:
        with lab.scanner():
            result = run_playbook(session, playbook, options, stdout=io.StringIO())
    finally:
        session.store = None
        session.close()
    return {name: hr.results[0] for name, hr in result.hosts.items()}
