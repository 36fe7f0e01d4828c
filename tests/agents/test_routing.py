"""The agent route (pure): which transport an agent task takes to a host, and why.

The rows are what ``rmmkit scan`` stored for the lab's hosts (tests/agents/topology.yml),
trimmed to the keys routing reads; the lab test proves the same rows end-to-end.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from rmmkit.agents.routing import agent_route
from rmmkit.declared.loader import load_inventory
from rmmkit.declared.models import Inventory, ResolvedHost
from rmmkit.declared.resolve import resolve_discovered, resolve_host
from rmmkit.plugin.manager import load_plugins

SSH_BANNER = "SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u10"
SAMBA_OS = "Samba (SMB server, NTLM version 6.1.0)"
ROWS: dict[str, dict[str, Any]] = {
    "linux": {
        "os": "Linux (Debian)",
        "resource_type": "server",
        "extra": {"ttl": 64, "open_ports": [22], "ssh_banner": SSH_BANNER},
    },
    "samba": {
        "os": SAMBA_OS,
        "resource_type": "server",
        "extra": {"ttl": 128, "open_ports": [139, 445], "smb": {"os_build": 0}},
    },
    "windows": {
        "os": "Windows Server 2019 Standard 17763",
        "resource_type": "server",
        "extra": {"ttl": 128, "open_ports": [135, 445], "smb": {"os_build": 17763}},
    },
    "windows+ssh": {
        "os": "Windows 10 Pro 19045",
        "resource_type": "desktop",
        "extra": {
            "open_ports": [22, 445],
            "ssh_banner": "SSH-2.0-OpenSSH_for_Windows_8.1",
            "smb": {"os_build": 19045},
        },
    },
    "samba+ssh": {  # a Linux file server: Samba and sshd
        "os": SAMBA_OS,
        "resource_type": "server",
        "extra": {"open_ports": [22, 139, 445], "ssh_banner": SSH_BANNER, "smb": {"os_build": 0}},
    },
    "ups": {
        "os": "APC Web/SNMP Management Card",
        "resource_type": "ups",
        "extra": {"snmp": {"sys_descr": "APC"}},
    },
    "switch+ssh": {  # a managed switch that also runs sshd: still a network device
        "os": "Cisco IOS Software, C3560",
        "resource_type": "switch",
        "extra": {"open_ports": [22], "ssh_banner": "SSH-2.0-Cisco-1.25", "snmp": {"x": "y"}},
    },
    "ping-only": {
        "os": "Linux/Unix (guessed from TTL)",
        "resource_type": "icmp",
        "extra": {"ttl": 64, "open_ports": []},
    },
    "filtered": {
        "os": "",
        "resource_type": "unknown",
        "extra": {"ttl": None, "open_ports": [8080]},
    },
    "windows-snmp": {  # a Windows SNMP agent, no file sharing
        "os": "Hardware: x86 Family 6 Model 63 Stepping 2 AT/AT COMPATIBLE - Software: Windows",
        "resource_type": "server",
        "extra": {"ttl": 128, "open_ports": [], "snmp": {"sys_descr": "Hardware: …"}},
    },
}


def inventory(tmp_path: Path, site_vars: str = "{}", hosts: str = "[]") -> Inventory:
    path = tmp_path / "inventory.yml"
    path.write_text(f"""\
sites:
  - {{name: s, ranges: [10.5.0.0/24], vars: {site_vars}}}
