"""``rmmkit run`` end to end: real CLI process, real SQLite store, mock transport via host vars."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

INVENTORY = """\
sites:
  - name: hq
    ranges: [127.0.0.0/28]
  - name: branch
    ranges: [127.0.1.0/28]
hosts:
  - name: web1
    address: 127.0.0.2
    site: hq
    vars: {rmmkit_transport: mock}
  - name: web2
    address: 127.0.0.3
    site: hq
    vars: {rmmkit_transport: mock, mock_unreachable: true}
  - name: br1
    address: 127.0.1.2
    site: branch
    vars: {rmmkit_transport: mock}
"""

PLAYBOOK = """\
name: smoke
targets:
  sites: [hq, branch]
tasks:
  - name: connect
    action: connect
  - name: hello
    action: debug
    args: {msg: "hi {{ inventory_hostname }} from {{ who | default('nobody') }}"}
  - name: tagged
    action: noop
    tags: [extra]
"""


RUN_PB = ("run", "pb.yml", "-i", "inv.yml")  # the project's playbook on its inventory


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "inv.yml").write_text(INVENTORY)
    (tmp_path / "pb.yml").write_text(PLAYBOOK)
    return tmp_path


def rmmkit(
    project: Path, *args: str, env: dict[str, str] | None = None, timeout: float = 60
) -> subprocess.CompletedProcess[str]:
    full_env = {**os.environ, "RMMKIT_NO_PLUGIN_COMMANDS": "1", **(env or {})}
    full_env.pop("RMMKIT_DB", None)
    return subprocess.run(
        [sys.executable, "-m", "rmmkit.cli.main", *args],
        cwd=project,
        env=full_env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def store_of(project: Path):
    from rmmkit.store import open_store

    return open_store(None, project_dir=project)


def test_run_records_results_and_exits_2_when_a_host_is_unreachable(project):
    proc = rmmkit(project, *RUN_PB, "-e", "who=ops")
    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stderr
    out = proc.stdout
    assert "web2  [connect]  unreachable" in out
    assert "likely cause: a firewall drops the connection" in out
    assert "web1  [hello]  ok: hi web1 from ops" in out
    with store_of(project) as store:
        run = store.runs()[0]
        assert run["status"] == "failed"
        rows = store.task_results(run["run_id"])
    by_host = {}
    for row in rows:
        by_host.setdefault(row["host"], []).append(row["status"])
    assert sorted(by_host["web1"]) == ["ok", "ok", "ok"]
    assert sorted(by_host["web2"]) == ["skipped", "skipped", "unreachable"]


def test_limit_tags_check_and_jsonl_file(project):
    (project / "only.txt").write_text("# hosts to visit\nweb1\n")
    proc = rmmkit(
        project,
        *RUN_PB,
        "--limit",
        "@only.txt",
        "--skip-tags",
        "extra",
        "--check",
        "--no-store",
        "-o",
        "table",
        "-o",
        "jsonl",
        "--output-file",
        "events.jsonl",
    )
    assert proc.returncode == 0, proc.stderr
    records = [json.loads(line) for line in (project / "events.jsonl").read_text().splitlines()]
    assert records[0]["event"] == "run_start" and records[0]["check"] is True
    assert records[0]["hosts"] == ["web1"]
    tasks = [(r["host"], r["task"]) for r in records if r["event"] == "task_result"]
    assert tasks == [("web1", "connect"), ("web1", "hello")]
    assert "web1" in proc.stdout and "web2" not in proc.stdout  # the table went to stdout


def test_extra_vars_file_and_json_output(project):
    (project / "vars.yml").write_text("who: file-vars\n")
    proc = rmmkit(project, *RUN_PB, "-e", "@vars.yml", "-l", "br*", "-o", "json", "--no-store")
    assert proc.returncode == 0, proc.stderr
    doc = json.loads(proc.stdout)
    assert list(doc["hosts"]) == ["br1"]
    assert doc["hosts"]["br1"]["results"][1]["msg"] == "hi br1 from file-vars"


@pytest.mark.parametrize(
    "args",
    [
        ["-e", "novalue"],
        ["-o", "nosuchoutput"],
        ["--forks", "0"],
        ["-l", "@missing.txt"],
        ["-e", "@missing.yml"],
    ],
)
def test_bad_options_exit_3_with_one_line(project, args):
    proc = rmmkit(project, *RUN_PB, "--no-store", *args)
    assert proc.returncode == 3, proc.stdout + proc.stderr
    assert "Traceback" not in proc.stderr
    assert proc.stderr.strip(), "no error message"


def test_locked_site_is_refused_naming_the_holder(project):
    with store_of(project) as store, store.site_lock(["hq"], "nightly scan by alice"):
        started = time.monotonic()
        proc = rmmkit(project, *RUN_PB)
        took = time.monotonic() - started
    assert proc.returncode == 4, proc.stderr
    assert "hq" in proc.stderr and "locked" in proc.stderr
    assert took < 10


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_signal_stops_cleanly_and_marks_run_interrupted(project, signum):
    inv = INVENTORY + "".join(
        f"  - name: slow{i}\n    address: 127.0.0.{5 + i}\n    site: hq\n"
        f"    vars: {{rmmkit_transport: mock, mock_latency: 0.4}}\n"
        for i in range(8)
    )
    (project / "inv.yml").write_text(inv)
    env = {**os.environ, "RMMKIT_NO_PLUGIN_COMMANDS": "1"}
    env.pop("RMMKIT_DB", None)
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "rmmkit.cli.main",
            *RUN_PB,
            "--forks",
            "2",
            "-o",
            "jsonl",
        ],
        cwd=project,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        first = proc.stdout.readline()  # run_start: the run is under way
        assert json.loads(first)["event"] == "run_start"
        time.sleep(0.3)
        proc.send_signal(signum)
        out, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 130, err
    assert "interrupted" in err and "Traceback" not in err
    last = json.loads(out.splitlines()[-1])
    assert last["event"] == "run_finish" and last["status"] == "interrupted"
    with store_of(project) as store:
        run = store.runs()[0]
    assert run["status"] == "interrupted"
    # Not every host ran: the interrupt stopped new hosts from starting.
    assert sum(run["counts"].values()) < 3 * 11


def test_completion_script_and_completion_protocol(project):
    script = rmmkit(project, "completion", "bash")
    assert script.returncode == 0 and "_RMMKIT_COMPLETE" in script.stdout

    def complete(words: str, cword: int) -> list[str]:
        env = {"_RMMKIT_COMPLETE": "bash_complete", "COMP_WORDS": words, "COMP_CWORD": str(cword)}
        proc = subprocess.run(
            ["rmmkit"],
            env={**os.environ, **env},
            capture_output=True,
            text=True,
            timeout=60,
            cwd=project,
        )
        return proc.stdout.splitlines()

    assert "plain,run" in complete("rmmkit ru", 1)
    # Output names come from the registered output plugins.
    assert {"plain,json", "plain,jsonl"} <= set(complete("rmmkit run pb.yml -o js", 4))


def test_extra_vars_file_keeps_clock_times_and_points_at_bad_lines(project):
    (project / "vars.yml").write_text("who: 14:30\n")  # YAML 1.1 would say 870
    args = (*RUN_PB, "-l", "br1", "-o", "json", "--no-store")
    proc = rmmkit(project, *args, "-e", "@vars.yml")
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["hosts"]["br1"]["results"][1]["msg"] == "hi br1 from 14:30"
    (project / "bad.yml").write_text("who: a\nwho: b\n")
    proc = rmmkit(project, *args, "-e", "@bad.yml")
    assert proc.returncode == 3
    assert "bad.yml:2:" in proc.stderr and "Traceback" not in proc.stderr
