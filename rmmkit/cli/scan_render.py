"""Rendering scans: a progress bar on a terminal, JSONL events, table/json/csv rows.

Why separate from the commands: ``rmmkit scan`` and ``rmmkit report
scan-details`` print the same columns in the same formats.
"""

from __future__ import annotations

import csv
import json
import sys
from collections.abc import Iterable
from operator import itemgetter
from typing import IO, Any

COLUMNS = (("ip", "IP address"), ("hostname", "Host name"), ("mac", "MAC address"),
           ("os", "Operating system"), ("agent_status", "Agent status"),
           ("resource_type", "Resource type"), ("machine_status", "Machine status"),
           ("description", "Description"), ("mac_vendor", "MAC vendor"), ("found_by", "Found by"))


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


def render_rows(rows: Iterable[dict[str, Any]], fmt: str, out: IO[str], *,
                show_all: bool = True, events: ScanEvents | None = None,
                extra_columns: tuple[tuple[str, str], ...] = ()) -> None:
    """Print ``rows`` as table (online only unless ``show_all``), json, jsonl or csv."""
    columns = COLUMNS + extra_columns
    if fmt == "jsonl":
        for row in rows:
            if events is not None:
                events.host(row)
            else:
                out.write(json.dumps(row, default=str) + "\n")
    elif fmt == "json":
        out.write("[")
        for position, row in enumerate(rows):  # streamed: a /16 is not held twice in memory
            out.write(("," if position else "") + "\n" + json.dumps(row, default=str))
        out.write("\n]\n")
    elif fmt == "csv":
        writer = csv.writer(out)  # writes None as an empty field
        writer.writerow([title for _key, title in columns] + ["sources"])
        keys = [key for key, _t in columns]
        getter = itemgetter(*keys)

        def fields(row: dict[str, Any]) -> tuple[Any, ...]:
            try:
                return getter(row)  # type: ignore[no-any-return]
            except KeyError:  # a row without some column (older store rows)
                return tuple(row.get(key) for key in keys)

        # Most rows share one sources dict (the same object on a big sweep): encode it once.
        last_sources: Any = None
        last_text = ""
        encoded: dict[tuple[tuple[str, str], ...], str] = {}
        for row in rows:
            sources = row.get("sources") or {}
            if sources is not last_sources:
                key = tuple(sources.items())
                last_text = encoded.get(key) or encoded.setdefault(
                    key, json.dumps(sources, sort_keys=True))
                last_sources = sources
            writer.writerow((*fields(row), last_text))
    else:
        table = [[str(row.get(key) or "") for key, _t in columns] for row in rows
                 if show_all or row.get("machine_status") == "online"]
        write_table(out, [title for _k, title in columns], table)


def write_table(out: IO[str], headers: list[str], table: list[list[str]]) -> None:
    """A plain aligned table (tabulate's "simple" look) in linear time, for 65,536 rows too."""
    widths = [len(h) for h in headers]
    for line in table:
        widths = [max(w, len(cell)) for w, cell in zip(widths, line, strict=True)]
    keep = range(len(headers))

    def fmt(cells: list[str]) -> str:
        return "  ".join(cells[i].ljust(widths[i]) for i in keep).rstrip()

    out.write(fmt(headers) + "\n" + "  ".join("-" * widths[i] for i in keep) + "\n")
    for line in table:
        out.write(fmt(line) + "\n")
