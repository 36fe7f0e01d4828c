"""Actions ``agent_status``, ``deploy_agent`` and ``uninstall_agent``.

Why thin: each action picks the inventory's agents, opens the host's
connection and hands it to the shared lifecycle (:mod:`rmmkit.agents`), so
the same actions work over every transport whose connection offers an agent
target.  A failure to connect during a deployment is still an attempt: it
is recorded as a failed deployment event with its likely causes.

Why the route first: a network device or a host the scan saw no way into
(:func:`rmmkit.agents.routing.agent_route`) is ``skipped`` with the reason
before any connection, never an "unreachable" with five guessed causes.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from rmmkit.actions.base import Action, TaskContext
from rmmkit.agents.deploy import Change, Lifecycle, observe
from rmmkit.agents.events import DeploymentRecorder, resolve_scheduled
from rmmkit.agents.routing import Route, agent_route
from rmmkit.agents.target import target_for
from rmmkit.declared.models import Agent
from rmmkit.errors import InputError, TransportError, UnknownReference
from rmmkit.results import Outcome

AGENT_ARGS = {
    "type": "object",
    "properties": {
        "agent": {"type": "string", "description": "agent name (default: every declared agent)"},
        "timeout": {
            "type": "number",
            "exclusiveMinimum": 0,
            "description": "seconds the install/update/uninstall command may take",
        },
    },
    "additionalProperties": False,
}
DEFAULT_INSTALL_TIMEOUT = 600.0


def selected_agents(ctx: TaskContext, args: dict[str, Any]) -> list[Agent]:
    inventory = ctx.session.inventory
    declared: dict[str, Agent] = dict(inventory.agents) if inventory is not None else {}
    name = args.get("agent")
    if name:
        if name not in declared:
            raise UnknownReference(
                f"task {ctx.task.name!r}: unknown agent {name!r}",
                location=ctx.task.location,
                expected="one of: " + (", ".join(sorted(declared)) or "none"),
            )
        return [declared[name]]
    if not declared:
        raise InputError(
            f"task {ctx.task.name!r}: the inventory declares no agent",
            location=ctx.task.location,
            expected="agents: [{name, version, …}]",
        )
    return [declared[n] for n in sorted(declared)]


def inventory_dir(ctx: TaskContext) -> Path:
    inventory = ctx.session.inventory
    if inventory is not None and inventory.path:
        return Path(inventory.path).resolve().parent
    return Path(getattr(ctx.session, "project_dir", Path.cwd()))


def _method(ctx: TaskContext) -> str:
    return ctx.connections.default or "ssh"


def routed(ctx: TaskContext, action: str) -> tuple[Route, Outcome | None]:
    """The host's route, and the ``skipped`` outcome when it has no transport (nothing opened)."""
    route = agent_route(ctx.host, action)
    if route.invalid:
        raise InputError(f"{ctx.host.name}: {route.reason}", location=ctx.task.location)
    if route.transport is None:
        return route, Outcome(skipped=True, msg=route.reason, data={"route": route.to_dict()})
    return route, None


def _route_data(ctx: TaskContext, route: Route) -> dict[str, Any]:
    """The route as the result records it: the transport really used, and the rule's reason."""
    return {"transport": ctx.connections.default or route.transport, "reason": route.reason}


def _summary(changes: list[Change], route: dict[str, Any]) -> Outcome:
    return Outcome(
        changed=any(c.changed for c in changes),
        msg="; ".join(c.message for c in changes),
        data={"agents": {c.agent: c.to_dict() for c in changes}, "route": route},
    )


class AgentStatusAction(Action):
    """Observes each agent and writes the status back to the host's scan row."""

    name = "agent_status"
    description = "report installed / not_installed / outdated / in_progress / unknown per agent"
    supports_check = True
    transport = "ssh"
    args_schema = {**AGENT_ARGS, "properties": {"agent": AGENT_ARGS["properties"]["agent"]}}

    def run(self, ctx: TaskContext, args: dict[str, Any]) -> Outcome:
        agents = selected_agents(ctx, args)
        route, skipped = routed(ctx, self.name)
        if skipped is not None:
            return skipped
        try:
            target = target_for(ctx.connection())
        except TransportError:
            for agent in agents:
                rec = DeploymentRecorder(ctx.session, ctx.host, agent.name, _method(ctx))
                rec.status("unknown")
            raise
        states, resolved = {}, {}
        for agent in agents:
            state = observe(target, agent)
            DeploymentRecorder(ctx.session, ctx.host, agent.name, _method(ctx)).status(
                state.status, state.version
            )
            states[agent.name] = state
            outcome = resolve_scheduled(ctx.session, ctx.host, agent.name, state.status)
            if outcome:  # a scheduled deployment (RunOnce …) has run since: its event is complete
                resolved[agent.name] = outcome
        msg = "; ".join(
            f"{n}: {s.status}"
            + (f" {s.version}" if s.version else "")
            + (f" (scheduled deployment {resolved[n]})" if n in resolved else "")
            for n, s in states.items()
        )
        data: dict[str, Any] = {
            "agent_status": {n: s.to_dict() for n, s in states.items()},
            "route": _route_data(ctx, route),
        }
        if resolved:
            data["resolved_deployments"] = resolved
        return Outcome(msg=msg, data=data)


class _LifecycleAction(Action):
    supports_check = True
    transport = "ssh"
    args_schema = AGENT_ARGS
    operation = "deploy"

    def run(self, ctx: TaskContext, args: dict[str, Any]) -> Outcome:
        agents = selected_agents(ctx, args)
        route, skipped = routed(ctx, self.name)
        if skipped is not None:
            return skipped
        try:
            target = target_for(ctx.connection())
        except TransportError as exc:
            if not ctx.check:  # the attempt failed before reaching the host: still an event
                for agent in agents:
                    rec = DeploymentRecorder(
                        ctx.session, ctx.host, agent.name, _method(ctx), ctx.run_id
                    )
                    rec.start(None, agent.version if self.operation == "deploy" else None)
                    rec.fail(exc, "unknown")
            raise
        timeout = float(args.get("timeout") or ctx.task.timeout or DEFAULT_INSTALL_TIMEOUT)
        changes = []
        for agent in agents:
            recorder = DeploymentRecorder(
                ctx.session, ctx.host, agent.name, lambda t=target: str(t.method), ctx.run_id
            )
            life = Lifecycle(
                target, agent, recorder, host=ctx.host, base_dir=inventory_dir(ctx), timeout=timeout
            )
            step = life.deploy if self.operation == "deploy" else life.uninstall
            changes.append(step(ctx.check))
        return _summary(changes, _route_data(ctx, route))


class DeployAgentAction(_LifecycleAction):
    """Installs where missing, updates where outdated (SFTP copy, sha256 checked on the host)."""

    name = "deploy_agent"
    description = "install missing agents and update outdated ones"
    operation = "deploy"


class UninstallAgentAction(_LifecycleAction):
    """Runs the agent's uninstall command where it is installed and checks it is gone."""

    name = "uninstall_agent"
    description = "uninstall agents where installed"
    operation = "uninstall"
