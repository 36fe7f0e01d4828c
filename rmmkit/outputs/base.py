"""The output contract.

Why streaming hooks plus a final render: ``jsonl`` writes one event per line
as results arrive (for runners and SIEMs), ``table`` renders once at the end.
"""

from __future__ import annotations

from typing import IO, Any, ClassVar

from rmmkit.results import RunResult, TaskResult

# Every output accepts ``file:`` (handled by the runner, which opens the file and passes
# the stream); outputs list it in their ``options_schema`` so playbooks may use it.
FILE_OPTION: dict[str, Any] = {"type": "string", "minLength": 1, "description": "output file"}


class Output:
    name: ClassVar[str] = ""
    description: ClassVar[str] = ""
    options_schema: ClassVar[dict[str, Any]] = {"type": "object"}

    def __init__(self, stream: IO[str], options: dict[str, Any] | None = None) -> None:
        self.stream = stream
        self.options = options or {}

    def start(self, run_id: str, playbook: str, hosts: list[str], check: bool) -> None:
        """Called before the first task."""

    def task_result(self, result: TaskResult) -> None:
        """Called for every task result, from worker threads (lock before writing)."""

    def finish(self, result: RunResult) -> None:
        """Called once at the end."""
