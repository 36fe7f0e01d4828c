"""Linux namespace plumbing for the lab: netns, bridges, veths, private hosts, daemons.

Why shell out to ``ip``/``nsenter``/``unshare``: they are the kernel's
reference clients, work the same on every distribution, and keep this module
free of netlink code.  Every object made here lives inside a namespace the lab
created, so nothing touches the root namespace's network.

A lab host is three namespaces: a network namespace (``ip netns add``) plus a
persistent mount and UTS namespace bound to files under the lab directory, so
each host has its own host name and its own ``/etc`` (overlay), ``/home``,
``/opt``, ``/tmp`` and ``/root``.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import signal
import subprocess
import threading
import time
from collections.abc import Iterator, Sequence
from pathlib import Path

from rmmkit.errors import LabError

NETNS_DIR = Path("/run/netns")
CLONE_NEWNET = 0x40000000


def run(
    argv: Sequence[str],
    *,
    input: str | None = None,
    check: bool = True,
    timeout: float = 60,
) -> subprocess.CompletedProcess[str]:
    """Run a helper; a failure becomes a LabError naming the command (argv holds no secret)."""
    try:
        proc = subprocess.run(
            list(argv), input=input, capture_output=True, text=True, timeout=timeout, check=False
        )
    except FileNotFoundError as exc:
        raise LabError(
            f"lab helper not installed: {argv[0]}", causes=["run scripts/bootstrap.sh"]
        ) from exc
    except subprocess.TimeoutExpired as exc:
        raise LabError(f"lab helper timed out after {timeout:g}s: {' '.join(argv[:4])}") from exc
    if check and proc.returncode != 0:
        tail = (proc.stderr or proc.stdout).strip().splitlines()[-1:] or ["no output"]
        raise LabError(f"`{' '.join(argv[:6])}` failed ({proc.returncode}): {tail[0]}")
    return proc


def netns_exists(name: str) -> bool:
    return (NETNS_DIR / name).exists()


def list_netns(prefix: str) -> list[str]:
    """Network namespaces whose name starts with ``prefix`` (only ours carry our prefix)."""
    if not NETNS_DIR.is_dir():
        return []
    return sorted(p.name for p in NETNS_DIR.iterdir() if p.name.startswith(prefix))


def add_netns(name: str) -> None:
    if netns_exists(name):
        raise LabError(
            f"network namespace {name} already exists", causes=["run `rmmkit lab down` first"]
        )
    run(["ip", "netns", "add", name])
    run(["ip", "-n", name, "link", "set", "lo", "up"])


def del_netns(name: str) -> None:
    if netns_exists(name):
        run(["ip", "netns", "del", name], check=False)


def ip_batch(netns: str, commands: Sequence[str]) -> None:
    """Run many ``ip`` commands in one process (one fork instead of dozens)."""
    if commands:
        run(["ip", "-n", netns, "-batch", "-"], input="\n".join(commands) + "\n")


def sysctl(netns: str, values: dict[str, str | int]) -> None:
    """Set per-network-namespace sysctls (TTL, ping_group_range, icmp_echo_ignore_all …)."""
    if values:
        pairs = [f"{key}={value}" for key, value in values.items()]
        run(["nsenter", f"--net={NETNS_DIR / netns}", "sysctl", "-q", "-w", *pairs])


def add_veth(name: str, netns: str, peer: str, peer_netns: str, *, mac: str | None = None) -> None:
    """A veth pair created directly inside two lab namespaces (never in the root namespace)."""
    argv = ["ip", "link", "add", name, "netns", netns]
    if mac:
        argv += ["address", mac]
    argv += ["type", "veth", "peer", "name", peer, "netns", peer_netns]
    run(argv)


# --- private mount + UTS namespaces -------------------------------------------------


def make_private_dir(path: Path) -> None:
    """Bind a directory onto itself as a private mount: namespace files can be bound inside it."""
    path.mkdir(parents=True, exist_ok=True)
    run(["mount", "--bind", str(path), str(path)])
    run(["mount", "--make-private", str(path)])


def unmount(path: Path) -> None:
    if path.exists():
        run(["umount", "-l", str(path)], check=False)


def create_host_namespaces(
    netns: str, mnt_file: Path, uts_file: Path, hostname: str, setup_script: str
) -> None:
    """Create a persistent mount+UTS namespace for a host and run its mount set-up inside.

    The script first drops the copies of every namespace file (nsfs mount) it
    inherited, so this host never keeps another lab's or engineer's
    namespace alive after they delete it.
    """
    mnt_file.touch()
    uts_file.touch()
    script = (
        "set -e\n"
        "findmnt -rn -t nsfs -o TARGET | sort -r | while read -r m; do\n"
        '  umount -l "$m" 2>/dev/null || true\n'
        "done\n"
        f"hostname {hostname}\n"
        "mount -t sysfs sysfs /sys\n" + setup_script
    )
    run(
        [
            "nsenter",
            f"--net={NETNS_DIR / netns}",
            "unshare",
            f"--mount={mnt_file}",
            f"--uts={uts_file}",
            "--propagation",
            "private",
            "sh",
            "-c",
            script,
        ]
    )


def enter_argv(netns: str, mnt_file: Path | None = None, uts_file: Path | None = None) -> list[str]:
    """The nsenter prefix that runs a command inside a lab host."""
    argv = ["nsenter", f"--net={NETNS_DIR / netns}"]
    if mnt_file is not None:
        argv.append(f"--mount={mnt_file}")
    if uts_file is not None:
        argv.append(f"--uts={uts_file}")
    return [*argv, "--"]


def spawn(
    argv: Sequence[str],
    prefix: Sequence[str],
    log_path: Path,
    *,
    env: dict[str, str] | None = None,
    stdin_text: str | None = None,
) -> subprocess.Popen[bytes]:
    """Start a daemon in its own session inside a host; nsenter execs it (PID = daemon)."""
    with open(log_path, "ab") as log:
        child_env = {
            "PATH": os.environ.get("PATH", "/usr/sbin:/usr/bin:/sbin:/bin"),
            "LANG": "C",
            "HOME": "/root",
        }
        child_env.update(env or {})
        proc = subprocess.Popen(
            [*prefix, *argv],
            stdin=subprocess.PIPE if stdin_text is not None else subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            env=child_env,
        )
    if stdin_text is not None and proc.stdin is not None:
        proc.stdin.write(stdin_text.encode())
        proc.stdin.close()
    return proc


def netns_inode(netns: str) -> int | None:
    try:
        return os.stat(NETNS_DIR / netns).st_ino
    except OSError:
        return None


def pid_in_netns(pid: int, inode: int | None) -> bool:
    """True when ``pid`` still runs inside the namespace ``inode`` (guards against PID reuse)."""
    if inode is None:
        return False
    try:
        return os.stat(f"/proc/{pid}/ns/net").st_ino == inode
    except OSError:
        return False


def pids_in_netns(netns: str) -> list[int]:
    if not netns_exists(netns):
        return []
    out = run(["ip", "netns", "pids", netns], check=False).stdout
    return [int(p) for p in out.split() if p.isdigit()]


def stop_pids(pids: Sequence[int], netns: str, *, grace: float = 3.0) -> None:
    """SIGTERM then SIGKILL, each PID only if it still lives in our namespace."""
    inode = netns_inode(netns)
    alive = [pid for pid in pids if pid_in_netns(pid, inode)]
    for pid in alive:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + grace
    while alive and time.monotonic() < deadline:
        _reap(pids)
        alive = [pid for pid in alive if pid_in_netns(pid, inode)]
        if alive:
            time.sleep(0.05)
    for pid in alive:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    time.sleep(0.02 if alive else 0)
    _reap(pids)


def _reap(pids: Sequence[int]) -> None:
    """Collect those of ``pids`` that are our exited children (only ours: never waitpid(-1))."""
    for pid in pids:
        with contextlib.suppress(ChildProcessError, OSError):
            os.waitpid(pid, os.WNOHANG)


@contextlib.contextmanager
def entered(netns: str) -> Iterator[None]:
    """Switch the *calling thread* into a lab network namespace (sockets made inside stay there).

    Why: tests can drive pysnmp/paramiko/impacket in-process from the
    scanner's point of view; ``setns`` on a network namespace affects only
    the current thread, and we always switch back.
    """
    libc = ctypes.CDLL(None, use_errno=True)
    with (
        open(f"/proc/self/task/{threading.get_native_id()}/ns/net") as home,
        open(NETNS_DIR / netns) as target,
    ):
        if libc.setns(target.fileno(), CLONE_NEWNET) != 0:
            raise LabError(f"cannot enter network namespace {netns}: errno {ctypes.get_errno()}")
        try:
            yield
        finally:
            libc.setns(home.fileno(), CLONE_NEWNET)
