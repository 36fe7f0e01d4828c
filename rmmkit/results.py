"""Results of tasks, hosts and runs (modelled on nornir's results).

Why separate from the runner: actions, outputs, the store and plugins all
read results; none of them should import the runner to do it.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Any


class Status(enum.StrEnum):
    """Outcome of one task on one host."""

    OK = "ok"
    CHANGED = "changed"
    FAILED = "failed"
    UNREACHABLE = "unreachable"
    SKIPPED = "skipped"

    @property
    def is_failure(self) -> bool:
        return self in (Status.FAILED, Status.UNREACHABLE)


@dataclass(frozen=True)
class Outcome:
    """What an action returns: the runner adds host, task and timing to make a TaskResult."""

    changed: bool = False
    msg: str = ""
    data: dict[str, Any] = field(default_factory=dict)
    diff: dict[str, Any] | None = None
    skipped: bool = False


@dataclass(frozen=True)
class TaskResult:
    """One task on one host."""

    host: str
    task: str
    action: str
    status: Status
    msg: str = ""
    data: dict[str, Any] = field(default_factory=dict)
    diff: dict[str, Any] | None = None
    causes: tuple[str, ...] = ()
    started: float = 0.0
    ended: float = 0.0

    @property
    def failed(self) -> bool:
        return self.status.is_failure

    @property
    def duration(self) -> float:
        return max(0.0, self.ended - self.started)

    def to_dict(self) -> dict[str, Any]:
        return {
            "host": self.host,
            "task": self.task,
            "action": self.action,
            "status": self.status.value,
            "msg": self.msg,
            "data": self.data,
            "diff": self.diff,
            "causes": list(self.causes),
            "started": self.started,
            "ended": self.ended,
        }


@dataclass
class HostResult:
    """Every task result of one host, in order."""

    host: str
    results: list[TaskResult] = field(default_factory=list)

    @property
    def status(self) -> Status:
        """The worst status of the host: unreachable > failed > changed > ok > skipped."""
        order = [Status.UNREACHABLE, Status.FAILED, Status.CHANGED, Status.OK, Status.SKIPPED]
        seen = {r.status for r in self.results}
        for status in order:
            if status in seen:
                return status
        return Status.OK

    @property
    def failed(self) -> bool:
        return any(r.failed for r in self.results)


@dataclass
class RunResult:
    """A whole run: every host's results plus identifiers for the store."""

    run_id: str
    playbook: str
    hosts: dict[str, HostResult] = field(default_factory=dict)
    started: float = 0.0
    ended: float = 0.0
    check: bool = False
    interrupted: bool = False  # SIGINT/SIGTERM stopped the run before every host was done

    @property
    def failed_hosts(self) -> list[str]:
        return [name for name, hr in self.hosts.items() if hr.failed]

    def counts(self) -> dict[str, int]:
        """How many task results of each status (for recaps and the store)."""
        out = {s.value: 0 for s in Status}
        for hr in self.hosts.values():
            for r in hr.results:
                out[r.status.value] += 1
        return out
