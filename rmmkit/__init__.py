"""rmmkit: remote monitoring and management as code.

The public Python API; the CLI is a thin layer over these names, and plugin
authors import from here only (``from rmmkit import Action, Outcome,
hookimpl``).  Heavy modules (loader, runner, store) load on first use, so
``import rmmkit`` stays cheap for plugins that only need the result types.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from rmmkit.errors import (
    AuthenticationError,
    InputError,
    ProtocolError,
    RmmkitError,
    TransportError,
    UnreachableError,
)
from rmmkit.results import HostResult, Outcome, RunResult, Status, TaskResult

if TYPE_CHECKING:  # type checkers and IDEs see the lazy names as plain imports
    from rmmkit.actions.base import Action, TaskContext
    from rmmkit.declared.loader import load_declared, load_inventory, load_playbook
    from rmmkit.declared.scope import Scope
    from rmmkit.declared.selection import select_hosts
    from rmmkit.lab import Lab
    from rmmkit.outputs.base import FILE_OPTION, Output
    from rmmkit.plugin.manager import load_plugins
    from rmmkit.plugin.spec import Register, hookimpl
    from rmmkit.run.options import RunOptions
    from rmmkit.run.runner import Runner
    from rmmkit.run.session import Session
    from rmmkit.run.start import run_playbook
    from rmmkit.secrets.values import Secret
    from rmmkit.store import open_store
    from rmmkit.transports.base import Connection, Transport

__version__ = "0.1.0"

_LAZY: dict[str, str] = {
    "hookimpl": "rmmkit.plugin.spec",
    "Register": "rmmkit.plugin.spec",
    "Action": "rmmkit.actions.base",
    "TaskContext": "rmmkit.actions.base",
    "Transport": "rmmkit.transports.base",
    "Connection": "rmmkit.transports.base",
    "Output": "rmmkit.outputs.base",
    "FILE_OPTION": "rmmkit.outputs.base",
    "Secret": "rmmkit.secrets.values",
    "load_plugins": "rmmkit.plugin.manager",
    "load_declared": "rmmkit.declared.loader",
    "load_inventory": "rmmkit.declared.loader",
    "load_playbook": "rmmkit.declared.loader",
    "Scope": "rmmkit.declared.scope",
    "select_hosts": "rmmkit.declared.selection",
    "Session": "rmmkit.run.session",
    "Runner": "rmmkit.run.runner",
    "RunOptions": "rmmkit.run.options",
    "run_playbook": "rmmkit.run.start",
    "open_store": "rmmkit.store",
    "Lab": "rmmkit.lab",
}

# Written out (not built from _LAZY) so linters and type checkers can read it.
__all__ = [
    "FILE_OPTION",
    "Action",
    "AuthenticationError",
    "Connection",
    "HostResult",
    "InputError",
    "Lab",
    "Outcome",
    "Output",
    "ProtocolError",
    "Register",
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
    "TransportError",
    "UnreachableError",
    "__version__",
    "hookimpl",
    "load_declared",
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
