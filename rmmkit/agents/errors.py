"""Failures of the agent lifecycle itself (not of the connection).

Why a :class:`~rmmkit.errors.TransportError` subclass: they happen on one
host and must become that host's FAILED result; ``code`` (``disk_full``,
``checksum_mismatch``, ``install_failed``, ``no_installer``,
``copy_failed``, ``verify_failed``, ``busy``) selects the likely causes.
"""

from __future__ import annotations

from rmmkit.errors import TransportError


class AgentError(TransportError):
    """An install, update, uninstall or detection step failed on the host."""
