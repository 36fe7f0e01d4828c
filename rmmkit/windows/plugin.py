"""The Windows built-in plugin: transports, actions and error explanations.

Why a separate hookimpl module: the protocol modules stay importable without
pluggy; this file is the one place the plugin manager sees.  The agent
actions (``agent_status``, ``deploy_agent``, ``uninstall_agent``) are the
shared ones of :mod:`rmmkit.agents.actions`, and which hosts reach them over
``smb`` (whose connection offers the Windows target) is decided in one place,
:mod:`rmmkit.agents.routing`.
"""

from __future__ import annotations

from rmmkit.plugin.spec import Register, hookimpl
from rmmkit.windows import errors
from rmmkit.windows.actions import WindowsFactsAction, WindowsPreflightAction
from rmmkit.windows.transport import ScmrTransport, WindowsTransport, WinregTransport, WmiTransport


@hookimpl
def rmmkit_register_transports(register: Register) -> None:
    for cls in (WindowsTransport, ScmrTransport, WinregTransport, WmiTransport):
        register(cls.name, cls)


@hookimpl
def rmmkit_register_actions(register: Register) -> None:
    for cls in (WindowsPreflightAction, WindowsFactsAction):
        register(cls.name, cls)


@hookimpl
def rmmkit_explain_error(error: BaseException) -> list[str] | None:
    return errors.explain(error)
