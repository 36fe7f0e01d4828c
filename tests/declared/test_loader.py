"""Loader: good files become the right models; plugin fragments and inventories are honoured."""

from __future__ import annotations

from pathlib import Path
from typing import Any, ClassVar

import pytest

from rmmkit.actions.base import Action
from rmmkit.declared.loader import detect_kind, load_file, load_inventory, load_playbook
from rmmkit.declared.models import Inventory, Playbook, SecretRef
from rmmkit.errors import InputError, SchemaViolation, TemplateError, UnknownReference
from rmmkit.plugin.manager import load_plugins
from rmmkit.plugin.spec import hookimpl

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = Path(__file__).parent / "fixtures"


def line_of(path: Path, text: str) -> int:
    """The 1-based line of the first occurrence of ``text`` (independent of the loader)."""
    for number, line in enumerate(path.read_text().splitlines(), 1):
        if text in line:
            return number
    raise AssertionError(f"{text!r} not in {path}")


@pytest.fixture(scope="module")
def plugins() -> Any:
    return load_plugins(entry_points=False)


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def test_bundled_example_inventory(plugins: Any) -> None:
    path = ROOT / "inventories" / "example.yml"
    inv = load_inventory(path, plugins)
    site = inv.sites["lab-loopback"]
    assert site.ranges == ("127.0.0.1-127.0.0.8",)
    assert inv.credentials["lab-admin"].secret == SecretRef("vault", "lab-admin")
    assert inv.credentials["lab-ssh"].secret == SecretRef("env", "RMMKIT_LAB_SSH_PASSPHRASE")
    policy = inv.policies["remote-access-standard"]
    assert (policy.category, policy.type) == ("devices", "remote_access")
    assert set(policy.settings) == {"require_consent", "auto_update", "show_tray_icon"}
    assert site.packages == ("remote-access",)
    assert inv.hosts["lab-gateway"].location.line == line_of(path, "name: lab-gateway")
    assert inv.hosts["lab-gateway"].site == ""  # not declared: resolution finds it by address


def test_bundled_example_playbook(plugins: Any) -> None:
    pb = load_playbook(ROOT / "playbooks" / "example.yml", plugins)
    assert pb.targets.sites == ("lab-loopback",)
    assert [t.action for t in pb.tasks] == ["discover", "noop", "noop"]
    assert pb.inventory == "../inventories/example.yml"  # as written, relative to the playbook
    assert pb.outputs[0].type == "table"


def test_fixture_inventory_models(plugins: Any) -> None:
    inv = load_inventory(FIXTURES / "inventory.yml", plugins)
    v3 = inv.credentials["hq-snmp"]
    assert v3.extra["priv_secret"] == SecretRef("env", "HQ_SNMP_PRIV")
    assert v3.extra["auth_protocol"] == "SHA256"
    assert inv.credentials["dc-kerberos"].extra["ccache"] == SecretRef("file", "/run/rmm/krb5cc")
    assert inv.default_packages == ("baseline", "remote-access")
    assert inv.sites["branch"].blocked_packages == ("remote-access",)
    assert inv.groups["network"].hosts == ("hq-fw", "branch-sw")  # membership declared on hosts
    assert inv.groups["servers"].hosts == ("hq-dc",)
    # policy-type defaults fill what a policy leaves out (auto_update defaults to true)
    assert inv.policies["silent"].settings == {
        "require_consent": False,
        "auto_update": True,
        "show_tray_icon": False,
    }
    assert inv.settings["max_range_size"] == 4096


def test_yaml_dates_and_clock_times_stay_text(tmp_path: Path, plugins: Any) -> None:
    path = write(
        tmp_path,
        "pb.yml",
        """
name: nightly
targets: {ranges: [127.0.0.1-127.0.0.4]}
vars: {since: 2026-01-05, at: 02:30, late: 14:30, runtime: 1:30:15.5, port: 8080, big: 1_000}
tasks: [{name: a, action: noop}]
""",
    )
    pb = load_playbook(path, plugins)
    # YAML 1.1 would read 14:30 as 870 and 1:30:15.5 as 5415.5; plain numbers stay numbers.
    assert pb.vars == {
        "since": "2026-01-05",
        "at": "02:30",
        "late": "14:30",
        "runtime": "1:30:15.5",
        "port": 8080,
        "big": 1000,
    }


def test_extra_vars_override_and_render_targets(tmp_path: Path, plugins: Any) -> None:
    path = write(
        tmp_path,
        "pb.yml",
        """
name: by-var
vars: {where: nowhere, net: 127.0.0.1-127.0.0.2}
targets: {sites: ["{{ where }}"], ranges: ["{{ net }}"]}
tasks: [{name: a, action: debug, args: {msg: "{{ greeting }}"}}]
""",
    )
    pb = load_playbook(path, plugins, {"where": "lab-loopback"})
    assert pb.targets.sites == ("lab-loopback",)
    assert pb.targets.ranges == ("127.0.0.1-127.0.0.2",)
    assert pb.vars["where"] == "lab-loopback"
    assert pb.tasks[0].args == {"msg": "{{ greeting }}"}  # task args render per host at run time


def test_templated_args_are_not_schema_checked_at_load(tmp_path: Path, plugins: Any) -> None:
    path = write(
        tmp_path,
        "pb.yml",
        """
name: t
targets: {ranges: [127.0.0.1]}
tasks: [{name: a, action: noop, args: {changed: "{{ flag }}"}}]
""",
    )
    assert load_playbook(path, plugins).tasks[0].args == {"changed": "{{ flag }}"}


