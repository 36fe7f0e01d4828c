"""Short ids: a unique prefix (≥ 4 characters) names a run or a scan, on both backends.

The CLI tests go through ``rmmkit.cli.main.main`` (the real error wrapper):
an ambiguous or unknown prefix is one line on stderr and exit code 3.
"""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from rmmkit.cli.main import main
from rmmkit.errors import EXIT_INVALID_INPUT, InputError, UnknownReference
from rmmkit.results import Status, TaskResult
from rmmkit.store import Store


def hex_id(prefix: str) -> str:
    return (prefix + uuid.uuid4().hex)[:32]


def finished_run(store: Store, run_id: str, sites: tuple[str, ...] = ("hq",)) -> str:
    got = store.begin_run("pb.yml", list(sites), False, 1, run_id=run_id)
    store.finish_run(got, "ok", {"ok": 1})
    return got


def scan_with_id(store: Store, scan_id: str, site: str = "hq") -> str:
    """A finished scan whose id we chose (begin_scan draws a random one)."""
    drawn = store.begin_scan(site, ["127.0.0.0/29"], [])
    with store.engine.begin() as conn:
        conn.exec_driver_sql(f"UPDATE scans SET scan_id='{scan_id}' WHERE scan_id='{drawn}'")
    store.finish_scan(scan_id)
    return scan_id


def cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as stopped:
        main(list(args))
    out, err = capsys.readouterr()
    return int(stopped.value.code or 0), out, err


def test_a_unique_prefix_names_a_run(store: Store) -> None:
    one = finished_run(store, hex_id("ab12"))
    other = finished_run(store, hex_id("cd34"))
    assert store.resolve_run_id(one[:12]) == one
    assert store.resolve_run_id(one[:4]) == one
    assert store.resolve_run_id(other) == other
    assert store.resolve_run_id(f"  {other[:6]}\n") == other


def test_an_ambiguous_prefix_names_every_candidate(store: Store) -> None:
    first, second = finished_run(store, hex_id("beef0")), finished_run(store, hex_id("beef1"))
    with pytest.raises(InputError) as refused:
        store.resolve_run_id("beef")
    text = str(refused.value)
    assert "run id prefix 'beef' is ambiguous" in text and "\n" not in text
    assert first in text and second in text
    assert store.resolve_run_id("beef1") == second  # one more character decides


def test_too_short_unknown_and_wildcards_are_refused(store: Store) -> None:
    run_id = finished_run(store, hex_id("a1b2c3"))
    with pytest.raises(InputError, match="too short"):
        store.resolve_run_id("a1b")
    with pytest.raises(UnknownReference, match="no run 'ffff0000' in the store"):
        store.resolve_run_id("ffff0000")
    # LIKE wildcards in the input are literal: they match no hex id
    for pattern in ("a1b%", "a1_2", "%%%%", "____"):
        with pytest.raises(UnknownReference):
            store.resolve_run_id(pattern)
    # SQLite's LIKE ignores case, PostgreSQL's does not: both must refuse the same way
    with pytest.raises(UnknownReference):
        store.resolve_run_id(run_id[:8].upper())


def test_an_id_with_like_characters_matches_only_literally(store: Store) -> None:
    odd = finished_run(store, "run_50%_done")  # API callers may choose their own ids
    finished_run(store, "runX50Y_done")
    assert store.resolve_run_id("run_50%") == odd
    assert store.resolve_run_id("run_50%_done") == odd


def test_a_unique_prefix_names_a_scan(store: Store) -> None:
    one = scan_with_id(store, hex_id("5ca10"))
    other = scan_with_id(store, hex_id("5ca11"))
    assert store.resolve_scan_id(one[:5]) == one
    assert store.resolve_scan_id(other) == other
    with pytest.raises(InputError, match="scan id prefix '5ca' is too short"):
        store.resolve_scan_id("5ca")
    with pytest.raises(InputError, match="scan id prefix '5ca1' is ambiguous") as refused:
        store.resolve_scan_id("5ca1")
    assert one in str(refused.value) and other in str(refused.value)
    with pytest.raises(UnknownReference, match="no scan '5ca12' in the store"):
        store.resolve_scan_id("5ca12")


