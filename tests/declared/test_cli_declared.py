"""The commands: validate, schema, inventory list|show (CliRunner, plus one real subprocess)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml
from click.testing import CliRunner

from rmmkit.cli.groups import cli
from rmmkit.cli.main import load_commands
from rmmkit.errors import UnknownReference

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE_INV = str(ROOT / "inventories" / "example.yml")
EXAMPLE_PB = str(ROOT / "playbooks" / "example.yml")
FIXTURE = str(Path(__file__).parent / "fixtures" / "inventory.yml")
BAD = Path(__file__).parent / "bad"


@pytest.fixture(scope="module")
def run() -> Any:
    load_commands()
    runner = CliRunner()
    return lambda *args: runner.invoke(cli, list(args))


def test_validate_good_files(run: Any) -> None:
    result = run("validate", EXAMPLE_INV, EXAMPLE_PB, FIXTURE)
    assert result.exit_code == 0, result.output
    assert result.output.count("ok: ") == 3


def test_validate_reports_every_bad_file_and_exits_3(run: Any) -> None:
    bad = [str(BAD / "inv-range-octet-300.yml"), str(BAD / "pb-task-unknown-action.yml")]
    result = run("validate", EXAMPLE_INV, *bad)
    assert result.exit_code == 3
    errors = result.stderr.strip().splitlines()
    assert len(errors) == 2 and all(e.startswith("rmmkit: error: ") for e in errors)
    assert "ok: " in result.output  # the good one is still reported


def test_validate_playbook_against_inventory_option(run: Any, tmp_path: Path) -> None:
    pb = tmp_path / "pb.yml"
    pb.write_text("name: x\ntargets: {sites: [hq]}\ntasks: [{name: a, action: noop}]\n")
    assert run("validate", str(pb)).exit_code == 0
    assert run("validate", "-i", FIXTURE, str(pb)).exit_code == 0
    result = run("validate", "-i", EXAMPLE_INV, str(pb))
    assert result.exit_code == 3 and "unknown site 'hq'" in result.stderr


def test_validate_extra_vars(run: Any, tmp_path: Path) -> None:
    pb = tmp_path / "pb.yml"
    pb.write_text('name: x\ntargets: {sites: ["{{ s }}"]}\ntasks: [{name: a, action: noop}]\n')
    assert run("validate", str(pb)).exit_code == 3
    assert run("validate", "-e", "s=hq", "-i", FIXTURE, str(pb)).exit_code == 0


def test_schema_is_valid_and_accepts_the_examples(run: Any) -> None:
    result = run("schema")
    assert result.exit_code == 0
    schemas = json.loads(result.stdout)
    for kind, path in (("inventory", EXAMPLE_INV), ("playbook", EXAMPLE_PB)):
        jsonschema.Draft202012Validator.check_schema(schemas[kind])
        document = yaml.safe_load(Path(path).read_text())
        errors = list(jsonschema.Draft202012Validator(schemas[kind]).iter_errors(document))
        assert errors == []
    task = schemas["playbook"]["$defs"]["task"]
    assert "noop" in task["properties"]["action"]["enum"]
    noop = next(b for b in task["allOf"] if b["if"]["properties"]["action"]["const"] == "noop")
    assert noop["then"]["properties"]["args"]["properties"]["changed"] == {"type": "boolean"}
    policy = schemas["inventory"]["$defs"]["policy"]
    assert any(b["if"]["properties"]["type"]["const"] == "remote_access" for b in policy["allOf"])


def test_merged_schema_rejects_what_the_loader_rejects(run: Any) -> None:
    schema = json.loads(run("schema", "playbook").stdout)
    bad = yaml.safe_load((BAD / "pb-task-unknown-arg.yml").read_text())
    assert list(jsonschema.Draft202012Validator(schema).iter_errors(bad))


def test_inventory_list_json(run: Any) -> None:
    result = run("inventory", "list", "-i", FIXTURE, "--format", "json")
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    sites = {s["site"]: s for s in data["sites"]}
    assert sites["hq"]["addresses"] == 50 - 1 + 16  # .1-.50 minus .13, plus a /28
    assert sites["branch"]["packages"] == ["baseline", "extras"]
    assert {h["host"] for h in data["hosts"]} == {"hq-fw", "hq-dc", "branch-sw"}


def test_inventory_list_table(run: Any) -> None:
    result = run("inventory", "list", "-i", EXAMPLE_INV)
    assert result.exit_code == 0
    assert "lab-loopback" in result.output and "127.0.0.1-127.0.0.8" in result.output


def test_inventory_show_origins(run: Any) -> None:
    result = run("inventory", "show", "branch-sw", "-i", FIXTURE, "--format", "json")
    assert result.exit_code == 0
    rows = {r["key"]: r for r in json.loads(result.stdout)["effective"]}
    assert rows["vars.level"]["value"] == "group"
    assert rows["vars.level"]["origin"].startswith("group:network")
    assert rows["packages.extras"]["origin"].startswith("assigned to site:branch")
    assert rows["blocked.remote-access"]["value"] == "blocked"
    assert rows["credentials[1]"]["value"].startswith("branch-ssh (ssh_key, user rmm")
    table = run("inventory", "show", "10.10.0.40", "-i", FIXTURE)
    assert table.exit_code == 0 and "as a discovered device" in table.output
    assert "vault:hq-admin" in table.output  # the source is shown, never a value


def test_inventory_show_unknown_host(run: Any) -> None:
    result = run("inventory", "show", "10.99.0.1", "-i", FIXTURE)
    # CliRunner bypasses main(), which maps RmmkitError to its exit code
    assert isinstance(result.exception, UnknownReference)
    assert result.exception.exit_code == 3 and "neither a declared host" in str(result.exception)


def test_real_cli_subprocess_one_line_no_traceback() -> None:
    env = {**os.environ, "RMMKIT_NO_PLUGIN_COMMANDS": "1"}
    bad = str(BAD / "inv-cred-literal-password.yml")
    proc = subprocess.run(
        [sys.executable, "-m", "rmmkit.cli.main", "validate", bad],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert proc.returncode == 3
    assert proc.stdout == "" and len(proc.stderr.strip().splitlines()) == 1
    assert "Traceback" not in proc.stderr and "hunter2" not in proc.stderr
    assert f"{bad}:7:5:" in proc.stderr


def test_validate_a_directory(run: Any, tmp_path: Path) -> None:
    (tmp_path / "inventories").mkdir()
    (tmp_path / "playbooks" / "nested").mkdir(parents=True)
    shutil.copy(EXAMPLE_INV, tmp_path / "inventories" / "example.yml")
    shutil.copy(EXAMPLE_PB, tmp_path / "playbooks" / "nested" / "example.yaml")
    (tmp_path / "playbooks" / "notes.txt").write_text("not yaml: ignored")
    good = run("validate", str(tmp_path / "inventories"), str(tmp_path / "playbooks"))
    assert good.exit_code == 3  # the copied playbook's relative inventory path is now wrong
    assert "nested/example.yaml" in good.stderr and "not found" in good.stderr
    shutil.copy(EXAMPLE_PB, tmp_path / "playbooks" / "example.yml")
    (tmp_path / "playbooks" / "nested" / "example.yaml").unlink()
    good = run("validate", str(tmp_path / "inventories"), str(tmp_path / "playbooks"))
    assert good.exit_code == 0 and good.stdout.count("ok: ") == 2
    bad = run("validate", "-q", str(BAD))
    assert bad.exit_code == 3 and bad.stdout == ""
    assert len(bad.stderr.splitlines()) == len(list(BAD.glob("*.yml")))
