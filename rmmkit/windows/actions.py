"""Windows actions: ``windows_preflight`` (the ladder and its verdict) and ``windows_facts``.

Why only these two: the agent actions are the shared ones of
:mod:`rmmkit.agents.actions`; Windows hosts reach them over the ``smb``
transport, whose connection offers the Windows agent target (the choice is
:func:`rmmkit.agents.routing.agent_route`).
"""

from __future__ import annotations

from typing import Any

from rmmkit.actions.base import Action, TaskContext
from rmmkit.errors import TransportError
from rmmkit.results import Outcome
from rmmkit.windows import errors
from rmmkit.windows.transport import windows_materials


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
        ctx.record_facts("windows", data)
        os_caption = (data.get("os") or {}).get("caption", "?")
        return Outcome(
            msg=f"{os_caption} (os from {data['sources']['os']})", data={"windows_facts": data}
        )
