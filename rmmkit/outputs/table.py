"""The recap table printed at the end of a run (tabulate).

Why at the end only: a table of thousands of hosts is read once the run is
over; live progress belongs to ``jsonl``.  Failures are listed under the
table with their message and likely causes, since that is what the reader
acts on.
"""

from __future__ import annotations

from typing import Any

from tabulate import tabulate

from rmmkit.outputs.base import FILE_OPTION, Output
from rmmkit.results import RunResult, Status

OK_STATUSES = (Status.OK, Status.CHANGED)
COLUMNS = ("host", "ok", "changed", "failed", "unreachable", "skipped")


def host_rows(result: RunResult) -> list[list[Any]]:
    rows = []
    for name, hr in result.hosts.items():
        counts = dict.fromkeys(Status, 0)
        for r in hr.results:
            counts[r.status] += 1
        rows.append([name] + [counts[Status(c)] for c in COLUMNS[1:]])
    return rows


class TableOutput(Output):
    """Per-host counts, then every failure with its likely causes (and diffs with ``--diff``)."""

    name = "table"
    description = "recap table: per-host status counts, then failures with likely causes"
    options_schema = {
        "type": "object",
        "properties": {
            "file": FILE_OPTION,
            "format": {"type": "string", "description": "tabulate table format"},
            "show_ok": {"type": "boolean", "description": "also list messages of ok tasks"},
        },
        "additionalProperties": False,
    }

    def finish(self, result: RunResult) -> None:
        fmt = self.options.get("format", "simple")
        write = self.stream.write
        title = f"RUN {result.run_id}  {result.playbook}" + (
            "  (check mode)" if result.check else ""
        )
        write(title + "\n")
        write(tabulate(host_rows(result), headers=COLUMNS, tablefmt=fmt) + "\n")
        problems = [r for hr in result.hosts.values() for r in hr.results if r.failed]
        if problems:
            write("\nFAILURES\n")
            for r in problems:
                write(f"{r.host}  [{r.task}]  {r.status.value}: {r.msg}\n")
                for cause in r.causes:
                    write(f"    likely cause: {cause}\n")
        diffs = [r for hr in result.hosts.values() for r in hr.results if r.diff]
        if diffs:
            write("\nDIFF\n")
            for r in diffs:
                write(f"{r.host}  [{r.task}]\n")
                for key, value in r.diff.items():  # type: ignore[union-attr]
                    write(f"    {key}: {value}\n")
        show_ok = self.options.get("show_ok", False)
        messages = [  # debug messages are meant to be read; others only with show_ok
            r
            for hr in result.hosts.values()
            for r in hr.results
            if r.msg and r.status in OK_STATUSES and (show_ok or r.action == "debug")
        ]
        if messages:
            write("\nMESSAGES\n")
            for r in messages:
                write(f"{r.host}  [{r.task}]  {r.status.value}: {r.msg}\n")
        totals = result.counts()
        write(", ".join(f"{k}={v}" for k, v in totals.items()) + f"  hosts={len(result.hosts)}\n")
        self.stream.flush()
