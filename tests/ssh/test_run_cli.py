"""``rmmkit run`` with agent tasks: new host keys, SSH keys from the vault, the seed's question.

Why through the command line: these are the options an operator types; the
runs go to the lab's real OpenSSH hosts from the scanner namespace (the
in-process CLI inherits it, like the runner's worker threads).
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519

from rmmkit.cli.main import load_commands
from rmmkit.lab.lab import Lab
from rmmkit.secrets.values import Secret
from rmmkit.secrets.vault import Vault
from rmmkit.store import open_store

from .conftest import ADMIN_PASSWORD

STATUS_PLAYBOOK = """\
name: status
targets: {hosts: [%s]}
tasks:
  - {name: status, action: agent_status, args: {agent: rmmagent}}
"""
AGENT = """\
agents:
  - name: rmmagent
    version: "1.0"
    installers: [{os: linux, arch: any, path: a.sh, sha256: "%s"}]
    commands: {install: "sh {{ installer }}", uninstall: "true"}
    detect: {file: /opt/rmmagent/bin/rmmagent}
""" % ("0" * 64)


def rmmkit(*args: str, input: str | None = None) -> Any:
    return CliRunner().invoke(load_commands(), list(args), input=input)


def project(tmp_path: Path, credential: str, host: str, address: str) -> Path:
    (tmp_path / "inventory.yml").write_text(f"""\
credentials:
  - {credential}
{AGENT}
sites:
  - {{name: lab, ranges: [10.77.1.0/24], credentials: [c]}}
hosts:
  - {{name: {host}, address: {address}}}
""")
    (tmp_path / "status.yml").write_text(STATUS_PLAYBOOK % host)
    return tmp_path


def result_of(invocation: Any, host: str) -> dict[str, Any]:
    """The host's only task result from ``-o json`` output."""
    (result,) = json.loads(invocation.stdout)["hosts"][host]["results"]
    return result  # type: ignore[no-any-return]


def known_line(lab: Lab, address: str) -> str:
    lines = [ln for ln in lab.known_hosts.read_text().splitlines() if ln.split(" ")[0] == address]
    assert lines, f"the lab's known_hosts has no entry for {address}"
    return lines[0]


def test_run_records_new_host_keys_only_when_asked(
    ssh_lab: Lab, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    host = ssh_lab.host("lnx-current")
    (tmp_path / "admin.pw").write_text(ADMIN_PASSWORD)
    (tmp_path / "admin.pw").chmod(0o600)
    d = project(
        tmp_path,
        "{name: c, kind: password, user: admin, "
        f"secret: {{source: file, key: {tmp_path}/admin.pw}}}}",
        host.name,
        host.address,
    )
    monkeypatch.chdir(d)
    args = ["run", "status.yml", "-i", "inventory.yml", "--no-store", "-y", "-o", "json"]
    with ssh_lab.scanner():
        refused = rmmkit(*args)
        refused_known = (d / "known_hosts").read_text() if (d / "known_hosts").exists() else ""
        accepted = rmmkit(*args, "--accept-new-host-keys")
    assert refused.exit_code == 2, refused.output
    assert "unknown host key" in result_of(refused, host.name)["msg"]
    assert refused_known == ""
    assert accepted.exit_code == 0, accepted.output
    got = result_of(accepted, host.name)  # logged in and probed (other tests may uninstall it)
    assert got["status"] == "ok"
    assert got["data"]["agent_status"]["rmmagent"]["status"] in ("installed", "not_installed")
    recorded = (d / "known_hosts").read_text().splitlines()
    lab_key = known_line(ssh_lab, host.address).split(" ", 1)[1]  # key type and base64
    assert len(recorded) == 1 and recorded[0].split(" ", 1)[1].strip() == lab_key.strip()


@pytest.mark.parametrize("which", ["lab key", "other key"])
def test_ssh_key_from_the_vault_logs_in(
    ssh_lab: Lab, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, which: str
) -> None:
    host = ssh_lab.host("lnx-keyonly")  # only the lab's key logs in as deploy
    if which == "lab key":
        key_text = ssh_lab.ssh_key.read_text()
    else:  # negative control: a key the host does not authorize
        key_text = (
            ed25519.Ed25519PrivateKey.generate()
            .private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.OpenSSH,
                serialization.NoEncryption(),
            )
            .decode()
        )
    vault = Vault.new(tmp_path / "secrets.vault", Secret("vault-test-passphrase"))
    vault.set("deploy-key", key_text)
    vault.save()
    (tmp_path / "vault.pw").write_text("vault-test-passphrase\n")
    (tmp_path / "vault.pw").chmod(0o600)
    d = project(
        tmp_path,
        "{name: c, kind: ssh_key, user: deploy, key: {source: vault, key: deploy-key}}",
        host.name,
        host.address,
    )
    shutil.copy(ssh_lab.known_hosts, d / "known_hosts")
    monkeypatch.chdir(d)
    with ssh_lab.scanner():
        result = rmmkit(
            "run",
            "status.yml",
            "-i",
            "inventory.yml",
            "--no-store",
            "-y",
            "-o",
            "json",
            "--vault",
            "secrets.vault",
            "--vault-password-file",
            "vault.pw",
        )
    assert key_text.splitlines()[1] not in result.output  # the key never reaches the output
    got = result_of(result, host.name)
    if which == "lab key":
        assert result.exit_code == 0, result.output
        # logged in and probed: no agent there
        assert got["data"]["agent_status"]["rmmagent"]["status"] == "not_installed"
    else:
        assert result.exit_code == 2 and got["status"] == "failed", result.output
        assert "login refused for c (deploy, publickey)" in got["msg"], got["msg"]


def test_run_asks_the_seeds_question_for_agent_changes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import rmmkit.cli.agents as agents_cli

    (tmp_path / "inventory.yml").write_text(f"""\
{AGENT}
sites:
  - {{name: s, ranges: [127.0.0.2-127.0.0.4]}}
hosts:
  - {{name: a, address: 127.0.0.2}}
  - {{name: b, address: 127.0.0.3}}
  - {{name: c, address: 127.0.0.4}}
""")
    (tmp_path / "deploy.yml").write_text("""\
name: deploy
targets: {sites: [s]}
tasks:
  - {name: status, action: agent_status}
  - {name: deploy, action: deploy_agent, tags: [deploy]}
  - {name: remove, action: uninstall_agent, tags: [remove]}
""")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(agents_cli, "interactive", lambda: True)
    base = ["run", "deploy.yml", "-i", "inventory.yml"]
    install = "3 machine(s) selected for agent installation. Do you want to continue?"
    removal = "3 machine(s) selected for agent uninstallation. Do you want to continue?"

    db = f"sqlite:///{tmp_path / 'a.db'}"
    both = rmmkit(*base, "--db", db, input="y\nn\n")  # yes to installing, no to removing
    assert install in both.output and removal in both.output
    assert both.exit_code == 1 and "Aborted" in both.output
    store = open_store(db)
    try:
        assert store.runs() == [] and store.deployment_events() == []  # nothing started
    finally:
        store.close()

    limited = rmmkit(*base, "--no-store", "-l", "a", "--skip-tags", "remove", input="n\n")
    assert "1 machine(s) selected for agent installation" in limited.output
    assert "uninstallation" not in limited.output and limited.exit_code != 0

    for quiet in (["--check"], ["--yes", "--tags", "nothing"], ["--tags", "always"]):
        out = rmmkit(*base, "--no-store", *quiet, input="n\n").output
        assert "machine(s) selected" not in out, (quiet, out)
