"""The Windows built-in plugin: transports, actions, transport choice and error explanations.

Why a separate hookimpl module: the protocol modules stay importable without
pluggy; this file is the one place the plugin manager sees.  The agent
actions (``agent_status``, ``deploy_agent``, ``uninstall_agent``) are the
shared ones of :mod:`rmmkit.actions.agents`; this plugin only routes Windows
hosts to the ``smb`` transport, whose connection offers the Windows target.
"""

from __future__ import annotations

from typing import Any

from rmmkit.actions.base import Action, TaskContext
from rmmkit.hookspecs import Register, hookimpl
from rmmkit.results import Outcome
from rmmkit.windows import errors
from rmmkit.windows.transport import (
    ScmrTransport,
    WindowsTransport,
    WinregTransport,
    WmiTransport,
    windows_materials,
)

AGENT_ACTIONS = ("agent_status", "deploy_agent", "uninstall_agent", "connect")


def is_windows(host: Any) -> bool:
    """A host is Windows when its vars say so (``os``/``platform``) or a scan saw Windows."""
    for key in ("platform", "os", "os_family"):
        value = str(host.vars.get(key, "")).lower()
        if value.startswith("windows"):
            return True
    return False


class WindowsPreflightAction(Action):
    """Climbs the preflight ladder and reports every rung and the verdict."""

    name = "windows_preflight"
    description = "ping, TCP 445, SMB login, ADMIN$ write, svcctl, WMI, winreg → verdict"
    supports_check = True  # it writes one scratch file to ADMIN$ and deletes it
    transport = "local"
    args_schema = {
        "type": "object",
        "properties": {"timeout": {"type": "number", "exclusiveMinimum": 0}},
        "additionalProperties": False,
    }

    def run(self, ctx: TaskContext, args: dict[str, Any]) -> Outcome:
        from rmmkit.errors import TransportError
        from rmmkit.windows.preflight import preflight

        materials = windows_materials(ctx.session, ctx.host)
        table = errors.error_table(ctx.session.plugins.pm)
        result = preflight(
            ctx.host.name,
            ctx.host.address,
            materials,
            timeout=float(args.get("timeout", 5.0)),
            table=table,
        )
        data = {"windows_preflight": result.to_dict()}
        if result.verdict not in ("ready", "partly_ready"):
            failed = [s for s in result.steps if s.status == "failed"]
            causes = tuple(c for s in failed if s.failure for c in s.failure.causes)
            err = TransportError(
                f"{ctx.host.name}: preflight: {result.verdict}: {result.summary}",
                host=ctx.host.name,
                code=result.verdict,
                causes=causes,
            )
            err.data = data  # type: ignore[attr-defined]
            raise err
        return Outcome(msg=f"{result.verdict}: {result.summary}", data=data)


class WindowsFactsAction(Action):
    """OS/build, logged-on user, disks, antivirus, SMART, hotfixes → the store's facts."""

    name = "windows_facts"
    description = "collect Windows facts over WMI with registry fallbacks"
    supports_check = True
    transport = "smb"
    args_schema = {
        "type": "object",
        "properties": {"wmi": {"type": "boolean"}},
        "additionalProperties": False,
    }

    def run(self, ctx: TaskContext, args: dict[str, Any]) -> Outcome:
        from rmmkit.windows.facts import collect

        data = collect(ctx.connection(), use_wmi=bool(args.get("wmi", True)))
        store = getattr(ctx.session, "store", None)
        if store is not None:
            store.add_facts(ctx.host.name, ctx.host.site, "windows", data)
        os_caption = (data.get("os") or {}).get("caption", "?")
        return Outcome(
            msg=f"{os_caption} (os from {data['sources']['os']})", data={"windows_facts": data}
        )


@hookimpl
def rmmkit_register_transports(register: Register) -> None:
    for cls in (WindowsTransport, ScmrTransport, WinregTransport, WmiTransport):
        register(cls.name, cls)


@hookimpl
def rmmkit_register_actions(register: Register) -> None:
    for cls in (WindowsPreflightAction, WindowsFactsAction):
        register(cls.name, cls)


@hookimpl
def rmmkit_select_transport(host: Any, action: str) -> str | None:
    """Windows hosts reach the agent actions over ``smb`` (``rmmkit_transport`` wins)."""
    if host.vars.get("rmmkit_transport") or action not in AGENT_ACTIONS:
        return None
    return "smb" if is_windows(host) else None


@hookimpl
def rmmkit_explain_error(error: BaseException) -> list[str] | None:
    return errors.explain(error)
