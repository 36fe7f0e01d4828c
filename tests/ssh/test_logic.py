"""Pure logic of the lifecycle: status classification, probe parsing, versions, causes, facts."""

from __future__ import annotations

import pytest

from rmmkit.agents.causes import CAUSES, describe, explain
from rmmkit.agents.deploy import choose_installer
from rmmkit.agents.errors import AgentError
from rmmkit.agents.posix import parse_probe, probe_script
from rmmkit.agents.status import Probe, classify, parse_version, version_key
from rmmkit.declared.models import Agent, Installer
from rmmkit.ssh.connection import platform_of, sudo_refusal_causes
from rmmkit.ssh.errors import HostKeyError
from rmmkit.ssh.facts import parse_facts

DETECT = {"file": "/opt/a/bin/a", "version_command": "/opt/a/bin/a --version"}


@pytest.mark.parametrize(
    ("probe", "status", "version"),
    [
        (Probe(file=False, version_rc=127), "not_installed", None),
        (Probe(file=True, version_rc=0, version_output="a 3.2.0"), "installed", "3.2.0"),
        (Probe(file=True, version_rc=0, version_output="a 2.9.1"), "outdated", "2.9.1"),
        (Probe(file=True, version_rc=0, version_output="a 3.10.0"), "installed", "3.10.0"),
        (Probe(file=True, version_rc=1, version_output=""), "unknown", None),
        (Probe(file=True, in_progress=True), "in_progress", None),
        (Probe(), "unknown", None),
    ],
)
def test_classify(probe: Probe, status: str, version: str | None) -> None:
    state = classify(probe, "3.2.0", DETECT)
    assert (state.status, state.version) == (status, version)


def test_service_alone_counts_and_no_version_rule_means_installed() -> None:
    state = classify(Probe(service="active"), "1.0", {"service": "x"})
    assert state.status == "installed"
    assert classify(Probe(service="inactive"), "1.0", {"service": "x"}).status == "not_installed"


def test_versions_compare_numerically() -> None:
    assert version_key("3.10.0") > version_key("3.9.9")
    assert version_key("v2.0") == version_key("2.0")
    assert parse_version("agent version: 4.1.2-beta", None) == "4.1.2"
    assert parse_version("build=77 rel 9", r"build=(\d+)") == "77"


def test_probe_script_quotes_inventory_values_and_parses_back() -> None:
    agent = Agent("a", "1.0", detect={"file": "/opt/x; rm -rf /", "version_command": "a 'q'"})
    script = probe_script(agent, "/tmp")
    assert "f='/opt/x; rm -rf /'" in script
    probe, uname = parse_probe(
        "PLATFORM=Linux aarch64\nFILE=yes\nVERSION_RC=0\nVERSION_OUT=a 1.2.3\nnoise\n"
    )
    assert uname == "Linux aarch64" and probe.file is True and probe.version_rc == 0
    assert probe.version_output == "a 1.2.3" and not probe.in_progress
    assert platform_of(uname) == ("linux", "arm64")
    assert platform_of("Darwin x86_64") == ("macos", "x86_64")


def test_installer_choice_prefers_exact_arch() -> None:
    agent = Agent(
        "a",
        "1",
        installers=(
            Installer("linux", "any", "any.sh", "0" * 64),
            Installer("linux", "arm64", "arm.sh", "1" * 64),
            Installer("macos", "any", "mac.pkg", "2" * 64),
        ),
    )
    assert choose_installer(agent, "linux", "arm64", "h").path == "arm.sh"
    assert choose_installer(agent, "linux", "x86_64", "h").path == "any.sh"
    with pytest.raises(AgentError) as err:
        choose_installer(agent, "windows", "x86_64", "h")
    assert err.value.code == "no_installer"


def test_causes_table_covers_the_issue_and_feeds_the_hook() -> None:
    for code in (
        "auth_failed",
        "host_key_changed",
        "sudo_refused",
        "disk_full",
        "checksum_mismatch",
        "timeout",
        "connection_refused",
    ):
        description, causes = CAUSES[code]
        assert description and causes
    err = AgentError("x", code="disk_full")
    assert describe(err)[0] == "Not enough disk space on the target"
    assert explain(err) == list(CAUSES["disk_full"][1])
    own = HostKeyError("x", code="host_key_changed", causes=("specific",))
    assert explain(own) is None  # the error's own causes are more precise
    assert describe(TimeoutError())[0] == "Timed out"


def test_sudo_refusals_are_told_apart() -> None:
    assert "sudoers" in sudo_refusal_causes("admin is not in the sudoers file.", True)[0]
    assert "password differs" in sudo_refusal_causes("Sorry, try again.", True)[0]
    assert "key without one" in sudo_refusal_causes("sudo: a password is required", False)[0]


FACTS = """\
@@uname
Linux 6.1.0 x86_64
@@os_release
NAME="Ubuntu"
VERSION_ID="22.04"
PRETTY_NAME="Ubuntu 22.04.4 LTS"
@@sw_vers
@@hostname
web1
@@who
alice    pts/0        2026-01-05 09:12 (10.0.0.5)
@@last
alice    pts/0        10.0.0.5         Mon Jan  5 09:12   still logged in
@@df
Filesystem     1024-blocks    Used Available Capacity Mounted on
/dev/sda1         1000000  900000    100000      90% /
tmpfs                   0       0         0       0% /run/x
@@smart
AVAILABLE
DEV /dev/sda PASSED
@@updates
MANAGER apt
PKG openssl
PKG bash
@@ps_cpu
  42 root     55.0  1.0 stress
@@ps_mem
  77 www      1.0  30.5 java
@@loadavg
0.50 0.40 0.30 1/200 999
@@samples
CPU cpu  100 0 100 800 0 0 0 0 0 0
MEM 1000 250
CPU cpu  150 0 150 850 0 0 0 0 0 0
MEM 1000 200
@@end
"""


