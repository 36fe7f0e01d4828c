"""The commands, run as a user runs them (a real process, real exit codes)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from .conftest import Project

NIGHTLY = {
    "frequency": "daily",
    "start": {"date": "2026-03-01", "time": "02:00", "timezone": "Europe/Berlin"},
    "estimated_duration": "1h",
}
BRANCH = {
    "frequency": "weekly",
    "days": ["mon", "thu"],
    "start": {"date": "2026-03-01", "time": "02:30", "timezone": "Europe/Berlin"},
    "recurrence": {"custom": ["02:30", "14:00"]},
    "estimated_duration": "30m",
}


def rmmkit(project: Project, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "rmmkit.cli.main", *args],
        cwd=project.root,
        capture_output=True,
        text=True,
        timeout=60,
        env={"PATH": "/usr/bin:/bin", "HOME": str(project.root), "RMMKIT_NO_PLUGIN_COMMANDS": "1"},
    )


def line_of(path: Path, text: str) -> int:
    return 1 + path.read_text().splitlines().index(text)


def test_check_lists_both_files_and_lines_and_exits_3(project: Project) -> None:
    a = project.playbook("hq", NIGHTLY, sites=["hq"])
    b = project.playbook("branch", BRANCH, sites=["branch"])
    project.playbook(
        "other", {**NIGHTLY, "start": {**NIGHTLY["start"], "time": "20:00"}}, sites=["hq"]
    )
    result = rmmkit(project, "schedule", "check", "--from", "2026-03-01T00:00")
    assert result.returncode == 3, result.stderr
    first = result.stdout.splitlines()[0]
    assert first.startswith(f"playbooks/branch.yml:{line_of(b, 'schedule:')}:")
    assert f"playbooks/hq.yml:{line_of(a, 'schedule:')}:" in first
    assert "10.20.0.200-10.20.0.255" in first  # the overlap of a /24 and a start-end range
    assert "# --- option 1" in result.stdout
    assert "1 conflicts" in result.stderr


def test_check_passes_without_conflicts(project: Project) -> None:
    project.playbook("hq", NIGHTLY, sites=["hq"])
    project.playbook("lab", NIGHTLY, sites=["lab"])  # same time, other addresses
    result = rmmkit(project, "schedule", "check")
    assert result.returncode == 0, result.stdout + result.stderr


def test_list_next_and_report(project: Project) -> None:
    project.playbook("hq", NIGHTLY, sites=["hq"])
    project.playbook("unscheduled", None, sites=["hq"])
    listed = rmmkit(project, "schedule", "list", "--from", "2026-03-10")
    assert listed.returncode == 0, listed.stderr
    assert "playbooks/hq.yml" in listed.stdout and "unscheduled" not in listed.stdout
    nxt = rmmkit(
        project, "schedule", "next", "--count", "2", "--from", "2026-03-28T12:00", "--json"
    )
    assert json.loads(nxt.stdout) == {
        "playbooks/hq.yml": ["2026-03-29T03:00:00+02:00", "2026-03-30T02:00:00+02:00"]
    }
    report = rmmkit(
        project, "report", "scan-config", "--site", "hq", "--json", "--from", "2026-03-10"
    )
    rows = json.loads(report.stdout)
    assert [(r["site"], r["ranges"], r["excludes"], r["credentials"]) for r in rows] == [
        ("hq", ["10.20.0.0/24"], ["10.20.0.7"], ["hq-admin"])
    ]
    assert "RMMKIT_TEST_UNUSED" not in report.stdout  # names only, never where a secret lives


def test_bad_schedule_is_one_line_with_file_line_and_exit_3(project: Project) -> None:
    path = project.playbook("bad", {**NIGHTLY, "recurrence": {"every": "90h"}}, sites=["hq"])
    result = rmmkit(project, "schedule", "list")
    assert result.returncode == 3
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr
    where = f"playbooks/{path.name}:{line_of(path, '  recurrence:') + 1}:"
    assert where in result.stderr


def test_export_needs_a_format_and_writes_units(project: Project, tmp_path: Path) -> None:
    project.playbook("hq", NIGHTLY, sites=["hq"])
    assert rmmkit(project, "schedule", "export").returncode == 3
    cron = rmmkit(project, "schedule", "export", "--cron")
    assert "CRON_TZ=Europe/Berlin" in cron.stdout and "0 2 * * *" in cron.stdout
    out = tmp_path / "units"
    units = rmmkit(project, "schedule", "export", "--systemd", "--dir", str(out))
    assert units.returncode == 0
    assert sorted(p.name for p in out.iterdir()) == [
        "rmmkit-playbooks-hq.service",
        "rmmkit-playbooks-hq.timer",
    ]


def test_scheduler_once_runs_what_is_due_and_only_once(project: Project) -> None:
    import datetime as dt

    from rmmkit.store import open_store

    every = {
        "frequency": "daily",
        "start": {"date": "2026-01-01", "time": "00:00"},
        "recurrence": {"every": "1m"},
    }
    project.playbook("every", every, sites=["lab"])
    project.playbook("other", NIGHTLY, sites=["hq"])
    db = f"sqlite:///{project.root / 'store.db'}"
    store = open_store(db, project.root)
    try:
        earlier = dt.datetime.now(dt.UTC).replace(second=0, microsecond=0) - dt.timedelta(minutes=2)
        assert store.claim_schedule_run("playbooks/every.yml", earlier)
        store.finish_schedule_run("playbooks/every.yml", earlier, "ok")
        args = ("scheduler", "run", "--once", "--only", "playbooks/every.yml", "--db", db)
        first = rmmkit(project, *args)
        assert first.returncode == 0, first.stderr
        after_first = store.schedule_runs()
        assert {r["schedule_id"] for r in after_first} == {"playbooks/every.yml"}  # --only
        assert len(after_first) == 2 and after_first[0]["status"] == "ok"
        assert after_first[0]["due_at"] > earlier
        second = rmmkit(
            project, *args
        )  # a trigger firing again: nothing new unless a minute passed
        assert second.returncode == 0
        after_second = store.schedule_runs()
        assert len(after_second) - len(after_first) <= 1
        assert all(
            r["due_at"] > after_first[0]["due_at"] for r in after_second[: len(after_second) - 2]
        )
    finally:
        store.close()
