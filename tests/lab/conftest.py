"""The lab fixtures for this directory, and the per-kind start times in the summary.

The fixtures are shared with tests/conftest.py's plugin if it loads
``rmmkit.lab.fixtures`` (one lab per process either way).
"""

from __future__ import annotations

from typing import Any

from rmmkit.lab.fixtures import lab, lab_scanner, started_labs  # noqa: F401  (fixtures)


def pytest_terminal_summary(terminalreporter: Any) -> None:
    """Print every lab's start times: the issue's closing note quotes them."""
    for name, timings in started_labs().items():
        terminalreporter.write_sep("-", f"lab {name}: start times")
        terminalreporter.write_line(
            f"total {timings['total_seconds']}s, network {timings['network_seconds']}s"
        )
        for kind, t in timings["per_kind"].items():
            terminalreporter.write_line(
                f"  {kind:12s} {t['hosts']:3d} hosts  max {t['max_seconds']:6.2f}s  "
                f"mean {t['mean_seconds']:6.2f}s"
            )
