"""A tiny private network for discovery tests (namespaces prefixed ``rmkd``).

Why not the shared lab: the engine's dead/filtered/excluded cases need only a
bridge and a few namespaces, built in well under a second; every namespace
and daemon made here is removed by :meth:`MiniNet.down`, by PID.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import tempfile
import time
from pathlib import Path

SUBNET = "198.51.100"  # TEST-NET-2: exists only inside these namespaces


def sh(*argv: str, check: bool = True, input: str | None = None) -> str:
    proc = subprocess.run(argv, capture_output=True, text=True, input=input, timeout=60)
    if check and proc.returncode:
        raise RuntimeError(f"{' '.join(argv)}: {proc.stderr.strip()}")
    return proc.stdout


class MiniNet:
    """Scanner namespace with a bridge at ``SUBNET.1``; hosts hang off it by veth."""

    def __init__(self) -> None:
        self.prefix = f"rmkd{os.getpid() % 100000}"
        self.scanner = f"{self.prefix}s"
        self.namespaces: list[str] = []
        self.procs: list[subprocess.Popen[bytes]] = []
        self.tmp = Path(tempfile.mkdtemp(prefix="rmkd-"))
        self.netns_etc: Path | None = None  # /etc/netns/<scanner>, ours to remove
        self._count = 0

    def up(self) -> MiniNet:
        self._netns(self.scanner)
        ns = ("ip", "-n", self.scanner)
        sh(*ns, "link", "add", "br0", "type", "bridge")
        sh(*ns, "addr", "add", f"{SUBNET}.1/24", "dev", "br0")
        sh(*ns, "link", "set", "br0", "up")
        return self

    def _netns(self, name: str) -> None:
        sh("ip", "netns", "add", name)
        self.namespaces.append(name)
        sh("ip", "-n", name, "link", "set", "lo", "up")

    def add_host(self, *octets: int, ignore_icmp: bool = False) -> str:
        """A namespace owning ``SUBNET.<octet>`` for each octet; returns its name."""
        self._count += 1
        name = f"{self.prefix}h{self._count}"
        self._netns(name)
        outside, inside = f"rk{self._count}x", f"rk{self._count}y"
        sh(
            "ip",
            "-n",
            self.scanner,
            "link",
            "add",
            outside,
            "type",
            "veth",
            "peer",
            "name",
            inside,
            "netns",
            name,
        )
        sh("ip", "-n", self.scanner, "link", "set", outside, "master", "br0", "up")
        for octet in octets:
            sh("ip", "-n", name, "addr", "add", f"{SUBNET}.{octet}/24", "dev", inside)
        sh("ip", "-n", name, "link", "set", inside, "up")
        if ignore_icmp:
            self.exec(name, "sysctl", "-qw", "net.ipv4.icmp_echo_ignore_all=1")
        return name

    def resolv_conf(self, nameserver: str) -> None:
        """The scanner's system resolver: ``ip netns exec`` mounts /etc/netns/<ns>/resolv.conf."""
        directory = Path("/etc/netns") / self.scanner
        self.netns_etc = directory
        directory.mkdir(parents=True, exist_ok=True)
        (directory / "resolv.conf").write_text(
            f"search mini.test\nnameserver {nameserver}\noptions timeout:1 attempts:2\n"
        )

    def exec(self, ns: str, *argv: str, check: bool = True, input: str | None = None) -> str:
        return sh("ip", "netns", "exec", ns, *argv, check=check, input=input)

    def spawn(self, ns: str, *argv: str, **kwargs) -> subprocess.Popen[bytes]:
        proc = subprocess.Popen(
            ["ip", "netns", "exec", ns, *argv],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
            **kwargs,
        )
        self.procs.append(proc)
        return proc

    def down(self) -> None:
        for proc in self.procs:
            if proc.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.pid, signal.SIGTERM)
        for proc in self.procs:
            try:
                proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(timeout=5)
        for name in reversed(self.namespaces):
            sh("ip", "netns", "del", name, check=False)
        if self.netns_etc is not None:
            shutil.rmtree(self.netns_etc, ignore_errors=True)
        shutil.rmtree(self.tmp, ignore_errors=True)


def wait_port(net: MiniNet, ns: str, ip: str, port: int, timeout: float = 10.0) -> None:
    """Block until something in ``ns`` listens on ``ip:port`` (TCP)."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if f"{ip}:{port} " in net.exec(ns, "ss", "-Hltn", check=False):
            return
        time.sleep(0.05)
    raise RuntimeError(f"nothing listens on {ip}:{port} in {ns}")
