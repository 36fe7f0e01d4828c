"""A real ``rmmkit run`` of snmp_identify + snmp_poll, then the report, in a fresh project."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from .recordings import RECORDINGS, load

INVENTORY = """
credentials:
  - name: good-community
    kind: snmp_community
    secret: {{source: env, key: RMKS_GOOD}}
  - name: bad-community
    kind: snmp_community
    secret: {{source: env, key: RMKS_BAD}}
sites:
  - name: hq
    ranges: [127.0.0.1/32]
    credentials: [good-community]
  - name: branch
    ranges: [127.0.0.2/32]
    credentials: [bad-community]
hosts:
  - {{name: sw1, address: 127.0.0.1, site: hq, vars: {{snmp_port: {port}}}}}
  - {{name: sw2, address: 127.0.0.2, site: branch, vars: {{snmp_port: {port}, snmp_timeout: 0.3}}}}
"""
PLAYBOOK = """
name: snmp-e2e
inventory: inv.yml
targets: {hosts: [sw1, sw2]}
tasks:
  - {name: identify, action: snmp_identify, args: {icmp_fallback: false, retries: 0}}
  - {name: poll, action: snmp_poll}
outputs:
  - type: table
"""


def rmmkit(args, cwd, env):
    cmd = [sys.executable, "-m", "rmmkit.cli.main", *args]
    return subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, check=False)


def test_run_then_report(snmpsim_agent, tmp_path):
    (tmp_path / "inv.yml").write_text(INVENTORY.format(port=snmpsim_agent.port))
    (tmp_path / "pb.yml").write_text(PLAYBOOK)
    env = {**os.environ, "RMKS_GOOD": "switch-cisco", "RMKS_BAD": "no-such-community"}
    env.pop("RMMKIT_DB", None)
    run = rmmkit(["run", "pb.yml"], tmp_path, env)
    assert run.returncode == 2, run.stdout + run.stderr  # sw2 is unreachable: wrong community
    assert "wrong community" in run.stdout + run.stderr
    assert "no-such-community" not in run.stdout + run.stderr

    report = rmmkit(
        ["report", "network-devices", "--kind", "switch", "--format", "json"], tmp_path, env
    )
    assert report.returncode == 0, report.stderr
    rows = json.loads(report.stdout)
    assert [(r["host"], r["site"]) for r in rows] == [("sw1", "hq")]
    rec = load(RECORDINGS["switch-cisco"][0])
    cpu = [e.number for o, e in rec.items() if o.startswith("1.3.6.1.4.1.9.9.109.1.1.1.1.8.")]
    assert rows[0]["cpu_percent"] == round(sum(cpu) / len(cpu))
    assert rows[0]["snmp"] == "v2c (insecure)"
    assert "site hq uses SNMP v2c" in report.stderr
