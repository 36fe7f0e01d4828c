"""Versioned event records, one JSON object per line (see ``docs/jsonl.md``).

Why streaming: CI runners and SIEMs tail the file while the run goes on; a
record is written (and flushed) the moment its task finishes.  Every record
carries ``"v"`` so consumers can refuse a format they do not know.
"""

from __future__ import annotations

import json
import threading
import time
from typing import Any

from rmmkit.outputs.base import FILE_OPTION, Output
from rmmkit.results import RunResult, TaskResult

FORMAT_VERSION = 1


def run_status(result: RunResult) -> str:
    """``interrupted``, ``failed`` (a host failed or was unreachable) or ``ok``."""
    if result.interrupted:
        return "interrupted"
    return "failed" if result.failed_hosts else "ok"


class JsonlOutput(Output):
    name = "jsonl"
    description = "one versioned JSON event per line, streamed as results arrive"
    options_schema = {
        "type": "object",
        "properties": {"file": FILE_OPTION},
        "additionalProperties": False,
    }

    def __init__(self, stream: Any, options: dict[str, Any] | None = None) -> None:
        super().__init__(stream, options)
        self._lock = threading.Lock()
        self._run_id = ""

    def _emit(self, record: dict[str, Any]) -> None:
        line = json.dumps(record, default=str, separators=(",", ":")) + "\n"
        with self._lock:
            self.stream.write(line)
            self.stream.flush()

    def start(self, run_id: str, playbook: str, hosts: list[str], check: bool) -> None:
        self._run_id = run_id
        self._emit(
            {
                "v": FORMAT_VERSION,
                "event": "run_start",
                "ts": time.time(),
                "run_id": run_id,
                "playbook": playbook,
                "hosts": hosts,
                "check": check,
            }
        )

    def task_result(self, result: TaskResult) -> None:
        record = {
            "v": FORMAT_VERSION,
            "event": "task_result",
            "ts": result.ended or time.time(),
            "run_id": self._run_id,
        }
        record.update(result.to_dict())
        self._emit(record)

    def finish(self, result: RunResult) -> None:
        self._emit(
            {
                "v": FORMAT_VERSION,
                "event": "run_finish",
                "ts": time.time(),
                "run_id": result.run_id,
                "playbook": result.playbook,
                "status": run_status(result),
                "counts": result.counts(),
                "failed_hosts": result.failed_hosts,
                "duration": max(0.0, result.ended - result.started),
            }
        )
