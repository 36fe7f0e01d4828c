"""Classification rules are data: plugins extend them, bad files fail with file:line."""

from __future__ import annotations

import pytest

from rmmkit.errors import InputError
from rmmkit.plugin.manager import load_plugins
from rmmkit.plugin.spec import hookimpl
from rmmkit.snmp.classify import Identity, load_ruleset, ruleset_from_plugins


def ident(**kw):
    mibs = set(kw.pop("mibs", ()))
    return Identity(**kw, mibs=mibs)


def test_mib_presence_beats_the_linux_sysobjectid():
    rules = load_ruleset()
    box = ident(
        sys_object_id="1.3.6.1.4.1.8072.3.2.10", sys_descr="Linux ups 2.6", mibs={"ups_mib"}
    )
    assert rules.classify(box).name == "ups"
    assert rules.classify(ident(sys_object_id="1.3.6.1.4.1.8072.3.2.10")).name == "linux"


def test_router_by_behaviour_needs_forwarding_and_layer3():
    rules = load_ruleset()
    assert (
        rules.classify(
            ident(sys_object_id="1.3.6.1.4.1.99999", ip_forwarding=1, sys_services=4)
        ).kind
        == "router"
    )
    assert (
        rules.classify(
            ident(sys_object_id="1.3.6.1.4.1.99999", ip_forwarding=2, sys_services=4)
        ).kind
        == "snmp"
    )
    assert (
        rules.classify(
            ident(sys_object_id="1.3.6.1.4.1.99999", ip_forwarding=1, sys_services=2)
        ).kind
        == "snmp"
    )


def test_cisco_asa_by_sysdescr():
    rules = load_ruleset()
    asa = ident(
        sys_object_id="1.3.6.1.4.1.9.1.9999",
        sys_descr="Cisco Adaptive Security Appliance Version 9.8",
    )
    assert rules.classify(asa).name == "firewall"
    assert rules.manufacturer(asa) == "Cisco"


class _Plugin:
    def __init__(self, answer):
        self.answer = answer

    @hookimpl
    def rmmkit_snmp_classification_rules(self):
        return self.answer


def test_plugin_adds_a_class_and_extends_another(tmp_path):
    extra = tmp_path / "rules.yml"
    extra.write_text(
        "classes:\n  - name: camera\n    label: Camera\n    kind: snmp\n    priority: 25\n"
        "    rules:\n      - sys_object_id: [1.3.6.1.4.1.50001]\n"
    )
    as_dict = {
        "classes": [{"name": "firewall", "rules": [{"sys_descr": ["AcmeWall"]}]}],
        "vendors": {99999: "Acme"},
    }
    plugins = load_plugins(extra=[_Plugin([str(extra), as_dict])], entry_points=False)
    rules = ruleset_from_plugins(plugins)
    assert rules.classify(ident(sys_object_id="1.3.6.1.4.1.50001.1")).label == "Camera"
    acme = ident(sys_object_id="1.3.6.1.4.1.99999.1", sys_descr="AcmeWall 3")
    assert rules.classify(acme).name == "firewall"
    assert rules.manufacturer(acme) == "Acme"
    assert rules.classify(ident(sys_object_id="1.3.6.1.4.1.50001.1")).name == "camera"


def test_bad_yaml_names_file_and_line(tmp_path):
    bad = tmp_path / "bad.yml"
    bad.write_text("classes:\n  - name: x\n    rules: [\n")
    with pytest.raises(InputError) as info:
        load_ruleset([bad])
    assert f"{bad}:" in str(info.value) and "expected" in str(info.value)


def test_unknown_condition_is_refused(tmp_path):
    with pytest.raises(InputError, match="unknown rule condition 'sys_colour'"):
        load_ruleset([{"classes": [{"name": "x", "rules": [{"sys_colour": "blue"}]}]}])


def test_unknown_probe_is_refused():
    with pytest.raises(InputError, match="unknown probe 'nope'"):
        load_ruleset([{"classes": [{"name": "x", "rules": [{"mib": ["nope"]}]}]}])
