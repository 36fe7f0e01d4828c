"""The agents area's lab: one site mixing every kind of device in one range.

Why its own lab (tests/agents/topology.yml): the proof is one playbook over
one site — Linux with and without the agent, Windows (Samba) with and
without it, SNMP recordings of a UPS, a switch, a printer, a firewall and a
Windows SNMP agent, a ping-only box, a filtered host and a dead address —
and the deployment changes hosts.  A private lab named ``rmka<pid>`` keeps
those changes away from other areas' tests; it is up in about six seconds.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import textwrap
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from rmmkit.lab.fixtures import lab_unavailable_reason, require
from rmmkit.lab.lab import Lab
from rmmkit.lab.peers import TCPDUMP

TOPOLOGY = Path(__file__).with_name("topology.yml")
SITE = "mixed"
RANGE = "10.81.4.0/24"
SCANNER = "10.81.4.1"  # the machine running the scan: excluded, as the seed's tool host would be
CURRENT = "3.2.0"
LINUX_INSTALLER = textwrap.dedent("""\
    #!/bin/sh
    # rmmagent {version} installer (test double of a vendor's shell installer)
    set -e
    mkdir -p /opt/rmmagent/bin
    cat > /opt/rmmagent/bin/rmmagent <<'EOS'
    #!/bin/sh
    case "$1" in --version) echo "rmmagent {version}" ;; *) echo running ;; esac
    EOS
    chmod 755 /opt/rmmagent/bin/rmmagent
    echo {version} > /opt/rmmagent/VERSION
    """).format(version=CURRENT)
WINDOWS_INSTALLER = f"@rem rmmagent {CURRENT} setup (stand-in for the vendor's MSI)\r\n"
PLAYBOOK = f"""\
name: mixed site agents
targets: {{sites: [{SITE}]}}
tasks:
  - {{name: scan, action: discover, args: {{rdns: false}}}}
  - {{name: status, action: agent_status}}
  - {{name: deploy, action: deploy_agent}}
"""


@dataclass
class Project:
    """An inventory folder for the mixed site: inventory, playbook, installers, known_hosts."""

    dir: Path
    lab: Lab

    @property
    def inventory(self) -> Path:
        return self.dir / "inventory.yml"

    @property
    def playbook(self) -> Path:
        return self.dir / "agents.yml"

    @property
    def db(self) -> str:
        return f"sqlite:///{self.dir / 'rmmkit.db'}"


@pytest.fixture(scope="session")
def mixed_lab() -> Iterator[Lab]:
    reason = lab_unavailable_reason()
    if reason:
        pytest.skip(reason)
    require(topology_file=TOPOLOGY, extra=[TCPDUMP], title="tests/agents")
    lab = Lab.up(TOPOLOGY, name=f"rmka{os.getpid() % 100000}")
    try:
        yield lab
    finally:
        lab.down()


def _secret(path: Path, value: str) -> Path:
    path.write_text(value)
    path.chmod(0o600)
    return path


@pytest.fixture(scope="module")
def project(mixed_lab: Lab, tmp_path_factory: pytest.TempPathFactory) -> Project:
    d = tmp_path_factory.mktemp("mixed")
    admin = _secret(d / "admin.pw", mixed_lab.host("lnx-noagent").users[0].password)
    windows = _secret(d / "win.pw", mixed_lab.host("win-ws02").users[0].password)
    community = _secret(d / "community.txt", "public")
    (d / f"rmmagent-{CURRENT}.sh").write_text(LINUX_INSTALLER)
    (d / f"rmmagent-{CURRENT}.cmd").write_text(WINDOWS_INSTALLER)
    shutil.copy(mixed_lab.known_hosts, d / "known_hosts")
    linux_sha = hashlib.sha256(LINUX_INSTALLER.encode()).hexdigest()
    windows_sha = hashlib.sha256(WINDOWS_INSTALLER.encode()).hexdigest()
    # One agent for every OS: the Linux probe reads version_command, the Windows one the
    # registry; the install command runs the shell installer with sh, the Windows one as is.
    (d / "inventory.yml").write_text(f"""\
credentials:
  - {{name: lab-admin, kind: password, user: admin, secret: {{source: file, key: {admin}}}}}
  - {{name: win-admin, kind: password, user: WORKGROUP/administrator,
     secret: {{source: file, key: {windows}}}}}
  - {{name: snmp-ro, kind: snmp_community, secret: {{source: file, key: {community}}}}}
agents:
  - name: rmmagent
    version: "{CURRENT}"
    installers:
      - {{os: linux, arch: any, path: rmmagent-{CURRENT}.sh, sha256: "{linux_sha}"}}
      - {{os: windows, arch: any, path: rmmagent-{CURRENT}.cmd, sha256: "{windows_sha}"}}
    commands:
      install: '{{% if installer.endswith(".sh") %}}sh {{% endif %}}"{{{{ installer }}}}"'
    detect:
      version_command: /opt/rmmagent/bin/rmmagent --version
      registry: 'HKLM\\SOFTWARE\\RMMKit\\Agent\\Version'
sites:
  - name: {SITE}
    ranges: [{RANGE}]
    excludes: [{SCANNER}]
    credentials: [lab-admin, win-admin, snmp-ro]
    # Samba cannot create services and has no WMI: RunOnce is what really works there
    vars: {{windows_deploy_method: remote_registry}}
""")
    (d / "agents.yml").write_text(PLAYBOOK)
    return Project(d, mixed_lab)
