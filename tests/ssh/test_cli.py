"""``rmmkit report scan-history`` and the deploy confirmation, over a real SQLite store."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from rmmkit.cli.main import load_commands
from rmmkit.store import open_store

DAY = 86400.0
T0 = 1_780_000_000.0  # 2026-05-28


@pytest.fixture
def db(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'store.db'}"
    store = open_store(url)
    events = [
        ("hq", "ws1", "10.1.0.5", None, "3.2.0", "installed", None, [], T0),
        (
            "hq",
            "ws2",
            "10.1.0.9",
            "2.9.1",
            "3.2.0",
            "failed",
            "Sudo refused: ws2: no",
            ["the user is not allowed to use sudo"],
            T0 + DAY,
        ),
        ("branch", "mac1", "10.2.0.7", "3.2.0", None, "uninstalled", None, [], T0 + 2 * DAY),
    ]
    for site, host, ip, old, new, result, error, causes, started in events:
        store.add_deployment_event(
            {
                "run_id": "r1",
                "site": site,
                "host": host,
                "ip": ip,
                "agent": "rmmagent",
                "from_version": old,
                "to_version": new,
                "method": "ssh",
                "started": started,
                "ended": started + 5,
                "result": result,
                "error": error,
                "causes": causes,
            }
        )
    store.close()
    return url


def invoke(*args: str, input: str | None = None) -> object:
    return CliRunner().invoke(load_commands(), list(args), input=input)


def hosts_of(output: str) -> list[str]:
    return [row["host"] for row in json.loads(output)]


def test_scan_history_filters(db: str) -> None:
    base = ["report", "scan-history", "--db", db, "--format", "json"]
    assert hosts_of(invoke(*base).output) == ["ws1", "ws2", "mac1"]  # oldest first
    assert hosts_of(invoke(*base, "--site", "hq").output) == ["ws1", "ws2"]
    assert hosts_of(invoke(*base, "--host", "mac1").output) == ["mac1"]
    assert hosts_of(invoke(*base, "--ip-range", "10.1.0.6-10.1.0.20").output) == ["ws2"]
    assert hosts_of(invoke(*base, "--ip-range", "10.2.0.0/24").output) == ["mac1"]
    since = "2026-05-29T00:00:00+00:00"
    until = "2026-05-30T00:00:00+00:00"
    assert hosts_of(invoke(*base, "--since", since, "--until", until).output) == ["ws2"]
    row = json.loads(invoke(*base, "--host", "ws2").output)[0]
    assert row["change"] == "2.9.1 → 3.2.0" and row["causes"] == [
        "the user is not allowed to use sudo"
    ]


def test_scan_history_table_and_csv(db: str) -> None:
    table = invoke("report", "scan-history", "--db", db).output
    assert "Sudo refused" in table and "- → 3.2.0" in table and "3.2.0 → -" in table
    out = invoke("report", "scan-history", "--db", db, "--format", "csv").output
    rows = list(csv.DictReader(io.StringIO(out)))
    assert [r["Result"] for r in rows] == ["installed", "failed", "uninstalled"]
    assert rows[1]["Likely causes"] == "the user is not allowed to use sudo"
    empty = invoke("report", "scan-history", "--db", db, "--site", "nowhere").output
    assert empty.strip() == "no deployment events"


def test_scan_history_bad_input_is_one_line(db: str) -> None:
    from rmmkit.cli.main import main

    for bad in (["--since", "yesterday"], ["--ip-range", "10.1.0.300/8"]):
        with pytest.raises(SystemExit) as code:
            main(["report", "scan-history", "--db", db, *bad])
        assert code.value.code == 3


def test_deploy_asks_before_changing_anything(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import rmmkit.cli.agents as agents_cli

    inventory = tmp_path / "inventory.yml"
    inventory.write_text(
        """\
agents:
  - name: rmmagent
    version: "1.0"
    installers: [{os: linux, path: a.sh, sha256: "%s"}]
    commands:
      install: sh {{ installer }}
    detect: {file: /opt/a}
sites:
  - {name: s, ranges: [127.0.0.2-127.0.0.4]}
hosts:
  - {name: a, address: 127.0.0.2}
  - {name: b, address: 127.0.0.3}
  - {name: c, address: 127.0.0.4}
"""
        % ("0" * 64)
    )
    monkeypatch.setattr(agents_cli, "interactive", lambda: True)
    db = f"sqlite:///{tmp_path / 'store.db'}"
    result = invoke("agents", "deploy", "-i", str(inventory), "--db", db, input="n\n")
    assert "3 machine(s) selected for agent installation. Do you want to continue?" in (
        result.output
    )
    assert result.exit_code != 0
    store = open_store(db)
    try:
        assert store.runs() == [] and store.deployment_events() == []  # nothing started
    finally:
        store.close()
    limited = invoke("agents", "deploy", "-i", str(inventory), "--db", db, "-l", "a", input="n\n")
    assert "1 machine(s) selected" in limited.output
