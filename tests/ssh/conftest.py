"""Fixtures for the SSH area: its own small lab (11 OpenSSH hosts), an estate on disk, helpers.

Why its own lab and not the shared default one: the lifecycle tests change
hosts (install, update, uninstall); a private lab named ``rmkh<pid>`` keeps
those changes away from other areas' tests and starts in about two seconds.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import stat
import subprocess
import textwrap
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from rmmkit.lab.fixtures import lab_unavailable_reason
from rmmkit.lab.lab import Lab

TOPOLOGY = Path(__file__).with_name("topology.yml")
ADMIN_PASSWORD = "Lab-Adm1n-Pass"  # fake, test-only (tests/ssh/topology.yml)
OPS_PASSWORD = "Lab-0ps-Pass"
CURRENT = "3.2.0"

INSTALLER = textwrap.dedent("""\
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
    """)
PADDING = "# padding so the copy needs more than the 64 KiB of lnx-diskfull's /tmp\n" * 2000


@pytest.fixture(scope="session")
def ssh_lab() -> Iterator[Lab]:
    reason = lab_unavailable_reason()
    if reason:
        pytest.skip(reason)
    lab = Lab.up(TOPOLOGY, name=f"rmkh{os.getpid() % 100000}")
    try:
        yield lab
    finally:
        lab.down()


@dataclass
class Estate:
    """An inventory folder: inventory.yml, secrets files, installer, known_hosts."""

    dir: Path
    lab: Lab
    installer_sha: str
    extra_hosts: dict[str, dict[str, Any]] = field(default_factory=dict)

    @property
    def inventory(self) -> Path:
        return self.dir / "inventory.yml"

    @property
    def known_hosts(self) -> Path:
        return self.dir / "known_hosts"


def write_inventory(
    estate: Estate,
    *,
    sha: str | None = None,
    host_vars: dict[str, Any] | None = None,
    credentials: list[str] | None = None,
    extra: str = "",
) -> Path:
    d = estate.dir
    host_vars = host_vars or {}
    lines = []
    for h in estate.lab.hosts:
        hv = host_vars.get(h.name)
        lines.append(
            f"  - {{name: {h.name}, address: {h.address}" + (f", vars: {hv!r}" if hv else "") + "}"
        )
    creds = credentials or ["lab-admin", "lab-ops"]
    estate.inventory.write_text(
        f"""\
credentials:
  - {{name: lab-admin, kind: password, user: admin, secret: {{source: file, key: {d}/admin.pw}}}}
  - {{name: lab-ops, kind: password, user: ops, secret: {{source: file, key: {d}/ops.pw}}}}
  - {{name: lab-key, kind: ssh_key, user: deploy, key_file: {estate.lab.ssh_key}}}
{extra}
agents:
  - name: rmmagent
    version: "{CURRENT}"
    installers:
      - {{os: linux, arch: any, path: "rmmagent-{CURRENT}.sh",
         sha256: "{sha or estate.installer_sha}"}}
    commands:
      install: "sleep {{{{ install_delay | default(0) }}}}; sh {{{{ installer }}}}"
      update: sh {{{{ installer }}}} --update
      uninstall: rm -rf /opt/rmmagent /etc/systemd/system/rmmagent.service
    detect:
      file: /opt/rmmagent/bin/rmmagent
      service: rmmagent
      version_command: /opt/rmmagent/bin/rmmagent --version
sites:
  - name: lab
    ranges: [10.77.1.0/24]
    credentials: {creds}
hosts:
"""
        + "\n".join(lines)
        + "\n"
    )
    return estate.inventory


@pytest.fixture(scope="module")
def estate(ssh_lab: Lab, tmp_path_factory: pytest.TempPathFactory) -> Estate:
    d = tmp_path_factory.mktemp("estate")
    for name, pw in (("admin", ADMIN_PASSWORD), ("ops", OPS_PASSWORD)):
        (d / f"{name}.pw").write_text(pw)
        (d / f"{name}.pw").chmod(0o600)
    text = INSTALLER.format(version=CURRENT) + PADDING
    (d / f"rmmagent-{CURRENT}.sh").write_text(text)
    shutil.copy(ssh_lab.known_hosts, d / "known_hosts")
    est = Estate(d, ssh_lab, hashlib.sha256(text.encode()).hexdigest())
    write_inventory(est)
    return est


def plain_ssh(
    lab: Lab,
    host: str,
    command: str,
    *,
    user: str = "admin",
    password: str = ADMIN_PASSWORD,
    tmp: Path,
) -> subprocess.CompletedProcess[str]:
    """OpenSSH's own client from the scanner namespace: the independent check of a host's state.

    The password reaches ssh through SSH_ASKPASS reading a 0600 file (not argv, not env).
    """
    secret = tmp / f"pw-{user}"
    secret.write_text(password)
    secret.chmod(0o600)
    askpass = tmp / "askpass"
    askpass.write_text(f"#!/bin/sh\ncat {secret}\n")
    askpass.chmod(stat.S_IRWXU)
    address = lab.host(host).address
    cmd = (
        f"SSH_ASKPASS={askpass} SSH_ASKPASS_REQUIRE=force DISPLAY=none setsid -w ssh "
        f"-o UserKnownHostsFile={lab.known_hosts} -o StrictHostKeyChecking=yes "
        f"-o PreferredAuthentications=password -o NumberOfPasswordPrompts=1 "
        f"-o ConnectTimeout=10 {user}@{address} {shlex_quote(command)}"
    )
    return lab.exec(cmd, timeout=30)


def shlex_quote(text: str) -> str:
    import shlex

    return shlex.quote(text)
