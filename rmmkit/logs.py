"""Logging set-up for the command line.

Why a filter on the root handler: even at -vvv a secret must not reach a log
line; :class:`rmmkit.secrets.Secret` masks itself, and the filter also masks
any value registered with :func:`rmmkit.logs.register_sensitive` by a source
that had to handle a raw string.
"""

from __future__ import annotations

import logging
import sys
import threading

_sensitive: set[str] = set()
_lock = threading.Lock()


def register_sensitive(value: str) -> None:
    """Mask ``value`` in every log record from now on (for raw strings read from sources)."""
    if value and len(value) >= 4:
        with _lock:
            _sensitive.add(value)


def clear_sensitive() -> None:
    """Forget every registered value (a session ends; tests isolate themselves with it)."""
    with _lock:
        _sensitive.clear()


def mask_sensitive(text: str) -> str:
    """``text`` with every registered sensitive value replaced by ``***`` (for result messages)."""
    if not _sensitive:
        return text
    for value in list(_sensitive):
        if value in text:
            text = text.replace(value, "***")
    return text


class MaskingFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if not _sensitive:
            return True
        text = record.getMessage()
        masked = text
        for value in list(_sensitive):
            if value in masked:
                masked = masked.replace(value, "***")
        if masked != text:
            record.msg, record.args = masked, ()
        return True


def setup_logging(verbose: int) -> None:
    level = {0: logging.WARNING, 1: logging.INFO}.get(verbose, logging.DEBUG)
    root = logging.getLogger()
    for handler in list(root.handlers):
        if getattr(handler, "_rmmkit", False):
            root.removeHandler(handler)
    handler = logging.StreamHandler(sys.stderr)
    handler._rmmkit = True  # type: ignore[attr-defined]
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    handler.addFilter(MaskingFilter())
    root.addHandler(handler)
    root.setLevel(level)
    if verbose < 3:  # library chatter only at -vvv
        for noisy in ("paramiko", "impacket", "pysnmp", "asyncio", "alembic"):
            logging.getLogger(noisy).setLevel(logging.WARNING)
