"""The loopback daemon helpers: a daemon deaf to SIGTERM is still stopped, by its own PID."""

from __future__ import annotations

import socket
import subprocess
import sys

import pytest

from rmmkit.lab.daemons import free_port, stop_daemon, wait_tcp

# A listener that ignores SIGTERM, like a daemon stuck in shutdown.
STUBBORN = """
import signal, socket, sys, time
signal.signal(signal.SIGTERM, signal.SIG_IGN)
s = socket.socket(); s.bind(("127.0.0.1", int(sys.argv[1]))); s.listen()
while True:
    time.sleep(1)
"""


def test_wait_then_stop_a_daemon_that_ignores_sigterm() -> None:
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-c", STUBBORN, str(port)])
    try:
        wait_tcp(port, proc, timeout=10)
        with socket.create_connection(("127.0.0.1", port), 1):
            pass
    finally:
        stop_daemon(proc, grace=0.3)
    assert proc.returncode == -9  # SIGTERM was ignored, so SIGKILL ended it
    stop_daemon(proc)  # stopping twice is harmless


def test_wait_tcp_fails_fast_when_the_daemon_dies() -> None:
    proc = subprocess.Popen([sys.executable, "-c", "raise SystemExit(3)"])
    with pytest.raises(RuntimeError, match="exited with 3"):
        wait_tcp(free_port(), proc, timeout=10)


def test_free_udp_port_is_bindable() -> None:
    port = free_port(socket.SOCK_DGRAM)
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.bind(("127.0.0.1", port))
