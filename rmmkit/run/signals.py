"""Stop a run cleanly on SIGINT / SIGTERM.

Why a context manager: only the command line owns the process's signals (an
embedding program or a test must keep its own), and the previous handlers
must come back when the run ends.  The first signal asks the run to stop
(running tasks finish, the run is marked interrupted); a second SIGINT
interrupts at once.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any


@contextmanager
def stop_on_signals(stop: Callable[[], None], *, enabled: bool = True) -> Iterator[None]:
    if not enabled or threading.current_thread() is not threading.main_thread():
        yield
        return
    previous: dict[signal.Signals, Any] = {}

    def handler(signum: int, _frame: Any) -> None:
        stop()
        # A second Ctrl-C means "now": give SIGINT its default behaviour back.
        signal.signal(signal.SIGINT, signal.default_int_handler)

    for signum in (signal.SIGINT, signal.SIGTERM):
        previous[signum] = signal.signal(signum, handler)
    try:
        yield
    finally:
        for signum, old in previous.items():
            signal.signal(signum, old)