def test_detect_kind_and_load_file(plugins: Any) -> None:
    assert detect_kind({"tasks": []}) == "playbook"
    assert detect_kind({"sites": []}) == "inventory"
    assert isinstance(load_file(ROOT / "playbooks" / "example.yml", plugins), Playbook)
    assert isinstance(load_file(FIXTURES / "inventory.yml", plugins), Inventory)
    with pytest.raises(SchemaViolation, match="this is a playbook"):
        load_inventory(ROOT / "playbooks" / "example.yml", plugins)


def test_missing_file_is_input_error(tmp_path: Path, plugins: Any) -> None:
    with pytest.raises(InputError, match="no such file"):
        load_inventory(tmp_path / "nope.yml", plugins)


def test_secret_value_never_in_error(tmp_path: Path, plugins: Any) -> None:
    path = write(
        tmp_path,
        "inv.yml",
        """
credentials:
  - {name: a, kind: password, user: u, secret: {source: env, key: X}, password: Hunter2-secret}
""",
    )
    with pytest.raises(SchemaViolation) as info:
        load_inventory(path, plugins)
    assert "Hunter2-secret" not in str(info.value)
    assert "secret source" in str(info.value)


class DeployLike(Action):
    """A test action whose args name an agent and a credential (like deploy_agent)."""

    name = "deploy_like"
    args_schema: ClassVar[dict[str, Any]] = {
        "type": "object",
        "properties": {
            "agent": {"type": "string"},
            "use": {"type": "string", "x-ref": "credential"},
        },
        "required": ["agent"],
        "additionalProperties": False,
    }


class TestPlugin:
    @hookimpl
    def rmmkit_register_actions(self, register: Any) -> None:
        register("deploy_like", DeployLike)

    @hookimpl
    def rmmkit_register_policy_types(self, register: Any) -> None:
        register(
            "backup/schedule",
            type(
                "Backup",
                (),
                {
                    "settings_schema": {
                        "type": "object",
                        "properties": {"keep_days": {"type": "integer", "minimum": 1}},
                        "required": ["keep_days"],
                        "additionalProperties": False,
                    }
                },
            ),
        )


@pytest.fixture(scope="module")
def extended() -> Any:
    return load_plugins(extra=[TestPlugin()], entry_points=False)


def playbook_with(tmp_path: Path, args: str) -> Path:
    return write(
        tmp_path,
        "pb.yml",
        f"""
inventory: {FIXTURES / "inventory.yml"}
name: deploy
targets: {{sites: [hq]}}
tasks:
  - name: deploy
    action: deploy_like
    args: {args}
""",
    )


def test_plugin_action_args_and_references(tmp_path: Path, extended: Any) -> None:
    ok = load_playbook(playbook_with(tmp_path, "{agent: rmm-agent, use: hq-admin}"), extended)
    assert ok.tasks[0].args == {"agent": "rmm-agent", "use": "hq-admin"}
    bad = playbook_with(tmp_path, "{agent: ghost-agent}")
    with pytest.raises(UnknownReference, match="unknown agent 'ghost-agent'") as info:
        load_playbook(bad, extended)
    assert info.value.location.line == line_of(bad, "ghost-agent")
    assert "rmm-agent" in str(info.value)  # the expected names are listed
    with pytest.raises(UnknownReference, match="unknown credential 'nobody'"):
        load_playbook(playbook_with(tmp_path, "{agent: rmm-agent, use: nobody}"), extended)
    with pytest.raises(SchemaViolation, match="missing required key 'agent'"):
        load_playbook(playbook_with(tmp_path, "{use: hq-admin}"), extended)
    with pytest.raises(UnknownReference, match="unknown action 'deploy_like'"):
        load_playbook(
            playbook_with(tmp_path, "{agent: rmm-agent}"), load_plugins(entry_points=False)
        )


def test_plugin_policy_type_settings(tmp_path: Path, extended: Any) -> None:
    policy = """
policies:
  - name: nightly
    category: backup
    type: schedule
    settings: {keep_days: %s}
"""
    inv = load_inventory(write(tmp_path, "inv.yml", policy % "7"), extended)
    assert inv.policies["nightly"].settings == {"keep_days": 7}
    bad = write(tmp_path, "inv.yml", policy % "0")
    with pytest.raises(SchemaViolation, match="out of range") as info:
        load_inventory(bad, extended)
    assert info.value.location.line == line_of(bad, "keep_days")


def test_playbook_inventory_cross_check_uses_given_inventory(tmp_path: Path, plugins: Any) -> None:
    inv = load_inventory(ROOT / "inventories" / "example.yml", plugins)
    path = write(
        tmp_path,
        "pb.yml",
        """
name: x
targets: {sites: [hq]}
tasks: [{name: a, action: noop}]
""",
    )
    load_playbook(path, plugins)  # no inventory: names cannot be checked yet
    with pytest.raises(UnknownReference, match="unknown site 'hq'"):
        load_playbook(path, plugins, inventory=inv)


def test_template_error_points_at_the_node(tmp_path: Path, plugins: Any) -> None:
    path = write(
        tmp_path,
        "pb.yml",
        "name: x\ntargets: {sites: [a]}\ntasks:\n  - name: a\n    action: noop\n    when: 'x =='\n",
    )
    with pytest.raises(TemplateError) as info:
        load_playbook(path, plugins)
    assert (info.value.location.line, info.value.location.column) == (6, 11)
