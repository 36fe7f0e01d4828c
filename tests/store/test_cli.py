"""``rmmkit db …`` and ``rmmkit runs`` through click, on both backends."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from click.testing import CliRunner

import rmmkit.cli.runs  # noqa: F401 - attaches the commands
from rmmkit.cli.groups import cli
from rmmkit.errors import LockedError
from rmmkit.store import Store, open_store
from rmmkit.store.engine import head_revision


def invoke(*args: str, url: str) -> str:
    result = CliRunner().invoke(cli, [*args, "--db", url], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


def test_db_current_then_upgrade_on_an_empty_database(db_url: str) -> None:
    assert "revision (empty)" in invoke("db", "current", url=db_url)
    assert f"at revision {head_revision()}" in invoke("db", "upgrade", url=db_url)
    assert "up to date" in invoke("db", "current", url=db_url)


def test_runs_lists_finished_and_interrupted(store: Store, db_url: str) -> None:
    assert "no runs recorded" in invoke("runs", url=db_url)
    done = store.begin_run("playbooks/deploy.yml", ["acme"], True, 2)
    store.finish_run(done, "ok", {"ok": 2, "failed": 0})
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()
    dead = store.begin_run("playbooks/scan.yml", ["beta"], False, 5)
    with store.engine.begin() as conn:  # as if a process that has since died had begun it
        conn.exec_driver_sql(
            f"UPDATE runs SET owner_pid={gone.pid}, owner_token="
            f"replace(owner_token, '/{os.getpid()}/', '/{gone.pid}/') "
            f"WHERE run_id='{dead}'"
        )
    table = invoke("runs", url=db_url)
    assert "playbooks/deploy.yml" in table and "ok (check)" in table and "ok=2" in table
    assert "interrupted" in table
    only = invoke("runs", "--interrupted", url=db_url)
    assert "playbooks/scan.yml" in only and "deploy.yml" not in only
    assert f"process {gone.pid} is gone" in only and "0 results on 0/5 hosts" in only
    listed = json.loads(invoke("runs", "--json", url=db_url))
    assert {r["run_id"]: r["status"] for r in listed} == {done: "ok", dead: "interrupted"}


def test_locks_and_unlock(store: Store, db_url: str) -> None:
    assert "no site is locked" in invoke("db", "locks", url=db_url)
    with store.site_lock(["acme"], "ops-run"):
        assert "ops-run" in invoke("db", "locks", url=db_url)
        with pytest.raises(LockedError, match="--force"):
            CliRunner().invoke(
                cli, ["db", "unlock", "acme", "--db", db_url], catch_exceptions=False
            )
        assert "released" in invoke("db", "unlock", "acme", "--force", url=db_url)
        assert "no site is locked" in invoke("db", "locks", url=db_url)


def test_env_var_selects_the_store(db_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RMMKIT_DB", db_url)
    with open_store() as store:
        store.begin_run("from-env.yml", ["x"], False, 1)
    result = CliRunner().invoke(cli, ["runs"], catch_exceptions=False)
    assert "from-env.yml" in result.output