def test_runs_shows_one_run_by_prefix_and_refuses_an_ambiguous_one(
    store: Store, db_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    run_id = finished_run(store, hex_id("d00d0"))
    finished_run(store, hex_id("d00d1"))
    store.record_task_result(run_id, TaskResult("web1", "ping", "noop", Status.OK, "pong"))
    code, out, err = cli(capsys, "runs", run_id[:12], "--db", db_url)
    assert code == 0, err
    assert f"run {run_id} ok: pb.yml on hq" in out and "pong" in out and "web1" in out
    code, out, err = cli(capsys, "runs", "d00d", "--db", db_url)
    assert code == EXIT_INVALID_INPUT
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err
    assert "run id prefix 'd00d' is ambiguous" in err and run_id in err


def test_scan_diff_and_scan_details_take_prefixes(
    store: Store, db_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    older = scan_with_id(store, hex_id("0bad0"))
    store.add_scan_rows(older, [{"ip": "127.0.0.2", "machine_status": "online"}])
    newer = scan_with_id(store, hex_id("0bad1"))
    store.add_scan_rows(newer, [{"ip": "127.0.0.3", "machine_status": "online"}])
    code, out, err = cli(capsys, "scan", "diff", older[:6], newer[:6], "--db", db_url)
    assert code == 0, err
    assert f"scan {older} → {newer}: 1 new, 1 gone" in out
    code, out, err = cli(capsys, "scan", "diff", "0bad", newer[:6], "--db", db_url)
    assert code == EXIT_INVALID_INPUT and len(err.strip().splitlines()) == 1
    assert "scan id prefix '0bad' is ambiguous" in err and older in err and newer in err
    code, out, err = cli(
        capsys, "report", "scan-details", "--scan", newer[:8], "--format", "csv", "--db", db_url
    )
    assert code == 0, err
    assert "127.0.0.3" in out and "127.0.0.2" not in out
    code, out, err = cli(capsys, "report", "scan-details", "--scan", "0bad", "--db", db_url)
    assert code == EXIT_INVALID_INPUT and "ambiguous" in err and "Traceback" not in err
    code, out, err = cli(capsys, "report", "scan-details", "--scan", "feed", "--db", db_url)
    assert code == EXIT_INVALID_INPUT and "no scan 'feed' in the store" in err


INVENTORY = """\
sites:
  - name: hq
    ranges: [127.0.0.0/28]
hosts:
  - name: web1
    address: 127.0.0.2
    site: hq
    vars: {rmmkit_transport: mock}
"""
PLAYBOOK = """\
name: smoke
targets:
  sites: [hq]
tasks:
  - name: hello
    action: noop
"""


def test_run_resume_takes_the_prefix_runs_prints(
    store: Store, db_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "inv.yml").write_text(INVENTORY)
    (tmp_path / "pb.yml").write_text(PLAYBOOK)
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()
    dead = store.begin_run(str(tmp_path / "pb.yml"), ["hq"], False, 1, run_id=hex_id("ca7e0"))
    with store.engine.begin() as conn:  # as if a process that has since died had begun it
        conn.exec_driver_sql(
            f"UPDATE runs SET owner_pid={gone.pid}, owner_token="
            f"replace(owner_token, '/{os.getpid()}/', '/{gone.pid}/') WHERE run_id='{dead}'"
        )
    finished_run(store, hex_id("ca7e1"))  # shares the prefix 'ca7e'
    listed = cli(capsys, "runs", "--interrupted", "--db", db_url)[1]
    shown = next(line.split()[0] for line in listed.splitlines() if dead[:12] in line)
    assert shown == dead[:12]
    pb, inv = str(tmp_path / "pb.yml"), str(tmp_path / "inv.yml")
    code, _, err = cli(capsys, "run", pb, "-i", inv, "--db", db_url, "--resume", "ca7e", "-y")
    assert code == EXIT_INVALID_INPUT and "ambiguous" in err and len(err.strip().splitlines()) == 1
    code, out, err = cli(capsys, "run", pb, "-i", inv, "--db", db_url, "--resume", shown, "-y")
    assert f"RUN {dead} " in out  # the full id: the prefix was resolved before the run
    assert code == 0, err
    assert store.run(dead)["status"] == "ok"
    assert [r["task"] for r in store.task_results(dead)] == ["hello"]
