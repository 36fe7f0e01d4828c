"""Render a report's :class:`~rmmkit.reports.base.Table` as table, CSV, JSON or JSONL.

Why streaming and linear time: a /16 scan is 65,536 rows; JSON and CSV are
written row by row, and the terminal table is aligned without tabulate's
quadratic cost.  JSON carries each row whole (every key a query returned),
CSV and the table carry the report's columns by title.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Callable
from operator import itemgetter
from typing import IO, Any

from rmmkit.reports.base import Column, Table, cell_text

FORMATS = ("table", "csv", "json", "jsonl")


def render(table: Table, fmt: str, out: IO[str]) -> None:
    """Write ``table`` to ``out`` in ``fmt`` (one of :data:`FORMATS`)."""
    if fmt == "json":
        write_json(table, out)
    elif fmt == "jsonl":
        for row in table.rows:
            out.write(json.dumps(row, default=str) + "\n")
    elif fmt == "csv":
        write_csv(table, out)
    elif fmt == "table":
        write_table(table, out)
    else:
        raise ValueError(f"unknown report format {fmt!r}")


def write_json(table: Table, out: IO[str]) -> None:
    out.write("[")
    for position, row in enumerate(table.rows):  # streamed: a /16 is not held twice in memory
        out.write(("," if position else "") + "\n" + json.dumps(row, default=str))
    out.write("\n]\n")


def write_csv(table: Table, out: IO[str]) -> None:
    """Titles, then one line per row; csv writes text and numbers as they are (None: empty)."""
    columns = table.columns
    writer = csv.writer(out)
    writer.writerow([c.title for c in columns])
    keys = [c.key for c in columns]
    getter = itemgetter(*keys) if len(keys) > 1 else (lambda row: (row[keys[0]],))
    special = [(i, c) for i, c in enumerate(columns) if c.kind not in ("text", "number")]
    # Big scans share one value object across rows (a sources dict): encode it once.
    last: dict[int, tuple[Any, str]] = {}
    for row in table.rows:
        try:
            cells = list(getter(row))
        except KeyError:  # a row without some column (older store rows)
            cells = [row.get(key) for key in keys]
        for i, column in special:
            value = cells[i]
            if value is None:
                continue
            if column.kind == "json":
                seen = last.get(i)
                if seen is None or seen[0] is not value:
                    seen = last[i] = (value, cell_text(column, value))
                cells[i] = seen[1]
            else:
                cells[i] = cell_text(column, value, list_separator="; ")
        writer.writerow(cells)


def write_table(table: Table, out: IO[str]) -> None:
    """A plain aligned table (tabulate's "simple" look), or the report's empty message."""
    columns = [c for c in table.columns if c.table]
    shown = [(c.key, _table_cell(c)) for c in columns]
    lines = [[show(row.get(key)) for key, show in shown] for row in table.rows]
    if not lines:
        out.write(table.empty + "\n")
        return
    aligned(out, [c.title for c in columns], lines)


def _table_cell(column: Column) -> Callable[[Any], str]:
    """How one column's values read in the terminal table (one line, cut to ``max_width``)."""
    if column.kind in ("text", "number") and not column.max_width:
        return lambda value: "" if value is None else str(value).replace("\n", " ")

    def show(value: Any) -> str:
        text = cell_text(column, value).replace("\n", " ")
        if column.max_width and len(text) > column.max_width:
            return text[: column.max_width - 1] + "…"
        return text

    return show


def aligned(out: IO[str], headers: list[str], lines: list[list[str]]) -> None:
    """Headers, a rule, then every line, each column padded to its widest cell."""
    widths = [len(h) for h in headers]
    for line in lines:
        widths = [max(w, len(cell)) for w, cell in zip(widths, line, strict=True)]
    keep = range(len(headers))

    def fmt(cells: list[str]) -> str:
        return "  ".join(cells[i].ljust(widths[i]) for i in keep).rstrip()

    out.write(fmt(headers) + "\n" + "  ".join("-" * widths[i] for i in keep) + "\n")
    for line in lines:
        out.write(fmt(line) + "\n")
