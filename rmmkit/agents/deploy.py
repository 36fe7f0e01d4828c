"""Install where missing, update where outdated, uninstall on request — on any AgentTarget.

Why the checksum is taken on the target: the file that runs is the one on
the host, not the one we sent; a copy altered in transit or on the disk is
detected there and never executed.  The local file is checked too, before
anything is copied, so a wrong installer in the repository fails early.

Why "scheduled": some methods only arrange for the command to run later
(Windows RunOnce runs it at the next logon).  Checking the agent right
after would always fail, so such a target answers ``scheduled`` and the
attempt stays pending (status ``in_progress``) until a later
``agent_status`` sees the outcome (:func:`rmmkit.agents.events.resolve_scheduled`).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rmmkit.agents.errors import AgentError
from rmmkit.agents.events import DeploymentRecorder
from rmmkit.agents.status import AgentState, classify
from rmmkit.agents.target import AgentTarget
from rmmkit.declared.models import Agent, Installer
from rmmkit.declared.templating import compile_value
from rmmkit.errors import InputError

OPERATIONS = {"not_installed": "install", "outdated": "update"}


@dataclass(frozen=True)
class Change:
    """What one lifecycle call did (or would do, in check mode)."""

    agent: str
    operation: str  # install | update | uninstall | none
    before: AgentState
    after: AgentState | None = None
    changed: bool = False
    scheduled: bool = False  # the target runs the command later (e.g. RunOnce at next logon)

    def to_dict(self) -> dict[str, Any]:
        return {
            "agent": self.agent,
            "operation": self.operation,
            "changed": self.changed,
            "scheduled": self.scheduled,
            "before": self.before.to_dict(),
            "after": self.after and self.after.to_dict(),
        }

    @property
    def message(self) -> str:
        if self.operation == "none":
            return f"{self.agent}: {self.before.status} ({self.before.detail})"
        verb = {"install": "installed", "update": "updated", "uninstall": "uninstalled"}
        if self.after is None:
            return f"{self.agent}: would {self.operation} ({self.before.status})"
        if self.scheduled:
            return f"{self.agent}: {self.operation} scheduled ({self.after.detail})"
        return f"{self.agent}: {verb[self.operation]} ({self.before.status} → {self.after.status})"


def observe(target: AgentTarget, agent: Agent) -> AgentState:
    return classify(target.probe(agent), agent.version, agent.detect)


def choose_installer(agent: Agent, os_name: str, arch: str, host: str) -> Installer:
    exact = [i for i in agent.installers if i.os == os_name and i.arch == arch]
    loose = [i for i in agent.installers if i.os == os_name and i.arch in ("any", "")]
    if exact or loose:
        return (exact or loose)[0]
    raise AgentError(
        f"{host}: agent {agent.name} has no installer for {os_name}/{arch}",
        host=host,
        code="no_installer",
    )


def local_installer(inst: Installer, base_dir: Path, agent: Agent, host: str) -> Path:
    """The installer on the controller, after checking it against the declared sha256."""
    path = Path(inst.path).expanduser()
    path = path if path.is_absolute() else base_dir / path
    try:
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError as exc:
        raise InputError(
            f"agent {agent.name}: installer {path} cannot be read ({exc.strerror})",
            location=agent.location,
        ) from None
    if digest != inst.sha256.lower():
        raise AgentError(
            f"{host}: local installer {path.name} does not match the declared sha256; "
            "nothing was copied",
            host=host,
            code="checksum_mismatch",
        )
    return path


def render(command: str, variables: dict[str, Any]) -> str:
    return str(compile_value(command, "agent command")(variables))


class Lifecycle:
    """The steps shared by deploy and uninstall, for one host and one agent."""

    def __init__(
        self,
        target: AgentTarget,
        agent: Agent,
        recorder: DeploymentRecorder,
        *,
        host: Any,
        base_dir: Path,
        timeout: float,
    ) -> None:
        self.target, self.agent, self.recorder = target, agent, recorder
        self.host, self.base_dir, self.timeout = host, base_dir, timeout
        self.ran = False  # the host ran our command: after a failure its state is unknown
        self.pending = ""  # the target's note when it only scheduled the command

    def deploy(self, check: bool) -> Change:
        before = observe(self.target, self.agent)
        self.recorder.status(before.status, before.version)
        if before.status == "in_progress":
            raise AgentError(
                f"{self.host.name}: agent {self.agent.name}: another deployment is in progress",
                host=self.host.name,
                code="busy",
            )
        operation = OPERATIONS.get(before.status, "none")
        if before.status == "unknown":  # present, version unreadable: reinstall over it
            if "present" not in before.detail:
                raise AgentError(
                    f"{self.host.name}: agent {self.agent.name}: {before.detail}",
                    host=self.host.name,
                    code="verify_failed",
                )
            operation = "update"
        if operation == "none" or check:
            return Change(self.agent.name, operation, before, None, operation != "none")
        self.recorder.start(before.version, self.agent.version)
        remote = ""
        try:
            os_name, arch = self.target.platform()
            inst = choose_installer(self.agent, os_name, arch, self.host.name)
            local = local_installer(inst, self.base_dir, self.agent, self.host.name)
            self.target.mark(self.agent, True)
            try:
                remote = self.target.stage(local, self.agent)
                got = self.target.sha256(remote)
                if got != inst.sha256.lower():
                    raise AgentError(
                        f"{self.host.name}: the staged installer's sha256 on the host "
                        f"({got[:12]}…) differs from the declared one "
                        f"({inst.sha256[:12].lower()}…); not run",
                        host=self.host.name,
                        code="checksum_mismatch",
                    )
                update = operation == "update" and "update" in self.agent.commands
                self._run("update" if update else "install", installer=remote)
            finally:
                if remote and not self.pending:  # a scheduled command needs its installer later
                    self.target.cleanup(remote)
                self.target.mark(self.agent, False)
            if self.pending:
                return self._scheduled(operation, before)
            after = self._verify(lambda s: s.status == "installed")
        except BaseException as exc:
            self.recorder.fail(exc, "unknown" if self.ran else before.status, before.version)
            raise
        result = "installed" if operation == "install" else "updated"
        self.recorder.finish(result, after.status, after.version)
        return Change(self.agent.name, operation, before, after, True)

    def uninstall(self, check: bool) -> Change:
        before = observe(self.target, self.agent)
        if before.status == "not_installed":
            self.recorder.status(before.status, None)
            return Change(self.agent.name, "none", before)
        if "uninstall" not in self.agent.commands:
            raise InputError(
                f"agent {self.agent.name} declares no uninstall command",
                location=self.agent.location,
                expected="commands: {uninstall: …}",
            )
        if check:
            return Change(self.agent.name, "uninstall", before, None, True)
        self.recorder.start(before.version, None)
        try:
            self._run("uninstall", installer="")
            if self.pending:
                return self._scheduled("uninstall", before)
            after = self._verify(lambda s: s.status == "not_installed")
        except BaseException as exc:
            self.recorder.fail(exc, "unknown" if self.ran else before.status, before.version)
            raise
        self.recorder.finish("uninstalled", after.status, None)
        return Change(self.agent.name, "uninstall", before, after, True)

    def _run(self, key: str, *, installer: str) -> None:
        variables = {
            **self.host.vars,
            "installer": installer,
            "version": self.agent.version,
            "agent": self.agent.name,
            "inventory_hostname": self.host.name,
        }
        command = render(self.agent.commands[key], variables)
        res = self.target.execute(command, self.timeout)
        self.ran = True
        if res.rc != 0:
            tail = (res.err.strip() or res.out.strip()).splitlines()[-1:] or ["no output"]
            raise AgentError(
                f"{self.host.name}: {key} command exited {res.rc}: {tail[0][:200]}",
                host=self.host.name,
                code="install_failed",
            )
        if getattr(res, "scheduled", False):
            self.pending = res.out.strip() or "the host runs the command later"

    def _scheduled(self, operation: str, before: AgentState) -> Change:
        """The command is arranged, not run: pending until a later probe sees the outcome."""
        after = AgentState(
            "in_progress", before.version, self.agent.version, f"scheduled: {self.pending}"
        )
        self.recorder.schedule(before.version)
        return Change(self.agent.name, operation, before, after, True, scheduled=True)

    def _verify(self, good: Any) -> AgentState:
        after = observe(self.target, self.agent)
        if not good(after):
            raise AgentError(
                f"{self.host.name}: after the command, agent {self.agent.name} is "
                f"{after.status} ({after.detail})",
                host=self.host.name,
                code="verify_failed",
            )
        return after
