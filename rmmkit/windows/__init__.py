"""Windows hosts via impacket: SMB, MS-SCMR (svcctl), MS-RRP (winreg), DCOM/WMI.

Why a package of small modules: each protocol is its own concern (``smb``,
``scmr``, ``rrp``, ``wmi``); ``preflight`` climbs them as a ladder, ``deploy``
is the Windows backend of the shared agent lifecycle (:mod:`rmmkit.agents`),
``facts`` collects inventory facts and ``errors`` turns every failure into
the seed's description and possible causes.  ``plugin`` registers it all.
"""
