"""What every host kind gets (HostContext) and must provide (Kind).

Why a context object: kinds only describe *what* runs in a host (files,
users, daemons); where the host's directory is, how to enter its
namespaces and how daemons are recorded for ``lab down`` lives here, once.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

from rmmkit.errors import LabError
from rmmkit.lab import netns
from rmmkit.lab.requirements import Requirement
from rmmkit.lab.topology import HostSpec, Topology


@dataclass
class Daemon:
    label: str
    pid: int
    proto: str = ""  # tcp | udp | "" (no port to wait for)
    port: int = 0


@dataclass
class HostContext:
    """One host being built: its spec, directories, namespace files and started daemons."""

    spec: HostSpec
    topology: Topology
    lab_dir: Path
    netns_name: str
    ssh_public_key: str = ""
    daemons: list[Daemon] = field(default_factory=list)
    extra: dict[str, Any] = field(
        default_factory=dict
    )  # kind facts for lab.host() (keys, shares …)

    @property
    def dir(self) -> Path:
        return self.lab_dir / "hosts" / self.spec.name

    @property
    def mnt_file(self) -> Path:
        return self.lab_dir / "ns" / f"{self.spec.name}.mnt"

    @property
    def uts_file(self) -> Path:
        return self.lab_dir / "ns" / f"{self.spec.name}.uts"

    @property
    def prefix(self) -> list[str]:
        return netns.enter_argv(self.netns_name, self.mnt_file, self.uts_file)

    def write(self, relpath: str, text: str, mode: int = 0o644) -> Path:
        path = self.dir / relpath
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
        os.chmod(path, mode)
        return path

    def sh(self, script: str, *, input: str | None = None, timeout: float = 60) -> str:
        """Run a shell script inside the host (its net, mount and UTS namespaces)."""
        return netns.run([*self.prefix, "sh", "-ec", script], input=input, timeout=timeout).stdout

    def spawn(
        self,
        label: str,
        argv: list[str],
        *,
        proto: str = "",
        port: int = 0,
        env: dict[str, str] | None = None,
        stdin_text: str | None = None,
    ) -> Daemon:
        log = self.dir / "log" / f"{label}.log"
        log.parent.mkdir(parents=True, exist_ok=True)
        proc = netns.spawn(argv, self.prefix, log, env=env, stdin_text=stdin_text)
        daemon = Daemon(label, proc.pid, proto, port)
        self.daemons.append(daemon)
        return daemon

    def wait_ready(self, timeout: float = 50.0) -> None:
        """Wait until every daemon with a port listens on it (read from /proc/PID/net, no forks)."""
        deadline = time.monotonic() + timeout
        for daemon in self.daemons:
            if not daemon.port:
                continue
            while not _listening(daemon):
                if not os.path.exists(f"/proc/{daemon.pid}") or _is_zombie(daemon.pid):
                    tail = _log_tail(self.dir / "log" / f"{daemon.label}.log")
                    raise LabError(f"host {self.spec.name}: {daemon.label} exited at start: {tail}")
                if time.monotonic() > deadline:
                    raise LabError(
                        f"host {self.spec.name}: {daemon.label} not listening on "
                        f"{daemon.proto}/{daemon.port} after {timeout:g}s"
                    )
                time.sleep(0.05)


def _listening(daemon: Daemon) -> bool:
    want = f":{daemon.port:04X}"
    files = ["tcp", "tcp6"] if daemon.proto == "tcp" else ["udp", "udp6"]
    for name in files:
        try:
            with open(f"/proc/{daemon.pid}/net/{name}") as fh:
                next(fh)
                for line in fh:
                    cols = line.split()
                    if cols[1].endswith(want) and (daemon.proto == "udp" or cols[3] == "0A"):
                        return True
        except OSError:
            return False
    return False


def _is_zombie(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as fh:
            return fh.read().rsplit(")", 1)[1].split()[0] == "Z"
    except OSError:
        return True


def _log_tail(path: Path) -> str:
    try:
        lines = [line for line in path.read_text(errors="replace").splitlines() if line.strip()]
    except OSError:
        return "no log"
    return lines[-1][:200] if lines else "no output"


class Kind:
    """A host kind; subclasses override the steps they need.

    ``requires`` lists what the kind runs (binaries, files, Python modules, each
    with the package that provides it); ``rmmkit lab doctor`` and ``Lab.up``
    check it before anything starts.
    """

    name: ClassVar[str] = ""
    has_namespace: ClassVar[bool] = True
    requires: ClassVar[tuple[Requirement, ...]] = ()

    def prepare(self, ctx: HostContext) -> None:
        """Write files into the host directory before its namespaces exist."""

    def mount_script(self, ctx: HostContext) -> str:
        """Extra shell lines run while the host's mount namespace is created."""
        return ""

    def setup(self, ctx: HostContext) -> None:
        """Run commands inside the host (users, passwords, registry) before daemons start."""

    def start(self, ctx: HostContext) -> None:
        """Start the host's daemons with ``ctx.spawn``."""

    def ready(self, ctx: HostContext) -> None:
        """Wait until the daemons *answer*, beyond listening (called after ``wait_ready``)."""

    def sysctls(self, ctx: HostContext) -> dict[str, str | int]:
        return {}
