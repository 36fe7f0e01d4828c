"""Plugins: the installed example package, RMMKIT_DISABLE_PLUGINS, duplicate names, hook order."""

from __future__ import annotations

import importlib.metadata
import json
from pathlib import Path
from typing import Any

import pytest

from rmmkit.errors import PluginError
from rmmkit.plugin.manager import load_plugins
from rmmkit.plugin.spec import hookimpl
from rmmkit.results import Status

from .test_cli_run import INVENTORY, rmmkit

EXAMPLE_PLAYBOOK = """\
name: greet
targets:
  hosts: [web1, br1]
tasks:
  - name: greet
    action: example_hello
    args: {greeting: hey, refuse: [br1]}
outputs:
  - type: table
  - type: example_summary
    prefix: SUMMARY
"""


@pytest.fixture(scope="module", autouse=True)
def example_installed() -> None:
    try:
        importlib.metadata.distribution("rmmkit-example")
    except importlib.metadata.PackageNotFoundError:
        pytest.fail(
            "the example plugin is not installed: run scripts/bootstrap.sh "
            "(pip install -e plugins/rmmkit-example)"
        )


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "inv.yml").write_text(INVENTORY)
    (tmp_path / "greet.yml").write_text(EXAMPLE_PLAYBOOK)
    return tmp_path


def test_plugins_list_shows_the_example_with_its_version(project):
    proc = rmmkit(project, "plugins", "list", "--json")
    assert proc.returncode == 0, proc.stderr
    rows = {(r["name"], r["kind"]): r for r in json.loads(proc.stdout)}
    version = importlib.metadata.version("rmmkit-example")
    assert rows[("example_hello", "action")]["version"] == f"rmmkit-example {version}"
    assert rows[("example_summary", "output")]["plugin"] == "example"
    assert rows[("noop", "action")]["plugin"] == "rmmkit.actions.builtin"
    table = rmmkit(project, "plugins", "list", "--kind", "transport")
    assert "mock" in table.stdout and "example_hello" not in table.stdout


def test_example_action_output_and_explanations_through_rmmkit_run(project):
    proc = rmmkit(project, "run", "greet.yml", "-i", "inv.yml", "--no-store")
    assert proc.returncode == 2, proc.stderr
    assert "SUMMARY: hosts=2 ok=0 changed=1 failed=1" in proc.stdout
    assert "br1  [greet]  failed: br1 refused the greeting" in proc.stdout
    assert "likely cause: the host is listed in the action's 'refuse' argument" in proc.stdout


def test_disabled_plugin_is_not_loaded(project):
    listed = rmmkit(project, "plugins", "list", env={"RMMKIT_DISABLE_PLUGINS": "example"})
    assert listed.returncode == 0 and "example_hello" not in listed.stdout
    proc = rmmkit(
        project,
        "run",
        "greet.yml",
        "-i",
        "inv.yml",
        "--no-store",
        env={"RMMKIT_DISABLE_PLUGINS": "example"},
    )
    assert proc.returncode == 3
    assert "example_hello" in proc.stderr and "Traceback" not in proc.stderr


class Duplicate:
    @hookimpl
    def rmmkit_register_actions(self, register: Any) -> None:
        register("noop", object)


def test_duplicate_names_are_rejected_naming_both_plugins():
    with pytest.raises(
        PluginError, match=r"action 'noop' is registered twice: by rmmkit\.actions\.builtin"
    ):
        load_plugins(extra=[Duplicate()], entry_points=False)


def test_lifecycle_hooks_see_every_result(run_playbook, rmmkit_session):
    seen: dict[str, Any] = {"results": []}

    class Listener:
        @hookimpl
        def rmmkit_run_start(self, run_id, playbook, hosts, check):
            seen["start"] = (run_id, hosts, check)

        @hookimpl
        def rmmkit_task_result(self, result):
            seen["results"].append((result.host, result.task, result.status))

        @hookimpl
        def rmmkit_run_finish(self, result):
            seen["finish"] = result

    rmmkit_session.plugins.pm.register(Listener())
    result = run_playbook(
        {"tasks": [{"name": "a", "action": "noop"}, {"name": "b", "action": "fail"}]},
        hosts=["x", "y"],
    )
    assert seen["start"] == (result.run_id, ["x", "y"], False)
    assert sorted(seen["results"]) == [
        ("x", "a", Status.OK),
        ("x", "b", Status.FAILED),
        ("y", "a", Status.OK),
        ("y", "b", Status.FAILED),
    ]
    assert seen["finish"] is result


def test_select_transport_hook_overrides_the_action_default(run_playbook, mock_transport):
    # rmmkit.testing routes every transport-using action to "mock"; "connect" defaults to "local".
    result = run_playbook({"tasks": [{"name": "c", "action": "connect"}]}, hosts=["x"])
    assert result.hosts["x"].results[0].status is Status.OK
    assert [c.op for c in mock_transport.calls] == ["open", "close"]