hosts: {hosts}
""")
    return load_inventory(path, load_plugins(entry_points=False))


def seen(inv: Inventory, kind: str, address: str = "10.5.0.9") -> ResolvedHost:
    return resolve_discovered(inv, "s", {"ip": address, "scan_id": "sc1", **ROWS[kind]})


@pytest.fixture
def inv(tmp_path: Path) -> Inventory:
    return inventory(tmp_path)


@pytest.mark.parametrize(
    ("kind", "transport", "because"),
    [
        ("linux", "ssh", f"the scan saw SSH banner '{SSH_BANNER}'"),
        ("samba", "smb", f"the scan saw an SMB answer ({SAMBA_OS})"),
        ("windows", "smb", "the scan saw an SMB answer (Windows Server 2019 Standard 17763)"),
        ("windows+ssh", "smb", "(Windows first: the scan saw Windows (os 'Windows 10 Pro 19045'))"),
        ("samba+ssh", "ssh", "order ['ssh', 'smb'] (default order for a host not seen as Windows)"),
    ],
)
def test_hosts_take_the_protocol_the_scan_saw(
    inv: Inventory, kind: str, transport: str, because: str
) -> None:
    route = agent_route(seen(inv, kind))
    assert route.transport == transport and because in route.reason
    assert not route.default and not route.skipped


@pytest.mark.parametrize(
    ("kind", "reason"),
    [
        ("ups", "network device (ups): agents are not installed on network devices"),
        ("switch+ssh", "network device (switch): agents are not installed on network devices"),
        ("ping-only", "network device (icmp: answers ICMP only): agents are not installed"),
        (
            "filtered",
            "nothing to reach it over: the scan saw no SSH banner and no SMB "
            "(open TCP ports: 8080)",
        ),
        (
            "windows-snmp",
            "(open TCP ports: none; answers SNMP); the scan saw Windows (os 'Hardware: x86 "
            "Family 6 Model … COMPATIBLE - Software: Windows'): "
            "SMB (TCP 445) is closed or filtered",
        ),
    ],
)
def test_devices_without_a_way_in_are_skipped_with_the_reason(
    inv: Inventory, kind: str, reason: str
) -> None:
    route = agent_route(seen(inv, kind))
    assert route.transport is None and route.skipped
    assert reason in route.reason


def test_agent_transports_orders_and_filters(tmp_path: Path) -> None:
    inv = inventory(tmp_path, "{agent_transports: [ssh, smb]}")
    route = agent_route(seen(inv, "windows+ssh"))
    assert route.transport == "ssh"
    assert "order ['ssh', 'smb'] (host var agent_transports (from site:s (" in route.reason
    assert agent_route(seen(inv, "linux")).transport == "ssh"
    only_ssh = inventory(tmp_path, "{agent_transports: [ssh]}")
    refused = agent_route(seen(only_ssh, "samba"))
    assert refused.skipped
    assert refused.reason.startswith("agent_transports=['ssh'] (from site:s (")
    assert f"allows none of what the scan saw (an SMB answer ({SAMBA_OS}))" in refused.reason
    wmi = inventory(tmp_path, "{agent_transports: wmi}")  # a name alone; wmi is SMB's alias
    assert agent_route(seen(wmi, "windows")).transport == "wmi"


@pytest.mark.parametrize("value", ["[]", "[telnet]", "{ssh: 1}", "[ssh, 3]"])
def test_a_malformed_agent_transports_is_an_error_naming_the_expected_form(
    tmp_path: Path, value: str
) -> None:
    route = agent_route(seen(inventory(tmp_path, f"{{agent_transports: {value}}}"), "linux"))
    assert route.invalid and not route.skipped and route.transport is None
    assert "host var agent_transports=" in route.reason
    assert "expected a list of: ssh, smb, scmr, winreg, wmi" in route.reason


def test_rmmkit_transport_wins_even_on_a_network_device(tmp_path: Path) -> None:
    inv = inventory(tmp_path, "{rmmkit_transport: {deploy_agent: ssh}}")
    ups = seen(inv, "ups")
    forced = agent_route(ups, "deploy_agent")
    assert forced.transport == "ssh" and forced.reason.startswith(
        "host var rmmkit_transport=ssh (from site:s ("
    )
    assert agent_route(ups, "agent_status").skipped  # the mapping names deploy_agent only


def test_declared_hosts_keep_their_vars(tmp_path: Path) -> None:
    inv = inventory(
        tmp_path,
        hosts="""
  - {name: dc1, address: 10.5.0.2, vars: {os: Windows Server 2022}}
  - {name: web1, address: 10.5.0.3}
  - {name: app1, address: 10.5.0.4, vars: {agent_transports: [smb, ssh]}}
  - {name: box, address: 10.5.0.5, vars: {platform: windows, rmmkit_transport: mock}}""",
    )
    dc1 = agent_route(resolve_host(inv, "dc1"))
    assert dc1.transport == "smb" and dc1.reason.startswith("host var os=Windows Server 2022")
    web1 = agent_route(resolve_host(inv, "web1"))
    assert web1.transport == "ssh" and web1.default
    assert "no scan evidence and no host var" in web1.reason
    app1 = agent_route(resolve_host(inv, "app1"))
    assert app1.transport == "smb" and "its first entry" in app1.reason
    assert agent_route(resolve_host(inv, "box")).transport == "mock"


def test_a_windows_var_on_a_discovered_host_orders_smb_first(tmp_path: Path) -> None:
    inv = inventory(tmp_path, "{os: windows}")  # the site says its machines are Windows
    route = agent_route(seen(inv, "samba+ssh"))
    assert route.transport == "smb" and "Windows first: host var os=windows" in route.reason


def test_the_transport_hook_answers_with_the_route(tmp_path: Path) -> None:
    plugins = load_plugins(entry_points=False)
    hook = plugins.pm.hook.rmmkit_select_transport
    inv = inventory(
        tmp_path,
        hosts="""
  - {name: dc1, address: 10.5.0.2, vars: {os: windows}}
  - {name: web1, address: 10.5.0.3}
  - {name: m1, address: 10.5.0.4, vars: {rmmkit_transport: mock}}""",
    )
    win = seen(inv, "windows")
    assert hook(host=win, action="deploy_agent") == "smb"
    assert hook(host=win, action="connect") == "smb"
    assert hook(host=win, action="snmp_poll") is None  # not an agent action: not routed here
    assert hook(host=seen(inv, "linux"), action="agent_status") == "ssh"
    assert hook(host=seen(inv, "ups"), action="deploy_agent") is None  # the action skips
    assert hook(host=resolve_host(inv, "dc1"), action="uninstall_agent") == "smb"
    assert hook(host=resolve_host(inv, "web1"), action="deploy_agent") is None  # action's own
    assert hook(host=resolve_host(inv, "m1"), action="deploy_agent") == "mock"


def test_the_seeds_question_counts_only_machines_an_agent_reaches() -> None:
    """ "N machine(s) selected for agent installation": network devices are not machines."""
    from rmmkit.cli.agents import agent_machines
    from rmmkit.declared.models import Observed

    def host(name: str, **seen: Any) -> ResolvedHost:
        return ResolvedHost(name, f"10.0.0.{len(name)}", observed=Observed(**seen))

    hosts = [
        host("lnx", resource_type="server", ssh_banner=SSH_BANNER, open_ports=(22,)),
        host("ups1", resource_type="ups", snmp=True),
        host("sw01", resource_type="switch", ssh_banner=SSH_BANNER, open_ports=(22,)),
        host("ping", resource_type="icmp"),
    ]
    assert agent_machines(hosts) == 1
