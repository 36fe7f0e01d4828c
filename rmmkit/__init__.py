"""rmmkit: remote monitoring and management as code.

The public Python API; the CLI is a thin layer over these names.  Heavy
modules (loader, runner, store) load on first use, so ``import rmmkit`` stays
cheap for plugins that only need the result types.
"""

from __future__ import annotations

import importlib
from typing import Any

from rmmkit.errors import RmmkitError
from rmmkit.results import HostResult, Outcome, RunResult, Status, TaskResult

__version__ = "0.1.0"

_LAZY: dict[str, str] = {
    "Action": "rmmkit.actions.base",
    "TaskContext": "rmmkit.actions.base",
    "Transport": "rmmkit.transports.base",
    "Output": "rmmkit.outputs.base",
    "Secret": "rmmkit.secrets.values",
    "load_plugins": "rmmkit.plugins",
    "load_inventory": "rmmkit.loader",
    "load_playbook": "rmmkit.loader",
    "Scope": "rmmkit.scope",
    "select_hosts": "rmmkit.resolve",
    "Session": "rmmkit.session",
    "Runner": "rmmkit.runner",
    "RunOptions": "rmmkit.runner",
    "run_playbook": "rmmkit.runsetup",
    "open_store": "rmmkit.store",
    "Lab": "rmmkit.lab",
}

__all__ = [
    "HostResult",
    "Outcome",
    "RmmkitError",
    "RunResult",
    "Status",
    "TaskResult",
    "__version__",
    *sorted(_LAZY),
]


def __getattr__(name: str) -> Any:
    modname = _LAZY.get(name)
    if modname is None:
        raise AttributeError(f"module 'rmmkit' has no attribute {name!r}")
    value = getattr(importlib.import_module(modname), name)
    globals()[name] = value
    return value
