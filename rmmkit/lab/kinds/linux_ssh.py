"""linux-ssh hosts: OpenSSH sshd with private users, sudo rules and an optional fake agent.

Why the private mount namespace matters here: ``useradd``/``chpasswd`` run
inside the host against an overlay of ``/etc``, so every host has its own
passwd/shadow/sudoers and the root namespace's files never change.
"""

from __future__ import annotations

import os

from rmmkit.lab import netns
from rmmkit.lab.kinds.base import HostContext, Kind
from rmmkit.lab.requirements import Binary
from rmmkit.lab.topology import User

SSHD = Binary("/usr/sbin/sshd", apt="openssh-server")
SSH_KEYGEN = Binary("ssh-keygen", apt="openssh-client")
# useradd/chpasswd (and groupadd for windows-smb) run inside hosts to create their users.
USER_TOOLS = (Binary("useradd", apt="passwd"), Binary("chpasswd", apt="passwd"))

AGENT_DIR = "/opt/rmmagent"
AGENT_SERVICE = "rmmagent"

SSHD_CONFIG = """\
ListenAddress {listen}:22
HostKey {host_key}
PidFile none
UsePAM no
PasswordAuthentication yes
KbdInteractiveAuthentication no
PubkeyAuthentication yes
PermitRootLogin no
AuthorizedKeysFile /etc/ssh/lab_authorized_keys/%u
StrictModes no
UseDNS no
MaxStartups 200:30:400
MaxSessions 64
MaxAuthTries 10
LoginGraceTime 30
LogLevel ERROR
Subsystem sftp internal-sftp
"""

AGENT_SCRIPT = """\
#!/bin/sh
# Fake rmmkit lab agent: answers like the real one would.
case "$1" in
  --version|-v) echo "rmmagent {version}" ;;
  status) echo "running" ;;
  *) echo "usage: rmmagent --version|status" >&2; exit 2 ;;
esac
"""

AGENT_UNIT = """\
[Unit]
Description=RMM monitoring agent (lab fake)

[Service]
ExecStart={agent_dir}/bin/rmmagent run
"""


def keygen(path: str, comment: str) -> None:
    netns.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", comment, "-f", path])


def sudoers_line(user: User) -> str | None:
    if user.sudo == "password":
        return f"{user.name} ALL=(ALL:ALL) ALL"
    if user.sudo == "nopasswd":
        return f"{user.name} ALL=(ALL:ALL) NOPASSWD: ALL"
    return None  # refused: no rule, sudo says "not in the sudoers file"


def write_ssh_files(ctx: HostContext, listen: str) -> None:
    """Host keys, sshd config and authorized keys (shared by linux-ssh and anyip)."""
    ctx.dir.mkdir(parents=True, exist_ok=True)
    host_key = ctx.dir / "ssh_host_ed25519_key"
    keygen(str(host_key), f"{ctx.spec.hostname}-host")
    ctx.extra["host_key_pub"] = (ctx.dir / "ssh_host_ed25519_key.pub").read_text().split()[:2]
    if ctx.spec.options.get("stale_known_host"):
        stale = ctx.dir / "stale_host_key"
        keygen(str(stale), f"{ctx.spec.hostname}-old")
        ctx.extra["known_host_pub"] = (ctx.dir / "stale_host_key.pub").read_text().split()[:2]
    else:
        ctx.extra["known_host_pub"] = ctx.extra["host_key_pub"]
    ctx.write("sshd_config", SSHD_CONFIG.format(listen=listen, host_key=host_key))
    for user in ctx.spec.users:
        ctx.write(
            f"etc-seed/ssh/lab_authorized_keys/{user.name}", ctx.ssh_public_key if user.key else ""
        )
    rules = [line for user in ctx.spec.users if (line := sudoers_line(user))]
    ctx.write("etc-seed/sudoers.d/rmmkit-lab", "\n".join(rules) + "\n", mode=0o440)


def create_users(ctx: HostContext) -> None:
    """useradd + chpasswd inside the host (passwords go over stdin, never argv)."""
    if not ctx.spec.users:
        return
    adds = "\n".join(f"useradd -m -s /bin/bash {u.name}" for u in ctx.spec.users)
    ctx.sh(adds + "\nchpasswd", input="".join(f"{u.name}:{u.password}\n" for u in ctx.spec.users))


def start_sshd(ctx: HostContext) -> None:
    # sshd insists on its privilege separation directory; a stock system dir, shared, left in place.
    os.makedirs("/run/sshd", mode=0o755, exist_ok=True)
    ctx.spawn(
        "sshd",
        [SSHD.target, "-D", "-e", "-f", str(ctx.dir / "sshd_config")],
        proto="tcp",
        port=22,
    )


class LinuxSsh(Kind):
    name = "linux-ssh"
    requires = (
        SSHD,
        SSH_KEYGEN,
        *USER_TOOLS,
        Binary("sudo", apt="sudo", why="sudo rules of the lab users"),
    )

    def prepare(self, ctx: HostContext) -> None:
        write_ssh_files(ctx, ctx.spec.address)
        agent = ctx.spec.options.get("agent")
        if agent:
            version = agent["version"]
            ctx.write("opt/rmmagent/bin/rmmagent", AGENT_SCRIPT.format(version=version), 0o755)
            ctx.write("opt/rmmagent/VERSION", version + "\n")
            ctx.write(
                f"etc-seed/systemd/system/{AGENT_SERVICE}.service",
                AGENT_UNIT.format(agent_dir=AGENT_DIR),
            )
            ctx.extra["agent_version"] = version

    def mount_script(self, ctx: HostContext) -> str:
        size = ctx.spec.options.get("installer_space")
        if not size:
            return ""
        # Disk full for the installer: whatever is copied to /tmp hits ENOSPC.
        return f"mount -t tmpfs -o size={size},mode=1777 lab-tmp /tmp\n"

    def setup(self, ctx: HostContext) -> None:
        create_users(ctx)

    def start(self, ctx: HostContext) -> None:
        start_sshd(ctx)
