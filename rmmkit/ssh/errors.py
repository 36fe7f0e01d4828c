"""SSH-specific failures, as subclasses of the contract's transport errors.

Why subclasses with a ``code``: the runner only knows the contract classes
(a failure that is not an :class:`~rmmkit.errors.UnreachableError` fails
the host, it does not skip it as unreachable).  A host key problem is not
an authentication failure (no credential was even tried), so it derives
from :class:`~rmmkit.errors.TransportError` directly.  The ``code`` lets
:mod:`rmmkit.agents.causes` pick the likely causes and lets reports group
failures without parsing text.
"""

from __future__ import annotations

from rmmkit.errors import AuthenticationError, TransportError


class HostKeyError(TransportError):
    """The host's key is unknown or differs from the pinned one: nothing was sent to it.

    ``code`` is ``host_key_changed`` or ``host_key_unknown``.
    """


class SudoError(AuthenticationError):
    """Login worked but sudo refused to run the command as root (``code`` ``sudo_refused``)."""
