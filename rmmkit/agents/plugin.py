"""Built-in plugin of the agent lifecycle: the agent actions, their transport and their errors.

Why apart from the transports: the same actions run over SSH (Linux, macOS)
and SMB (Windows); which one a host gets is decided once, by
:func:`rmmkit.agents.routing.agent_route` (scan evidence, then host vars),
and this plugin answers ``rmmkit_select_transport`` with it.  Protocol
plugins only provide transports and agent targets.
"""

from __future__ import annotations

from rmmkit.agents.actions import AgentStatusAction, DeployAgentAction, UninstallAgentAction
from rmmkit.agents.causes import explain
from rmmkit.agents.routing import ROUTED_ACTIONS, agent_route
from rmmkit.declared.models import ResolvedHost
from rmmkit.plugin.spec import Register, hookimpl


@hookimpl
def rmmkit_register_actions(register: Register) -> None:
    for cls in (AgentStatusAction, DeployAgentAction, UninstallAgentAction):
        register(cls.name, cls)


@hookimpl
def rmmkit_select_transport(host: ResolvedHost, action: str) -> str | None:
    """The agent route's transport; ``None`` (the action's own) when no rule applies.

    A host without a route (a network device, nothing to reach it over) also
    gets ``None``: its agent actions skip before opening any connection.
    """
    if action not in ROUTED_ACTIONS:
        return None
    route = agent_route(host, action)
    return None if route.default else route.transport


@hookimpl
def rmmkit_explain_error(error: BaseException) -> list[str] | None:
    return explain(error)
