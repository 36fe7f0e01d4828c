"""Run a real peer on loopback: a free port, wait until it listens, stop it by its PID.

Why one module: the lab, the tests of several areas and the benchmarks all
start real daemons (sshd, snmpd, snmpsim, smbd, postgres) on 127.0.0.1.
Each must be stopped by the PID we started — never by name, since other
people's daemons share the machine — and a daemon that ignores SIGTERM must
not hang a test session.  These helpers do exactly that and nothing more;
namespaced hosts use :mod:`rmmkit.lab.netns` instead.
"""

from __future__ import annotations

import contextlib
import signal
import socket
import subprocess
import time

LOOPBACK = "127.0.0.1"


def free_port(kind: socket.SocketKind = socket.SOCK_STREAM, host: str = LOOPBACK) -> int:
    """A port nothing listens on right now (TCP by default; ``socket.SOCK_DGRAM`` for UDP)."""
    with socket.socket(socket.AF_INET, kind) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


def wait_tcp(
    port: int, proc: subprocess.Popen[bytes], host: str = LOOPBACK, timeout: float = 10.0
) -> None:
    """Return once ``host:port`` accepts a connection; fail early if the daemon died."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"daemon exited with {proc.returncode}")
        with contextlib.suppress(OSError), socket.create_connection((host, port), 0.2):
            return
        time.sleep(0.05)
    raise RuntimeError(f"nothing listens on {host}:{port}")


def stop_daemon(
    proc: subprocess.Popen[bytes] | None,
    *,
    grace: float = 5.0,
    first_signal: signal.Signals = signal.SIGTERM,
) -> None:
    """Stop our own child: ``first_signal``, then SIGKILL after ``grace`` seconds; reap it.

    ``first_signal`` exists for daemons whose clean shutdown signal is not
    SIGTERM (postgres shuts down fast on SIGINT).
    """
    if proc is None or proc.poll() is not None:
        return
    proc.send_signal(first_signal)
    try:
        proc.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
