"""Scan events as they happen: a progress bar on a terminal, or JSONL on stdout.

Why separate from the command: a scan of a /16 takes seconds; the person at
the terminal sees progress, a program reading ``--format jsonl`` sees one
event per line (``docs/jsonl.md``).  The final rows are the scan-details
report's (:mod:`rmmkit.reports.scan_details`).
"""

from __future__ import annotations

import json
import sys
from typing import IO, Any


class ScanEvents:
    """Scan events → JSONL on ``stream`` and/or a rich progress bar on a terminal's stderr."""

    def __init__(self, stream: IO[str] | None, *, progress: bool = True) -> None:
        self.stream = stream
        self._bar: Any = None
        self._tasks: dict[str, Any] = {}
        if progress and sys.stderr.isatty():
            from rich.console import Console
            from rich.progress import Progress

            self._bar = Progress(transient=True, console=Console(stderr=True))
            self._bar.start()

    def emit(self, event: dict[str, Any]) -> None:
        if self.stream is not None:
            self.stream.write(json.dumps(event, default=str) + "\n")
        if self._bar is not None and event.get("event") == "progress":
            phase = event["phase"]
            if phase not in self._tasks:
                self._tasks[phase] = self._bar.add_task(phase, total=event["total"])
            self._bar.update(self._tasks[phase], completed=event["done"])

    def host(self, row: dict[str, Any]) -> None:
        if self.stream is not None:
            self.stream.write(json.dumps({"event": "host", **row}, default=str) + "\n")

    def close(self) -> None:
        if self._bar is not None:
            self._bar.stop()
            self._bar = None