def test_facts_parsing() -> None:
    facts = parse_facts(FACTS)
    assert facts["os"]["pretty"] == "Ubuntu 22.04.4 LTS" and facts["os"]["arch"] == "x86_64"
    assert facts["users"]["logged_on"][0]["user"] == "alice"
    assert facts["users"]["logged_on"][0]["from"] == "10.0.0.5"
    assert [d["mount"] for d in facts["disks"]] == ["/"]  # size-0 pseudo file systems dropped
    assert facts["disks"][0]["free_kb"] == 100000
    assert facts["smart"] == {
        "available": True,
        "devices": [{"device": "/dev/sda", "health": "PASSED"}],
    }
    assert facts["updates"] == {"manager": "apt", "pending": 2, "packages": ["openssl", "bash"]}
    assert facts["processes"]["top_cpu"][0]["command"] == "stress"
    assert facts["processes"]["top_memory"][0]["mem_percent"] == 30.5
    assert facts["load"]["loadavg"] == [0.5, 0.4, 0.3]
    assert facts["load"]["cpu_percent_samples"] == [66.7]  # 100 busy of 150 jiffies
    assert facts["load"]["memory_used_percent_samples"] == [75.0, 80.0]
    assert facts["complete"] is True
    assert parse_facts(FACTS.replace("@@end\n", ""))["complete"] is False


def test_causes_reach_every_run_through_the_plugin_manager() -> None:
    from rmmkit.plugin.manager import load_plugins

    hook = load_plugins(entry_points=False).hook
    answers = hook.rmmkit_explain_error(error=AgentError("x", code="checksum_mismatch"))
    assert list(CAUSES["checksum_mismatch"][1]) in answers


class _ScheduledTarget:
    """An AgentTarget whose execute() only schedules (like a Windows RunOnce value)."""

    method = "remote_registry"

    def __init__(self) -> None:
        self.cleaned: list[str] = []
        self.staged = b""

    def platform(self) -> tuple[str, str]:
        return "windows", "x86_64"

    def probe(self, agent: Agent) -> Probe:
        return Probe(file=False)

    def stage(self, local: object, agent: Agent) -> str:
        from pathlib import Path

        self.staged = Path(str(local)).read_bytes()
        return r"C:\Windows\Temp\rmmkit-x\setup.cmd"

    def sha256(self, remote: str) -> str:
        import hashlib

        return hashlib.sha256(self.staged).hexdigest()

    def execute(self, command: str, timeout: float) -> object:
        from rmmkit.windows.deploy import CommandResult

        return CommandResult(0, out="RunOnce value set: runs at the next logon", scheduled=True)

    def mark(self, agent: Agent, busy: bool) -> None:
        pass

    def cleanup(self, remote: str) -> None:
        self.cleaned.append(remote)


def test_a_scheduled_command_is_pending_then_resolved(tmp_path: object) -> None:
    import hashlib
    from pathlib import Path
    from types import SimpleNamespace

    from rmmkit.agents.deploy import Lifecycle
    from rmmkit.agents.events import DeploymentRecorder, resolve_scheduled
    from rmmkit.declared.models import ResolvedHost
    from rmmkit.store import open_store

    base = Path(str(tmp_path))
    (base / "setup.cmd").write_text("echo install\n")
    sha = hashlib.sha256(b"echo install\n").hexdigest()
    agent = Agent(
        name="a",
        version="1.0",
        installers=(Installer("windows", "any", "setup.cmd", sha),),
        commands={"install": "{{ installer }}"},
        detect={"file": "C:\\a"},
    )
    host = ResolvedHost("w1", "10.9.0.5", "s")
    store = open_store(f"sqlite:///{base / 'db.sqlite'}", project_dir=base)
    try:
        session = SimpleNamespace(store=store)
        target = _ScheduledTarget()
        change = Lifecycle(
            target,
            agent,
            DeploymentRecorder(session, host, "a", target.method),
            host=host,
            base_dir=base,
            timeout=5,
        ).deploy(check=False)
        (pending,) = store.deployment_events(host="w1")
        not_yet = resolve_scheduled(session, host, "a", "in_progress")
        done = resolve_scheduled(session, host, "a", "installed")
        again = resolve_scheduled(session, host, "a", "installed")
        (resolved,) = store.deployment_events(host="w1")
    finally:
        store.close()
    assert change.scheduled and change.changed and change.after is not None
    assert change.after.status == "in_progress" and "install scheduled" in change.message
    assert target.cleaned == []  # the installer must still be there at the next logon
    assert pending["result"] == "scheduled" and pending["ended"] is None
    assert (not_yet, done, again) == (None, "installed", None)
    assert resolved["result"] == "installed" and resolved["ended"] is not None


def test_windows_errors_are_described_by_the_error_table() -> None:
    from impacket.smbconnection import SessionError

    from rmmkit.windows.errors import builtin_table, windows_error

    err = windows_error(SessionError(0xC00000CC), "admin_share", "w1", context="ADMIN$")
    entry = builtin_table().entries["bad_network_name"]
    description, causes = describe(err)
    assert description == entry["message"] and list(causes) == entry["causes"]
    wrapped = OSError("Connection error (10.9.0.5:445)", ConnectionRefusedError(111, "refused"))
    refused = windows_error(wrapped, "tcp445", "w1", port=445)  # how impacket's nmb raises it
    assert describe(refused)[0] == builtin_table().entries["network_path_not_found"]["message"]
