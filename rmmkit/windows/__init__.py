"""Windows hosts via impacket: SMB, MS-SCMR (svcctl), MS-RRP (winreg), DCOM/WMI.

Why a package of small modules: each protocol is its own concern (``smb``,
``scmr``, ``rrp``, ``wmi``); ``preflight`` climbs them as a ladder, ``deploy``
is the Windows backend of the shared agent lifecycle (:mod:`rmmkit.agents`),
``facts`` collects inventory facts and ``errors`` turns every failure into
the seed's description and possible causes.  ``plugin`` registers it all.
"""

from __future__ import annotations

from rmmkit.windows.errors import Failure, classify, error_table, windows_error
from rmmkit.windows.preflight import preflight
from rmmkit.windows.smb import SmbSession
from rmmkit.windows.verdict import Preflight

__all__ = [
    "Failure",
    "Preflight",
    "SmbSession",
    "classify",
    "error_table",
    "preflight",
    "windows_error",
]
