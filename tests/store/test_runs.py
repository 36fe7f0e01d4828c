"""Runs and task results: idempotent writes, thread safety, secrets masked, resume."""

from __future__ import annotations

import json
import threading

import pytest
import sqlalchemy as sa

from rmmkit.errors import StoreError
from rmmkit.results import Status, TaskResult
from rmmkit.secrets import Secret
from rmmkit.store import Store
from rmmkit.store.tables import task_results


def result(host: str, task: str = "t1", started: float = 100.0, **kw: object) -> TaskResult:
    return TaskResult(
        host=host,
        task=task,
        action="noop",
        status=kw.pop("status", Status.OK),
        started=started,
        ended=started + 1.5,
        **kw,
    )  # type: ignore[arg-type]


def test_run_lifecycle(store: Store) -> None:
    run_id = store.begin_run("playbooks/scan.yml", ["acme", "beta"], True, 2)
    assert store.run(run_id)["status"] == "running"
    store.record_task_result(
        run_id, result("h1", status=Status.CHANGED, msg="did it", causes=("Firewall is ON.",))
    )
    store.record_task_result(run_id, result("h2", status=Status.FAILED))
    store.finish_run(run_id, "failed", {"changed": 1, "failed": 1})
    run = store.run(run_id)
    assert run["status"] == "failed"
    assert run["check"] is True
    assert run["sites"] == ["acme", "beta"]
    assert run["counts"] == {"changed": 1, "failed": 1}
    assert run["ended"] >= run["started"]
    rows = store.task_results(run_id)
    assert [(r["host"], r["status"]) for r in rows] == [("h1", "changed"), ("h2", "failed")]
    assert rows[0]["causes"] == ["Firewall is ON."]
    assert rows[0]["ended"] - rows[0]["started"] == pytest.approx(1.5)
    assert [r["run_id"] for r in store.runs()] == [run_id]
    assert store.interrupted_runs() == []


def test_finish_unknown_run_is_a_store_error(store: Store) -> None:
    with pytest.raises(StoreError, match="no run"):
        store.finish_run("nope", "ok", {})


def test_retried_result_is_not_duplicated(store: Store) -> None:
    run_id = store.begin_run("p.yml", ["acme"], False, 1)
    first = result("h1", status=Status.FAILED, msg="timeout")
    store.record_task_result(run_id, first)
    store.record_task_result(run_id, first)
    retried = result("h1", status=Status.OK, msg="second try")  # same task, same start
    store.record_task_result(run_id, retried)
    rows = store.task_results(run_id)
    assert len(rows) == 1
    assert (rows[0]["status"], rows[0]["msg"]) == ("ok", "second try")
    # the same task started again later is a new row
    store.record_task_result(run_id, result("h1", started=200.0))
    assert len(store.task_results(run_id)) == 2


def test_secret_in_task_data_is_stored_masked(store: Store) -> None:
    run_id = store.begin_run("p.yml", ["acme"], False, 1)
    store.record_task_result(
        run_id,
        result(
            "h1",
            data={
                "user": "admin",
                "password": Secret("hunter2-very-secret"),
                "nested": [{"token": Secret(b"tok-bytes-secret")}],
            },
        ),
    )
    assert store.task_results(run_id)[0]["data"] == {
        "user": "admin",
        "password": "***",
        "nested": [{"token": "***"}],
    }
    with store.engine.connect() as conn:  # and the raw column text never held it
        raw = conn.execute(sa.select(sa.cast(task_results.c.data, sa.Text))).scalar_one()
    assert "hunter2" not in raw and "tok-bytes" not in raw
    assert json.loads(raw)["password"] == "***"


def test_many_threads_record_every_result_once(store: Store) -> None:
    run_id = store.begin_run("p.yml", ["acme"], False, 400)
    errors: list[BaseException] = []

    def worker(n: int) -> None:
        try:
            for i in range(50):
                store.record_task_result(run_id, result(f"h{n:02d}-{i:03d}", started=float(i)))
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    hosts = [r["host"] for r in store.task_results(run_id)]
    assert len(hosts) == 400 == len(set(hosts))


def test_a_bad_result_fails_only_its_caller(store: Store) -> None:
    run_id = store.begin_run("p.yml", ["acme"], False, 1)
    with pytest.raises(StoreError):
        store.record_task_result("no-such-run", result("h1"))  # foreign key refuses
    store.record_task_result(run_id, result("h2"))
    assert [r["host"] for r in store.task_results(run_id)] == ["h2"]


def test_resume_returns_done_tasks_and_adds_no_duplicates(store: Store) -> None:
    run_id = store.begin_run("p.yml", ["acme"], False, 3)
    done = [result("h1"), result("h2")]
    store.record_task_results(run_id, done)
    with pytest.raises(StoreError, match="only an interrupted run"):
        store.resume_run(run_id)
    with store.engine.begin() as conn:  # what the reaper does to a dead owner's run
        conn.execute(sa.text("UPDATE runs SET status='interrupted'"))
    assert store.resume_run(run_id) == {("h1", "t1"), ("h2", "t1")}
    assert store.run(run_id)["status"] == "running"
    store.record_task_results(run_id, [*done, result("h3")])  # resend everything
    assert sorted(r["host"] for r in store.task_results(run_id)) == ["h1", "h2", "h3"]
