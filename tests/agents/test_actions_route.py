"""The agent actions through the real runner: hosts without a route skip before any connection.

The mock transport records every ``open``: a network device's or an unreachable-by-design
host's agent tasks must open nothing, while a host with a route does try to connect.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from rmmkit.declared.loader import load_inventory
from rmmkit.declared.resolve import resolve_discovered
from rmmkit.plugin.manager import load_plugins
from rmmkit.results import Status

INVENTORY = """\
agents:
  - name: rmmagent
    version: "3.2.0"
    installers: [{os: linux, arch: any, path: a.sh, sha256: "%s"}]
    commands: {install: "sh {{ installer }}", uninstall: "true"}
    detect: {file: /opt/rmmagent/bin/rmmagent}
sites:
  - {name: s, ranges: [10.5.0.0/24]}
  - {name: odd, ranges: [10.6.0.0/24], vars: {agent_transports: [telnet]}}
""" % ("0" * 64)
TASKS = {
    "tasks": [
        {"name": "status", "action": "agent_status"},
        {"name": "deploy", "action": "deploy_agent"},
        {"name": "remove", "action": "uninstall_agent"},
    ]
}


def test_hosts_without_a_route_open_nothing(
    tmp_path: Path, rmmkit_session: Any, run_playbook: Any, mock_transport: Any
) -> None:
    (tmp_path / "inv.yml").write_text(INVENTORY)
    inv = load_inventory(tmp_path / "inv.yml", load_plugins(entry_points=False))
    rmmkit_session.inventory = inv
    rows = {
        "ups1": {"resource_type": "ups", "os": "APC", "extra": {"snmp": {"sys_descr": "APC"}}},
        "box": {"resource_type": "unknown", "os": "", "extra": {"open_ports": [8080]}},
        "web": {
            "resource_type": "server",
            "extra": {"open_ports": [22], "ssh_banner": "SSH-2.0-x"},
        },
    }
    hosts = [
        resolve_discovered(inv, "s", {"ip": f"10.5.0.{i}", "hostname": name, **row})
        for i, (name, row) in enumerate(rows.items(), 1)
    ]
    hosts.append(
        resolve_discovered(inv, "odd", {"ip": "10.6.0.1", "hostname": "odd1", **rows["web"]})
    )
    mock_transport.host("web", unreachable=True)  # it has a route: the runner tries it
    result = run_playbook(TASKS, hosts=hosts)
    opened = {c.host for c in mock_transport.calls if c.op == "open"}
    by_host = {h: hr.results for h, hr in result.hosts.items()}

    assert opened == {"web"}
    for name, reason in (
        ("ups1", "network device (ups): agents are not installed on network devices"),
        ("box", "nothing to reach it over: the scan saw no SSH banner and no SMB"),
    ):
        assert [r.status for r in by_host[name]] == [Status.SKIPPED] * 3
        assert all(r.msg.startswith(reason) for r in by_host[name]), by_host[name]
        assert by_host[name][0].data["route"]["transport"] is None
    assert by_host["web"][0].status == Status.UNREACHABLE
    odd = by_host["odd1"]
    assert [r.status for r in odd] == [Status.FAILED] * 3  # a configuration error, on every task
    assert "host var agent_transports=['telnet'] (from site:odd (" in odd[0].msg
    assert "expected a list of: ssh, smb" in odd[0].msg
