"""The contract every action implements.

Why a class with class-level metadata: the runner needs to know before
running anything whether an action supports ``--check``, which transport it
needs and whether it runs per host or once per site; the schema builder needs
its ``args_schema``.  None of that should require instantiating it.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar

from rmmkit.results import Outcome

if TYPE_CHECKING:
    from rmmkit.declared.models import ResolvedHost, Task
    from rmmkit.run.session import Session
    from rmmkit.transports.base import ConnectionCache


@dataclass
class TaskContext:
    """Everything an action may use while it runs on one host.

    ``session`` is the run's :class:`rmmkit.run.session.Session` (plugins,
    inventory, store, secrets); ``connections`` is the host's connection cache, shared by
    every task of that host.
    """

    host: ResolvedHost
    task: Task
    session: Session
    connections: ConnectionCache
    vars: dict[str, Any] = field(default_factory=dict)
    check: bool = False
    diff: bool = False
    run_id: str = ""
    log: logging.Logger = field(default_factory=lambda: logging.getLogger("rmmkit.action"))

    def connection(self, transport: str | None = None) -> Any:
        """The host's open connection for ``transport`` (opened on first use, then cached)."""
        return self.connections.get(transport or "")

    def record_facts(
        self, kind: str, data: dict[str, Any], *, collected_at: float | None = None
    ) -> bool:
        """Store ``data`` as this host's facts of ``kind`` (time-stamped); False without a store.

        Why here: actions should not reach into the session for the store, and
        facts of a run without a store (``--no-store``, tests) are simply not kept.
        """
        store = self.session.store
        if store is None:
            return False
        store.add_facts(self.host.name, self.host.site, kind, data, collected_at=collected_at)
        return True

    def latest_facts(self, kind: str) -> dict[str, Any] | None:
        """This host's newest stored facts of ``kind`` (None: none, or no store)."""
        store = self.session.store
        if store is None:
            return None
        known = store.facts(kind=kind, site=self.host.site, host=self.host.name)
        return dict(known[-1]["data"]) if known else None


class Action:
    """Base class: subclasses set the class variables and implement :meth:`run`."""

    name: ClassVar[str] = ""
    description: ClassVar[str] = ""
    args_schema: ClassVar[dict[str, Any]] = {"type": "object"}
    supports_check: ClassVar[bool] = False
    transport: ClassVar[str | None] = None  # None: needs no connection to the host
    per: ClassVar[str] = "host"  # "host": once per host; "site": once per targeted site

    def run(self, ctx: TaskContext, args: dict[str, Any]) -> Outcome:
        """Do the work; raise a :class:`rmmkit.errors.TransportError` (or anything) to fail."""
        raise NotImplementedError
