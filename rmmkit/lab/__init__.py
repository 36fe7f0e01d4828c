"""The lab: a network of real peers (sshd, snmpd/snmpsim, Samba, dnsmasq) in namespaces.

Public API::

    from rmmkit.lab import Lab
    lab = Lab.up("topology.yml", name="t1")   # or a dict, or None for the default
    lab.exec(["ping", "-c1", lab.host("web01").address])   # runs in the scanner
    lab.down()
"""

from __future__ import annotations

from rmmkit.lab.hosts import HostInfo, UserInfo
from rmmkit.lab.lab import Lab

__all__ = ["HostInfo", "Lab", "UserInfo"]
