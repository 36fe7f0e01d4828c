"""Built-in plugin of the agent lifecycle: the agent actions and their error explanations.

Why apart from the transports: the same actions run over SSH (Linux, macOS)
and the Windows transports; each protocol plugin only routes a host to its
transport (``rmmkit_select_transport``), this one owns what an agent task does.
"""

from __future__ import annotations

from rmmkit.agents.actions import AgentStatusAction, DeployAgentAction, UninstallAgentAction
from rmmkit.agents.causes import explain
from rmmkit.plugin.spec import Register, hookimpl


@hookimpl
def rmmkit_register_actions(register: Register) -> None:
    for cls in (AgentStatusAction, DeployAgentAction, UninstallAgentAction):
        register(cls.name, cls)


@hookimpl
def rmmkit_explain_error(error: BaseException) -> list[str] | None:
    return explain(error)
