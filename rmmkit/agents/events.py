"""Deployment events in the store, and the agent status written back to the scan rows.

Why written twice: an event is stored as ``in_progress`` when the attempt
starts and completed (same identity: run, host, agent, method, start) when
it ends, so a crashed run still leaves a trace and the scan rows show
``in_progress`` while the host is being worked on.  Without a store (``--no-store``)
everything here is a no-op.

The scan row's Description column (the seed's "error message or status
returned if agent installation fails") gets the failure's description from
the error table (``Access is Denied`` …); a later successful attempt clears
it.  Observed statuses leave it alone: only an attempt can fail or succeed.

A ``scheduled`` event (the target runs the command later, e.g. Windows
RunOnce at the next logon) has no end yet; the first ``agent_status`` that
sees a settled status completes it (:func:`resolve_scheduled`).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from rmmkit.agents.causes import CAUSES, describe
from rmmkit.declared.models import ResolvedHost

if TYPE_CHECKING:
    from rmmkit.run.session import Session

UNSETTLED = ("in_progress", "unknown")  # statuses that cannot tell a scheduled attempt's outcome


class DeploymentRecorder:
    """One attempt (install, update or uninstall) of one agent on one host."""

    def __init__(
        self,
        session: Session,
        host: ResolvedHost,
        agent: str,
        method: str | Callable[[], str],
        run_id: str = "",
    ) -> None:
        self.store = session.store
        self.host = host
        self.agent = agent
        self._method = method  # a callable is asked only when an event is written
        self.run_id = run_id or None
        self.started: float | None = None
        self.from_version: str | None = None
        self.to_version: str | None = None

    @property
    def method(self) -> str:
        """How the attempt reached the host (ssh, wmi, service, remote_registry …)."""
        if callable(self._method):
            self._method = self._method()
        return self._method

    def _event(self, **changes: Any) -> dict[str, Any]:
        return {
            "run_id": self.run_id,
            "site": self.host.site or None,
            "host": self.host.name,
            "ip": self.host.address,
            "agent": self.agent,
            "method": self.method,
            "from_version": self.from_version,
            "to_version": self.to_version,
            "started": self.started,
            **changes,
        }

    def status(
        self, status: str, version: str | None = None, description: str | None = None
    ) -> None:
        """Write the agent status (and, given, the description) onto the host's newest scan row."""
        if self.store is not None and self.host.site:
            self.store.update_agent_status(
                self.host.site,
                self.host.address,
                status,
                agent=self.agent,
                version=version,
                description=description,
            )

    def start(self, from_version: str | None, to_version: str | None) -> None:
        self.started = time.time()
        self.from_version, self.to_version = from_version, to_version
        if self.store is not None:
            self.store.add_deployment_event(self._event(result="in_progress"))
        self.status("in_progress", from_version)

    def finish(self, result: str, status: str, version: str | None) -> None:
        if self.store is not None and self.started is not None:
            self.store.add_deployment_event(self._event(result=result, ended=time.time()))
        self.status(status, version, description="")  # a success clears an earlier failure

    def schedule(self, version: str | None) -> None:
        """Our part is done and the host will run the command later: pending, not failed."""
        if self.store is not None and self.started is not None:
            self.store.add_deployment_event(self._event(result="scheduled"))
        self.status("in_progress", version)

    def fail(
        self, error: BaseException, status: str = "unknown", version: str | None = None
    ) -> None:
        """Record the failure with its description and likely causes (names, never secrets)."""
        description, causes = describe(error)
        merged = list(dict.fromkeys([*getattr(error, "causes", ()), *causes]))
        if self.store is not None and self.started is not None:
            self.store.add_deployment_event(
                self._event(
                    result="failed",
                    ended=time.time(),
                    error=f"{description}: {error}",
                    causes=merged,
                )
            )
        self.status(status, version, description=description)


def resolve_scheduled(session: Session, host: ResolvedHost, agent: str, status: str) -> str | None:
    """Complete the host's newest ``scheduled`` event of ``agent`` from an observed status.

    Returns the result written (``installed``, ``updated``, ``uninstalled`` or
    ``failed``), or None when there is nothing to resolve yet.
    """
    store = session.store
    if store is None or status in UNSETTLED:
        return None
    events = [e for e in store.deployment_events(host=host.name) if e.get("agent") == agent]
    if not events or events[-1].get("result") != "scheduled":
        return None
    event = events[-1]
    removing = event.get("to_version") is None  # an uninstall carries no target version
    error_text = ""  # the scan row's Description once the scheduled attempt settled
    if status == ("not_installed" if removing else "installed"):
        result = (
            "uninstalled" if removing else "updated" if event.get("from_version") else ("installed")
        )
        changes: dict[str, Any] = {"result": result}
    else:
        description, causes = CAUSES["scheduled_failed"]
        result, error_text = "failed", description
        changes = {
            "result": result,
            "error": f"{description}: the agent is {status}",
            "causes": list(causes),
        }
    store.add_deployment_event({**event, **changes, "ended": time.time()})
    if host.site:
        store.update_agent_status(host.site, host.address, status, agent, description=error_text)
    return result
