"""Which transport an agent task takes to a host, and why: one rule for runs and ``inventory show``.

Why one pure function: the seed's scanning tool scans once, then reaches every
Windows, Mac and Linux machine over its own protocol and lists SNMP devices
for monitoring only.  The transport choice (``rmmkit_select_transport``), the
agent actions (which skip before any connection) and ``rmmkit inventory show``
all call :func:`agent_route`, so they cannot disagree.

The rule, first match wins (also in docs/agents.md):

1. host var ``rmmkit_transport`` (a name, or ``{action: name}``): that transport;
2. a discovered host (``host.observed``, what its scan row saw):

   a. resource type switch, router, firewall, ups, printer, snmp or icmp:
      skipped, agents are not installed on network devices;
   b. the transports the scan saw: ``ssh`` (an SSH banner, or TCP 22 open) and
      ``smb`` (an SMB answer, or TCP 445 open).  Host/site var
      ``agent_transports`` lists the allowed ones in order of preference;
      without it the order is ``[smb, ssh]`` when the scan saw Windows (an OS
      naming Windows, or TCP 135 on a host that is not Samba), else
      ``[ssh, smb]``.  The first one seen wins;
   c. nothing seen to reach it over: skipped, saying what the scan did see;

3. a declared host without scan evidence: the first of ``agent_transports``;
   else ``smb`` when its ``platform``/``os``/``os_family`` var starts with
   ``windows``; else the agent actions' default, ``ssh``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from rmmkit.declared.models import Observed, ResolvedHost

AGENT_ACTIONS = ("agent_status", "deploy_agent", "uninstall_agent")
ROUTED_ACTIONS = (*AGENT_ACTIONS, "connect")  # connect: "can the agent tasks reach it?"
NETWORK_DEVICES = ("switch", "router", "firewall", "ups", "printer", "snmp", "icmp")
SMB_NAMES = ("smb", "scmr", "winreg", "wmi")  # one SMB connection under four names
KNOWN_TRANSPORTS = ("ssh", *SMB_NAMES)
DEFAULT_TRANSPORT = "ssh"
OS_VARS = ("platform", "os", "os_family")
_WINDOWS = re.compile(r"\bwindows\b", re.I)


@dataclass(frozen=True)
class Route:
    """The transport an agent task would use on a host (``None``: none), and why."""

    transport: str | None
    reason: str
    default: bool = False  # no rule matched: the action's own transport applies
    invalid: bool = False  # a var is malformed; ``reason`` says which and what is expected

    @property
    def skipped(self) -> bool:
        return self.transport is None and not self.invalid

    def to_dict(self) -> dict[str, Any]:
        return {"transport": self.transport, "reason": self.reason}


def agent_route(host: ResolvedHost, action: str = "deploy_agent") -> Route:
    """The route of ``action`` (an agent action, or ``connect``) on ``host``."""
    forced = host.vars.get("rmmkit_transport")
    if isinstance(forced, Mapping):
        forced = forced.get(action)
    if forced:
        return Route(
            str(forced), f"host var rmmkit_transport={forced}{_origin(host, 'rmmkit_transport')}"
        )
    order, problem = _preferences(host)
    if problem:
        return Route(None, problem, invalid=True)
    if host.observed is None:
        return _declared(host, order)
    return _observed(host, host.observed, order)


def _origin(host: ResolvedHost, var: str) -> str:
    where = host.origins.get(f"vars.{var}")
    return f" (from {where})" if where else ""


def _preferences(host: ResolvedHost) -> tuple[tuple[str, ...] | None, str]:
    """``agent_transports`` as a tuple (``None`` when unset), or the error text."""
    value = host.vars.get("agent_transports")
    if value is None:
        return None, ""
    items = [value] if isinstance(value, str) else value
    if (
        isinstance(items, list | tuple)
        and items
        and all(isinstance(i, str) and i in KNOWN_TRANSPORTS for i in items)
    ):
        return tuple(items), ""
    return None, (
        f"host var agent_transports={value!r}{_origin(host, 'agent_transports')} is invalid "
        f"(expected a list of: {', '.join(KNOWN_TRANSPORTS)}, e.g. [smb, ssh])"
    )


def _windows_var(host: ResolvedHost) -> str:
    for key in OS_VARS:
        value = str(host.vars.get(key, ""))
        if value.lower().startswith("windows"):
            return f"host var {key}={value}{_origin(host, key)}"
    return ""


def _declared(host: ResolvedHost, order: tuple[str, ...] | None) -> Route:
    if order:
        return Route(
            order[0],
            f"host var agent_transports={list(order)}{_origin(host, 'agent_transports')}: "
            "its first entry (no scan evidence for this host)",
        )
    windows = _windows_var(host)
    if windows:
        return Route("smb", f"{windows}: Windows hosts take agents over smb")
    return Route(
        DEFAULT_TRANSPORT,
        "no scan evidence and no host var: the agent actions' default (ssh)",
        default=True,
    )


def windows_evidence(host: ResolvedHost, observed: Observed) -> str:
    """Why the host looks like Windows ("" when it does not): the scan's OS, TCP 135, or a var."""
    samba = observed.os.lower().startswith("samba") or observed.smb_build == 0
    if _WINDOWS.search(observed.os) and not samba:
        return f"the scan saw Windows (os {_short(observed.os)!r})"
    if 135 in observed.open_ports and not samba:
        return "the scan saw TCP 135 (RPC endpoint mapper) open"
    return _windows_var(host)


