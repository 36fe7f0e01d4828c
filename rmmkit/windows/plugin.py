"""The Windows built-in plugin: transports, actions, transport choice and error explanations.

Why a separate hookimpl module: the protocol modules stay importable without
pluggy; this file is the one place the plugin manager sees.  The agent
actions (``agent_status``, ``deploy_agent``, ``uninstall_agent``) are the
shared ones of :mod:`rmmkit.agents.actions`; this plugin only routes Windows
hosts to the ``smb`` transport, whose connection offers the Windows target.
"""

from __future__ import annotations

from rmmkit.declared.models import ResolvedHost
from rmmkit.plugin.spec import Register, hookimpl
from rmmkit.windows import errors
from rmmkit.windows.actions import WindowsFactsAction, WindowsPreflightAction, is_windows
from rmmkit.windows.transport import ScmrTransport, WindowsTransport, WinregTransport, WmiTransport

AGENT_ACTIONS = ("agent_status", "deploy_agent", "uninstall_agent", "connect")


@hookimpl
def rmmkit_register_transports(register: Register) -> None:
    for cls in (WindowsTransport, ScmrTransport, WinregTransport, WmiTransport):
        register(cls.name, cls)


@hookimpl
def rmmkit_register_actions(register: Register) -> None:
    for cls in (WindowsPreflightAction, WindowsFactsAction):
        register(cls.name, cls)


@hookimpl
def rmmkit_select_transport(host: ResolvedHost, action: str) -> str | None:
    """Windows hosts reach the agent actions over ``smb`` (``rmmkit_transport`` wins)."""
    if host.vars.get("rmmkit_transport") or action not in AGENT_ACTIONS:
        return None
    return "smb" if is_windows(host) else None


@hookimpl
def rmmkit_explain_error(error: BaseException) -> list[str] | None:
    return errors.explain(error)
