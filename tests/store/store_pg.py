"""A throw-away PostgreSQL 15 server for the store tests.

Why start our own: the store must be proven against a real PostgreSQL, and
a test suite that needs a pre-configured server does not run from a clean
clone.  The server listens on a Unix socket only (``listen_addresses=''``),
so no packet leaves the machine.  PostgreSQL refuses to run as root, so as
root the server runs as the system user ``rmmkit-pg`` (created here,
idempotently, if missing).
"""

from __future__ import annotations

import contextlib
import os
import pwd
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

from rmmkit.lab.daemons import free_port, stop_daemon

PG_BIN = Path(os.environ.get("RMMKIT_PG_BIN", "/usr/lib/postgresql/15/bin"))
PG_USER = "rmmkit-pg"
DB_SUPERUSER = "rmmkit"


def _run_as() -> str | None:
    """The OS user the server runs as: ``rmmkit-pg`` as root, ourselves otherwise."""
    if os.geteuid() != 0:
        return None
    try:
        pwd.getpwnam(PG_USER)
    except KeyError:
        subprocess.run(
            ["useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", PG_USER],
            check=False,
            capture_output=True,
        )
        pwd.getpwnam(PG_USER)  # raises if useradd failed for another reason than a race
    return PG_USER


class PgServer:
    def __init__(self) -> None:
        self.user = _run_as()
        self.root = Path(tempfile.mkdtemp(prefix="rmmkit-store-pg-"))
        self.data = self.root / "data"
        self.port = free_port()  # only names the socket file (.s.PGSQL.<port>)
        self.proc: subprocess.Popen[bytes] | None = None
        self._counter = 0
        if self.user:
            info = pwd.getpwnam(self.user)
            os.chown(self.root, info.pw_uid, info.pw_gid)
        self.root.chmod(0o755)

    def _pg(self, *args: str, **kwargs: object) -> subprocess.CompletedProcess[bytes]:
        return subprocess.run(
            [str(PG_BIN / args[0]), *args[1:]],
            user=self.user,
            check=True,
            capture_output=True,
            cwd=self.root,
            **kwargs,
        )  # type: ignore[call-overload]

    def start(self) -> None:
        self._pg(
            "initdb",
            "-D",
            str(self.data),
            "-U",
            DB_SUPERUSER,
            "--auth=trust",
            "-E",
            "UTF8",
            "--no-sync",
            "--no-instructions",
        )
        log = open(self.root / "server.log", "wb")  # noqa: SIM115 - kept open for the server
        self.proc = subprocess.Popen(
            [
                str(PG_BIN / "postgres"),
                "-D",
                str(self.data),
                "-k",
                str(self.root),
                "-p",
                str(self.port),
                "-c",
                "listen_addresses=",
                "-c",
                "fsync=off",
                "-c",
                "full_page_writes=off",
                "-c",
                "max_connections=200",
            ],
            user=self.user,
            stdout=log,
            stderr=subprocess.STDOUT,
            cwd=self.root,
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"postgres exited: {(self.root / 'server.log').read_text()}")
            ready = subprocess.run(
                [
                    str(PG_BIN / "pg_isready"),
                    "-h",
                    str(self.root),
                    "-p",
                    str(self.port),
                    "-U",
                    DB_SUPERUSER,
                    "-q",
                ],
                check=False,
            )
            if ready.returncode == 0:
                return
            time.sleep(0.1)
        raise RuntimeError("postgres did not become ready in 30 s")

    def url(self, database: str) -> str:
        return f"postgresql+psycopg://{DB_SUPERUSER}@/{database}?host={self.root}&port={self.port}"

    def new_database(self) -> str:
        """A fresh empty database; returns its URL."""
        import psycopg

        self._counter += 1
        name = f"t{os.getpid()}_{self._counter}"
        with psycopg.connect(
            host=str(self.root),
            port=self.port,
            user=DB_SUPERUSER,
            dbname="postgres",
            autocommit=True,
        ) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def stop(self) -> None:
        stop_daemon(self.proc, grace=20, first_signal=signal.SIGINT)  # SIGINT: "fast" shutdown
        shutil.rmtree(self.root, ignore_errors=True)


@contextlib.contextmanager
def running_server() -> Iterator[PgServer]:
    server = PgServer()
    try:
        server.start()
        yield server
    finally:
        server.stop()


def available() -> bool:
    """True, or the calling fixture fails with ``rmmkit lab doctor``'s lines.

    Not a skip: scripts/bootstrap.sh installs PostgreSQL 15, so a machine
    without it is a broken install, and a skipped backend would hide it.
    """
    from rmmkit.lab.fixtures import require

    require("postgresql")
    return True
