"""The lifecycle on Linux and macOS over an SSH connection.

Why one shell script per probe: ``agent_status`` on thousands of hosts is
dominated by round trips, so the platform, the detect file, the service
state, the version command and the in-progress marker come back from one
``exec``.  Every value from the inventory is shell-quoted.
"""

from __future__ import annotations

import contextlib
import secrets
import shlex
from pathlib import Path, PurePosixPath
from typing import Any

from rmmkit.agents.errors import AgentError
from rmmkit.agents.status import Probe
from rmmkit.declared.models import Agent

STAGING_DEFAULT = "/tmp"
MARKER_MINUTES = 120  # an older marker is a crashed run, not a deployment in progress

PROBE_SCRIPT = """\
echo "PLATFORM=$(uname -sm)"
f={file}
if [ -n "$f" ]; then if [ -e "$f" ]; then echo FILE=yes; else echo FILE=no; fi; fi
s={service}
if [ -n "$s" ]; then
  if [ -d /run/systemd/system ] && command -v systemctl >/dev/null 2>&1; then
    echo "SERVICE=$(systemctl is-active "$s" 2>/dev/null | head -n 1)"
  elif [ "$(uname -s)" = Darwin ]; then
    if launchctl list 2>/dev/null | grep -q -- "$s"; then echo SERVICE=active
    else echo SERVICE=inactive; fi
  else echo SERVICE=unknown; fi
fi
v={version_command}
if [ -n "$v" ]; then
  out=$(sh -c "$v" 2>/dev/null </dev/null); echo "VERSION_RC=$?"
  printf 'VERSION_OUT=%s\\n' "$(printf '%s' "$out" | head -n 1)"
fi
m={marker}
if [ -e "$m" ] && [ -n "$(find "$m" -mmin -{minutes} 2>/dev/null)" ]; then echo IN_PROGRESS=yes; fi
"""


def marker_path(staging: str, agent: Agent) -> str:
    return str(PurePosixPath(staging) / f".rmmkit-deploy-{agent.name}")


def probe_script(agent: Agent, staging: str) -> str:
    d = agent.detect
    return PROBE_SCRIPT.format(
        file=shlex.quote(str(d.get("file", ""))),
        service=shlex.quote(str(d.get("service", ""))),
        version_command=shlex.quote(str(d.get("version_command", ""))),
        marker=shlex.quote(marker_path(staging, agent)),
        minutes=MARKER_MINUTES,
    )


def parse_probe(output: str) -> tuple[Probe, str]:
    """The probe script's ``KEY=value`` lines → (Probe, uname output)."""
    values: dict[str, str] = {}
    for line in output.splitlines():
        key, sep, value = line.partition("=")
        if sep and key.isupper():
            values.setdefault(key, value.strip())
    rc = values.get("VERSION_RC")
    probe = Probe(
        file={"yes": True, "no": False}.get(values.get("FILE", "")),
        service=values.get("SERVICE") or None,
        version_rc=int(rc) if rc and rc.lstrip("-").isdigit() else None,
        version_output=values.get("VERSION_OUT") or None,
        in_progress=values.get("IN_PROGRESS") == "yes",
    )
    return probe, values.get("PLATFORM", "")


class PosixTarget:
    """:class:`rmmkit.agents.target.AgentTarget` over an :class:`rmmkit.ssh.SshConnection`."""

    method = "ssh"

    def __init__(self, conn: Any) -> None:
        self.conn = conn
        self.staging = str(conn.host.vars.get("agent_staging_dir", STAGING_DEFAULT))

    def platform(self) -> tuple[str, str]:
        return self.conn.platform()  # type: ignore[no-any-return]

    def probe(self, agent: Agent) -> Probe:
        res = self.conn.run(probe_script(agent, self.staging))
        probe, uname = parse_probe(res.out)
        if uname:
            self.conn.set_platform(uname)
        os_name, arch = self.conn.platform()
        return Probe(
            probe.file,
            probe.service,
            probe.version_rc,
            probe.version_output,
            None,
            probe.in_progress,
            os_name,
            arch,
        )

    def stage(self, local: Path, agent: Agent) -> str:
        folder = f"{self.staging.rstrip('/')}/rmmkit-{agent.name}-{secrets.token_hex(6)}"
        res = self.conn.run(f"mkdir -m 700 {shlex.quote(folder)}")
        if not res.ok:
            raise AgentError(
                f"{self.conn.host.name}: cannot create {folder}: {res.err.strip()[:200]}",
                host=self.conn.host.name,
                code=self._space_code(local, self.staging),
            )
        remote = f"{folder}/{local.name}"
        try:
            self.conn.put(local, remote)
        except OSError as exc:
            code = self._space_code(local, folder)
            self.cleanup(remote)
            what = "not enough space" if code == "disk_full" else (exc.strerror or str(exc))
            raise AgentError(
                f"{self.conn.host.name}: copying {local.name} to {folder} failed: {what}",
                host=self.conn.host.name,
                code=code,
            ) from None
        return remote

    def _space_code(self, local: Path, folder: str) -> str:
        """``disk_full`` when the folder's file system has less room than the installer."""
        res = self.conn.run(f"df -Pk {shlex.quote(folder)} | tail -n 1")
        fields = res.out.split()
        if len(fields) >= 4 and fields[3].isdigit():
            free = int(fields[3]) * 1024
            if free < local.stat().st_size + 4096:
                return "disk_full"
        return "copy_failed"

    def sha256(self, remote: str) -> str:
        q = shlex.quote(remote)
        res = self.conn.run(f"sha256sum {q} 2>/dev/null || shasum -a 256 {q}")
        digest = res.out.split()[0].lower() if res.ok and res.out.split() else ""
        if len(digest) != 64:
            raise AgentError(
                f"{self.conn.host.name}: cannot compute sha256 of {remote}",
                host=self.conn.host.name,
                code="checksum_mismatch",
            )
        return digest

    def execute(self, command: str, timeout: float) -> Any:
        return self.conn.run(command, sudo=True, timeout=timeout)

    def mark(self, agent: Agent, busy: bool) -> None:
        q = shlex.quote(marker_path(self.staging, agent))
        self.conn.run(f"touch {q}" if busy else f"rm -f {q}")

    def cleanup(self, remote: str) -> None:
        folder = str(PurePosixPath(remote).parent)
        if "/rmmkit-" not in folder:
            return  # never remove anything we did not create
        with contextlib.suppress(Exception):  # cleanup must not hide the deployment's outcome
            self.conn.run(f"rm -rf {shlex.quote(folder)}")
