"""Host kinds by name: what runs inside each lab host (one module per kind)."""

from __future__ import annotations

import importlib

from rmmkit.lab.kinds.base import Daemon, HostContext, Kind

_KINDS: dict[str, str] = {
    "linux-ssh": "rmmkit.lab.kinds.linux_ssh:LinuxSsh",
    "windows-smb": "rmmkit.lab.kinds.windows_smb:WindowsSmb",
    "snmp": "rmmkit.lab.kinds.snmp:Snmp",
    "ping-only": "rmmkit.lab.kinds.ping_only:PingOnly",
    "dead": "rmmkit.lab.kinds.ping_only:Dead",
    "filtered": "rmmkit.lab.kinds.filtered:Filtered",
    "anyip": "rmmkit.lab.kinds.anyip:AnyIp",
    "dns": "rmmkit.lab.kinds.dns:Dns",
}


def kind_names() -> list[str]:
    return list(_KINDS)


def get_kind(name: str) -> Kind:
    """Instantiate the kind; modules load lazily so one broken kind cannot block the others."""
    module, _, cls = _KINDS[name].partition(":")
    return getattr(importlib.import_module(module), cls)()  # type: ignore[no-any-return]


__all__ = ["Daemon", "HostContext", "Kind", "get_kind", "kind_names"]
