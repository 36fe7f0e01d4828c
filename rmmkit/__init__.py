"""rmmkit: remote monitoring and management as code.

The public Python API; the CLI is a thin layer over these names.  Heavy
modules (loader, runner, store) load on first use, so ``import rmmkit`` stays
cheap for plugins that only need the result types.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from rmmkit.errors import RmmkitError
from rmmkit.results import HostResult, Outcome, RunResult, Status, TaskResult

if TYPE_CHECKING:  # type checkers and IDEs see the lazy names as plain imports
    from rmmkit.actions.base import Action, TaskContext
    from rmmkit.lab import Lab
    from rmmkit.loader import load_inventory, load_playbook
    from rmmkit.outputs.base import Output
    from rmmkit.plugins import load_plugins
    from rmmkit.resolve import select_hosts
    from rmmkit.runner import Runner, RunOptions
    from rmmkit.runsetup import run_playbook
    from rmmkit.scope import Scope
    from rmmkit.secrets.values import Secret
    from rmmkit.session import Session
    from rmmkit.store import open_store
    from rmmkit.transports.base import Transport

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

# Written out (not built from _LAZY) so linters and type checkers can read it.
__all__ = [
    "Action",
    "HostResult",
    "Lab",
    "Outcome",
    "Output",
    "RmmkitError",
    "RunOptions",
    "RunResult",
    "Runner",
    "Scope",
    "Secret",
    "Session",
    "Status",
    "TaskContext",
    "TaskResult",
    "Transport",
    "__version__",
    "load_inventory",
    "load_playbook",
    "load_plugins",
    "open_store",
    "run_playbook",
    "select_hosts",
]


def __getattr__(name: str) -> Any:
    modname = _LAZY.get(name)
    if modname is None:
        raise AttributeError(f"module 'rmmkit' has no attribute {name!r}")
    value = getattr(importlib.import_module(modname), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    """Lazy names too, so ``dir(rmmkit)`` and tab completion show the whole API."""
    return sorted({*globals(), *_LAZY})
