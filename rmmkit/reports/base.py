"""What a report is: a query that returns a :class:`Table` of typed :class:`Column` s.

Why typed columns: the same rows are rendered as an aligned terminal table,
CSV and JSON (and later HTML, Excel and portal pages); a column's ``kind``
says how a value is shown (a timestamp as local time, bytes in MiB, a list
joined) so no front end guesses.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

KINDS = ("text", "number", "percent", "time", "bytes", "list", "bool", "json", "status")


@dataclass(frozen=True, slots=True)
class Column:
    """One column: the row key it reads, its title, how values are shown."""

    key: str
    title: str
    kind: str = "text"  # one of KINDS; "status": a cell {"state": "green", "why": "…", …}
    table: bool = True  # shown in the terminal table (CSV and JSON carry every column)
    max_width: int | None = None  # terminal table only: longer text is cut
    unit: str = ""  # shown in the title of file formats ("Load Output (%)")
    sort: bool = False  # rows come sorted by this column (the query sorts; front ends say so)

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"column {self.key!r}: unknown kind {self.kind!r}")


@dataclass
class Table:
    """What a report's query returns: its rows and everything a front end shows with them.

    ``rows`` may be any iterable (a generator streams a big scan once);
    ``notes`` are warnings for the reader (stderr on the command line).
    """

    report: str
    columns: tuple[Column, ...]
    rows: Iterable[dict[str, Any]]
    notes: tuple[str, ...] = ()
    empty: str = "nothing to report"
    filters: dict[str, Any] = field(default_factory=dict)


def local_time(epoch: float | None) -> str:
    """Seconds since the epoch as local ``YYYY-MM-DD HH:MM:SS`` ("" for none)."""
    if epoch is None:
        return ""
    return dt.datetime.fromtimestamp(epoch).strftime("%Y-%m-%d %H:%M:%S")


def cell_text(column: Column, value: Any, *, list_separator: str = ", ") -> str:
    """A value as text for tables and CSV, by the column's kind."""
    if value is None or value == "":
        return ""
    kind = column.kind
    if kind == "time" and isinstance(value, int | float):
        return local_time(value)
    if kind == "bytes" and isinstance(value, int):
        return f"{value / 2**20:,.1f} MiB"
    if kind == "bool" or isinstance(value, bool):
        return "yes" if value else "no"
    if kind == "list" and isinstance(value, list | tuple):
        return list_separator.join(str(v) for v in value)
    if kind == "status" and isinstance(value, dict):  # {"state": "green", "why": "…"}
        return str(value.get("state") or "")
    if kind == "percent" and isinstance(value, int | float):
        return f"{value:.1f}"
    if kind == "json" and not isinstance(value, str):
        return json.dumps(value, sort_keys=True, default=str)
    return str(value)
