"""Outputs: the recap table, the JSON document and the versioned JSONL event stream."""

from __future__ import annotations

import io
import json

from rmmkit.declared.models import OutputSpec


def failing_playbook():
    return {
        "tasks": [
            {"name": "ok", "action": "noop"},
            {
                "name": "maybe fail",
                "action": "fail",
                "args": {"msg": "disk full", "causes": ["the log partition is small"]},
                "when": "inventory_hostname == 'bad'",
            },
        ]
    }


def test_table_counts_per_host_and_lists_failures_with_causes(run_playbook):
    out = io.StringIO()
    run_playbook(
        failing_playbook(), hosts=["good", "bad"], outputs=[OutputSpec("table")], stdout=out
    )
    text = out.getvalue()
    rows: dict[str, list[str]] = {}
    for line in text.splitlines():  # the first line naming a host is its table row
        words = line.split()
        if words and words[0] in ("good", "bad"):
            rows.setdefault(words[0], words[1:])
    # columns: ok changed failed unreachable skipped
    assert rows["good"] == ["1", "0", "0", "0", "1"]
    assert rows["bad"] == ["1", "0", "1", "0", "0"]
    assert "bad  [maybe fail]  failed: disk full" in text
    assert "likely cause: the log partition is small" in text


def test_json_document_has_every_result(run_playbook):
    out = io.StringIO()
    result = run_playbook(
        failing_playbook(), hosts=["good", "bad"], outputs=[OutputSpec("json")], stdout=out
    )
    doc = json.loads(out.getvalue())
    assert doc["v"] == 1 and doc["run_id"] == result.run_id
    assert doc["hosts"]["bad"]["status"] == "failed"
    assert [r["status"] for r in doc["hosts"]["good"]["results"]] == ["ok", "skipped"]
    assert doc["counts"] == result.counts()


def test_jsonl_streams_versioned_events(run_playbook, tmp_path):
    target = tmp_path / "events.jsonl"
    result = run_playbook(
        failing_playbook(),
        hosts=["good", "bad"],
        outputs=[OutputSpec("jsonl", {"file": str(target)})],
    )
    records = [json.loads(line) for line in target.read_text().splitlines()]
    assert all(r["v"] == 1 and isinstance(r["ts"], float) for r in records)
    events = [r["event"] for r in records]
    assert events[0] == "run_start" and events[-1] == "run_finish"
    assert events.count("task_result") == 4
    assert records[0]["hosts"] == ["good", "bad"]
    failed = [r for r in records if r["event"] == "task_result" and r["status"] == "failed"]
    assert [(r["host"], r["task"], r["causes"]) for r in failed] == [
        ("bad", "maybe fail", ["the log partition is small"])
    ]
    assert records[-1]["status"] == "failed" and records[-1]["failed_hosts"] == ["bad"]
    assert records[-1]["counts"] == result.counts()
    assert {r["run_id"] for r in records} == {result.run_id}
