"""``rmmkit inventory show ADDRESS --db``: which transport an agent task would use there, and why.

The evidence is the newest scan row of the address in the store; a static host keeps its
vars; ``rmmkit_transport`` wins.  The rows are the shape ``rmmkit scan`` stores.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from rmmkit.cli.main import load_commands
from rmmkit.store import open_store

INVENTORY = """\
sites:
  - name: s
    ranges: [10.5.0.0/24]
hosts:
  - {name: dc1, address: 10.5.0.2, vars: {os: windows}}
  - {name: forced, address: 10.5.0.3, vars: {rmmkit_transport: ssh}}
"""
UPS = {"os": "APC Web/SNMP", "resource_type": "ups", "extra": {"snmp": {"sys_descr": "APC"}}}
SAMBA = {
    "os": "Samba (SMB server, NTLM version 6.1.0)",
    "resource_type": "server",
    "extra": {"ttl": 128, "open_ports": [139, 445], "smb": {"os_build": 0}},
}
LINUX = {
    "os": "Linux (Debian)",
    "resource_type": "server",
    "extra": {"ttl": 64, "open_ports": [22], "ssh_banner": "SSH-2.0-OpenSSH_9.2p1"},
}


def scan(db: str, rows: list[dict[str, Any]]) -> str:
    store = open_store(db)
    try:
        scan_id = store.begin_scan("s", ["10.5.0.0/24"], [])
        store.add_scan_rows(scan_id, rows)
        store.finish_scan(scan_id)
    finally:
        store.close()
    return scan_id


def show(project: Path, address: str, *db: str) -> dict[str, Any]:
    result = CliRunner().invoke(
        load_commands(),
        ["inventory", "show", address, "-i", str(project / "inv.yml"), *db, "--format", "json"],
    )
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)["effective"]
    return {r["key"]: (r["value"], r["origin"]) for r in rows}


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "inv.yml").write_text(INVENTORY)
    monkeypatch.chdir(tmp_path)  # no .rmmkit/ here: without --db there is no evidence
    monkeypatch.delenv("RMMKIT_DB", raising=False)
    return tmp_path


def test_show_reads_the_newest_scan_row_of_the_address(project: Path) -> None:
    db = f"sqlite:///{project / 'r.db'}"
    scan(db, [{"ip": "10.5.0.30", **LINUX}, {"ip": "10.5.0.20", **LINUX}])
    time.sleep(0.01)  # the newer scan: the ups replaced the Linux box at .30
    newest = scan(
        db, [{"ip": "10.5.0.30", "hostname": "ups-a", **UPS}, {"ip": "10.5.0.21", **SAMBA}]
    )

    ups = show(project, "10.5.0.30", "--db", db)
    assert ups["agent_transport"] == (
        "none: skipped",
        "network device (ups): agents are not installed on network devices",
    )
    assert ups["observed.resource_type"] == ("ups", f"scan {newest} of site:s")
    assert ups["observed.snmp"][0] is True
    samba = show(project, "10.5.0.21", "--db", db)
    assert samba["agent_transport"][0] == "smb"
    assert samba["agent_transport"][1].startswith("the scan saw an SMB answer (Samba")
    assert samba["observed.open_ports"][0] == [139, 445]
    linux = show(project, "10.5.0.20", "--db", db)  # only the older scan saw it
    assert linux["agent_transport"] == ("ssh", "the scan saw SSH banner 'SSH-2.0-OpenSSH_9.2p1'")


def test_without_evidence_static_vars_and_overrides_decide(project: Path) -> None:
    db = f"sqlite:///{project / 'r.db'}"
    scan(db, [{"ip": "10.5.0.2", **UPS}, {"ip": "10.5.0.3", **UPS}])
    unseen = show(project, "10.5.0.30")  # no store configured: no evidence
    assert "observed.os" not in unseen
    assert unseen["agent_transport"][0] == "ssh"
    assert "no scan evidence and no host var" in unseen["agent_transport"][1]
    dc1 = show(project, "dc1", "--db", db)  # a static host keeps its vars, whatever a scan saw
    assert dc1["agent_transport"][0] == "smb"
    assert dc1["agent_transport"][1].startswith("host var os=windows (from host:dc1 (")
    forced = show(project, "10.5.0.3", "--db", db)
    assert forced["agent_transport"][0] == "ssh"
    assert forced["agent_transport"][1].startswith("host var rmmkit_transport=ssh")