def _seen(observed: Observed) -> dict[str, str]:
    """The transports the scan saw a way in for, each with the evidence."""
    seen: dict[str, str] = {}
    if observed.ssh_banner:
        seen["ssh"] = f"SSH banner {observed.ssh_banner!r}"
    elif 22 in observed.open_ports:
        seen["ssh"] = "TCP 22 open"
    if observed.smb:
        seen["smb"] = "an SMB answer" + (f" ({_short(observed.os)})" if observed.os else "")
    elif 445 in observed.open_ports:
        seen["smb"] = "TCP 445 open"
    return seen


def _short(text: str, limit: int = 60) -> str:
    """Long OS strings (an SNMP sysDescr) keep both ends: "Hardware: x86 … Software: Windows"."""
    text = " ".join(text.split())
    half = limit // 2
    return text if len(text) <= limit else f"{text[: half - 1].rstrip()} … {text[-half:].lstrip()}"


def _family(name: str) -> str:
    return "smb" if name in SMB_NAMES else name


def _observed(host: ResolvedHost, observed: Observed, order: tuple[str, ...] | None) -> Route:
    kind = observed.resource_type
    if kind in NETWORK_DEVICES:
        what = f"{kind}: answers ICMP only" if kind == "icmp" else kind
        return Route(None, f"network device ({what}): agents are not installed on network devices")
    seen = _seen(observed)
    windows = windows_evidence(host, observed)
    if order is not None:
        source = f"host var agent_transports{_origin(host, 'agent_transports')}"
    elif windows:
        order, source = ("smb", "ssh"), f"Windows first: {windows}"
    else:
        order, source = ("ssh", "smb"), "default order for a host not seen as Windows"
    for name in order:
        if _family(name) in seen:
            reason = f"the scan saw {seen[_family(name)]}"
            others = [seen[f] for f in seen if f != _family(name)]
            if others:
                reason += f"; also {', '.join(others)}: order {list(order)} ({source})"
            return Route(name, reason)
    if seen:
        return Route(
            None,
            f"agent_transports={list(order)}{_origin(host, 'agent_transports')} allows none of "
            f"what the scan saw ({'; '.join(seen.values())})",
        )
    return Route(None, "nothing to reach it over: " + _nothing(observed, windows))


def _nothing(observed: Observed, windows: str) -> str:
    ports = ", ".join(map(str, observed.open_ports)) or "none"
    text = f"the scan saw no SSH banner and no SMB (open TCP ports: {ports}"
    if observed.snmp:
        text += "; answers SNMP"
    text += ")"
    if windows:
        text += f"; {windows}: SMB (TCP 445) is closed or filtered"
    return text
