"""The runner with a real store (SQLite file): results, interrupt, resume without duplicates."""

from __future__ import annotations

import pytest

from rmmkit.errors import LockedError
from rmmkit.run.options import RunOptions
from rmmkit.run.runner import Runner
from rmmkit.run.session import Session
from rmmkit.testing import build_playbook

from .helpers import hosts, stop_when_a_sleep_starts

PLAYBOOK = {
    "targets": {"sites": ["hq"]},
    "tasks": [
        {"name": "s1", "action": "t_sleep", "args": {"seconds": 0.2}},
        {"name": "s2", "action": "noop"},
    ],
}


@pytest.fixture(scope="module")
def pg_server():
    from store import store_pg  # the store area's throw-away PostgreSQL 15 (Unix socket only)

    if not store_pg.available():
        pytest.fail(
            f"PostgreSQL 15 binaries not found in {store_pg.PG_BIN}: run scripts/bootstrap.sh"
        )
    with store_pg.running_server() as server:
        yield server


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def session(request, rmmkit_plugins, tmp_path):
    url = None if request.param == "sqlite" else request.getfixturevalue("pg_server").new_database()
    with Session.create(
        plugins=rmmkit_plugins, project_dir=tmp_path, db_url=url, use_store=True
    ) as s:
        yield s


def test_results_of_a_parallel_run_are_all_stored(session):
    pb = build_playbook(
        {
            "targets": {"sites": ["hq"]},
            "tasks": [
                {"name": "a", "action": "noop"},
                {"name": "b", "action": "fail", "when": "inventory_hostname == 'h3'"},
            ],
        }
    )
    result = Runner(session, pb, hosts(40, site="hq"), RunOptions(forks=8)).run()
    stored = rows(session.store, result.run_id)
    expected = sorted(
        (r.host, r.task, r.status.value) for hr in result.hosts.values() for r in hr.results
    )
    assert stored == expected and len(stored) == 80
    run = session.store.run(result.run_id)
    assert run["status"] == "failed" and run["counts"] == result.counts()


def rows(store, run_id):
    return sorted((r["host"], r["task"], r["status"]) for r in store.task_results(run_id))


def test_interrupted_run_resumes_without_duplicates(session):
    pb = build_playbook(PLAYBOOK)
    first = Runner(session, pb, hosts(6, site="hq"), RunOptions(forks=2, watchdog_interval=0.05))
    stop_when_a_sleep_starts(first)  # not a timer: start-up time must not decide the outcome
    interrupted = first.run()
    assert interrupted.interrupted
    store = session.store
    assert store.run(interrupted.run_id)["status"] == "interrupted"
    before = rows(store, interrupted.run_id)
    # Hosts inside s1 when the stop came finish it (stored); their s2 is not stored.
    assert before and all(task == "s1" for _, task, _ in before) and len(before) <= 2
    second = Runner(
        session, pb, hosts(6, site="hq"), RunOptions(forks=2, resume=interrupted.run_id)
    ).run()
    assert second.run_id == interrupted.run_id and not second.interrupted
    after = rows(store, interrupted.run_id)
    pairs = [(h, t) for h, t, _ in after]
    assert len(pairs) == len(set(pairs)), "a (host, task) was recorded twice"
    # Tasks skipped by the interrupt were not stored, so the resume ran them.
    assert ("h0", "s2", "ok") in after and not any(s == "skipped" for _, _, s in after)
    assert {(f"h{i}", t) for i in range(6) for t in ("s1", "s2")} == set(pairs)
    assert store.run(interrupted.run_id)["status"] == "ok"


def test_second_run_on_a_locked_site_is_refused(session):
    pb = build_playbook(PLAYBOOK)
    with session.store.site_lock(["hq"], "someone else"), pytest.raises(LockedError, match="hq"):
        Runner(session, pb, hosts(1, site="hq")).run()


def test_resume_restores_facts_set_before_the_interrupt(session):
    """Facts set by tasks the interrupted run recorded are visible to the tasks a resume runs."""
    pb = build_playbook(
        {
            "targets": {"sites": ["hq"]},
            "tasks": [
                {
                    "name": "remember",
                    "action": "set_fact",
                    "args": {"greeting": "hello {{ inventory_hostname }}"},
                },
                {"name": "wait", "action": "t_sleep", "args": {"seconds": 0.3}},
                {"name": "show", "action": "debug", "args": {"var": "greeting"}},
            ],
        }
    )
    first = Runner(session, pb, hosts(2, site="hq"), RunOptions(forks=2, watchdog_interval=0.05))
    stop_when_a_sleep_starts(first)
    interrupted = first.run()
    assert interrupted.interrupted
    done = {(h, t) for h, t, _ in rows(session.store, interrupted.run_id)}
    remembered = {h for h, t in done if t == "remember"}
    assert remembered and not any(t == "show" for _, t in done)
    second = Runner(
        session, pb, hosts(2, site="hq"), RunOptions(forks=2, resume=interrupted.run_id)
    ).run()
    shown = {
        r.host: r.data.get("greeting")
        for hr in second.hosts.values()
        for r in hr.results
        if r.task == "show"
    }
    assert shown == {"h0": "hello h0", "h1": "hello h1"}
