"""A client network in the lab: the resolver (dnsmasq, "dc1") sits in a server subnet the
scan never covers, the scanner's resolv.conf names it, and an agent deployment writes
its failure into the Description column of the scan row until a success clears it.

Real peers: dnsmasq (names), OpenSSH (deployments), nmap -sn (the reference for names).
Everything runs in the lab's scanner namespace, from a private project folder.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shlex
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from rmmkit.agents.causes import CAUSES
from rmmkit.lab.fixtures import lab_unavailable_reason
from rmmkit.lab.lab import Lab

pytestmark = pytest.mark.lab

PASSWORD = "Rsl-Adm1n-Pass"  # fake, test-only
SCANNED = "10.77.1.0/24"
RESOLVER = "10.77.9.53"
TOPOLOGY = {
    "name": "resolver",
    "domain": "corp.test",
    "segments": [
        {"name": "lan", "subnet": SCANNED, "scanner": "10.77.1.1"},
        {"name": "srv", "subnet": "10.77.9.0/24", "scanner": "10.77.9.1"},
    ],
    "hosts": [
        {"name": "dc1", "kind": "dns", "segment": "srv", "address": RESOLVER, "ptr": "dc1"},
        {
            "name": "app1",
            "kind": "linux-ssh",
            "address": "10.77.1.10",
            "ptr": "app1",
            "users": [{"name": "admin", "password": PASSWORD, "sudo": "nopasswd"}],
        },
        {
            "name": "app2",  # no PTR record: named by nobody
            "kind": "linux-ssh",
            "address": "10.77.1.11",
            "users": [{"name": "admin", "password": PASSWORD, "sudo": "nopasswd"}],
        },
        {"name": "ping-a", "kind": "ping-only", "address": "10.77.1.40", "ptr": "printer-hall"},
        {"name": "dead-a", "kind": "dead", "address": "10.77.1.44", "ptr": "gone"},
    ],
}
INSTALLER = "#!/bin/sh\nset -e\nmkdir -p /opt/rmmagent/bin\nprintf '#!/bin/sh\\necho \"rmmagent 3.2.0\"\\n' > /opt/rmmagent/bin/rmmagent\nchmod 755 /opt/rmmagent/bin/rmmagent\n"  # noqa: E501
PLAYBOOK = """name: deploy
targets: {hosts: [app1]}
tasks:
  - {name: deploy, action: deploy_agent, args: {agent: rmmagent}}
"""


@pytest.fixture(scope="module")
def rlab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Lab, Path]]:
    reason = lab_unavailable_reason()
    if reason:
        pytest.skip(reason)
    lab = Lab.up(TOPOLOGY, name=f"rmkr{os.getpid() % 100000}")
    try:
        project = tmp_path_factory.mktemp("resolver")
        (project / "rmmagent.sh").write_text(INSTALLER)
        sha = hashlib.sha256(INSTALLER.encode()).hexdigest()
        (project / "admin.pw").write_text("not-the-password")
        (project / "admin.pw").chmod(0o600)
        (project / "deploy.yml").write_text(PLAYBOOK)
        (project / "inventory.yml").write_text(f"""credentials:
  - {{name: admin, kind: password, user: admin, secret: {{source: file, key: {project}/admin.pw}}}}
agents:
  - name: rmmagent
    version: "3.2.0"
    installers: [{{os: linux, arch: any, path: rmmagent.sh, sha256: "{sha}"}}]
    commands: {{install: "sh {{{{ installer }}}}"}}
    detect: {{file: /opt/rmmagent/bin/rmmagent, version_command: /opt/rmmagent/bin/rmmagent}}
sites:
  - {{name: office, ranges: ["{SCANNED}"], credentials: [admin]}}
hosts:
  - {{name: app1, address: 10.77.1.10, site: office}}
""")
        yield lab, project
    finally:
        lab.down()


def _in_project(lab: Lab, project: Path, *args: str) -> tuple[int, str, str]:
    """``rmmkit ARGS`` in the scanner namespace, from the project folder (its store, keys)."""
    argv = shlex.join([sys.executable, "-m", "rmmkit.cli.main", *args])
    proc = lab.exec(f"cd {shlex.quote(str(project))} && {argv}", timeout=300)
    return proc.returncode, proc.stdout, proc.stderr


@pytest.fixture(scope="module")
def scanned(rlab):
    lab, project = rlab
    code, out, err = _in_project(
        lab, project, "scan", "--site", "office", "-i", "inventory.yml", "--format", "json"
    )
    assert code == 0, err
    return {row["ip"]: row for row in json.loads(out)}, err


def test_resolver_in_another_subnet_names_the_hosts(scanned):
    rows, stderr = scanned
    assert RESOLVER not in rows
    assert rows["10.77.1.10"]["hostname"] == "app1.corp.test"
    assert rows["10.77.1.10"]["sources"]["hostname"] == f"reverse dns ({RESOLVER})"
    assert rows["10.77.1.40"]["hostname"] == "printer-hall.corp.test"
    assert "rdns: NXDOMAIN" in rows["10.77.1.11"]["extra"]["notes"]
    assert rows["10.77.1.44"]["hostname"] == ""  # a PTR, but offline: not asked
    assert f"note: reverse dns via {RESOLVER} (system resolver" in stderr
    assert f"note: reverse dns: {RESOLVER} gave 2 names" in stderr


def test_names_equal_nmap_sn(rlab, scanned, capsys):
    lab, _project = rlab
    rows, _err = scanned
    proc = lab.exec(["nmap", "-sn", "-oG", "-", SCANNED], timeout=300)
    theirs = dict(re.findall(r"Host: ([\d.]+) \(([^)]+)\)\s+Status: Up", proc.stdout))
    ours = {
        ip: r["hostname"]
        for ip, r in rows.items()
        if r["sources"].get("hostname", "").startswith("reverse dns")
    }
    assert theirs, proc.stdout
    assert ours == theirs
    with capsys.disabled():
        print(f"\nnmap -sn names (resolver lab): {sorted(theirs.items())} == rmmkit's")


def _row(lab: Lab, project: Path, ip: str) -> dict:
    code, out, err = _in_project(
        lab, project, "report", "scan-details", "--latest", "--format", "json"
    )
    assert code == 0, err
    return next(r for r in json.loads(out) if r["ip"] == ip)


def test_failed_install_fills_description_and_success_clears_it(rlab, scanned):
    lab, project = rlab
    run = ("run", "deploy.yml", "-i", "inventory.yml", "-y", "--accept-new-host-keys")
    code, _out, err = _in_project(lab, project, *run)
    assert code != 0
    row = _row(lab, project, "10.77.1.10")
    assert row["description"] == CAUSES["auth_failed"][0], (row, err)
    assert PASSWORD not in json.dumps(row) and "not-the-password" not in json.dumps(row)
    (project / "admin.pw").write_text(PASSWORD)
    code, out, err = _in_project(lab, project, *run)
    assert code == 0, out + err
    row = _row(lab, project, "10.77.1.10")
    assert (row["description"], row["agent_status"]) == ("", "installed")
