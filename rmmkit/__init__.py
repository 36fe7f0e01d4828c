"""rmmkit: remote monitoring and management as code.

Public API (stable names re-exported here; see ``docs/``).
"""

from __future__ import annotations

__version__ = "0.1.0"

from rmmkit.errors import RmmkitError  # noqa: E402
from rmmkit.results import HostResult, Outcome, RunResult, Status, TaskResult  # noqa: E402

__all__ = [
    "HostResult",
    "Outcome",
    "RmmkitError",
    "RunResult",
    "Status",
    "TaskResult",
    "__version__",
]
