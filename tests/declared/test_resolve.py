"""Resolution: site, vars precedence, credentials, packages/policies, origins; host selection."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from rmmkit.declared.loader import load_inventory
from rmmkit.declared.models import Playbook, Targets, Task
from rmmkit.declared.resolve import (
    effective_settings,
    evaluate_when,
    inventory_scope,
    render,
    resolve_discovered,
    resolve_host,
    task_vars,
)
from rmmkit.declared.selection import resolve_address, select_hosts, selected_sites
from rmmkit.errors import InputError, TemplateError, UnknownReference
from rmmkit.plugin.manager import load_plugins

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture(scope="module")
def inv() -> Any:
    return load_inventory(FIXTURES / "inventory.yml", load_plugins(entry_points=False))


def test_site_by_address_or_declared(inv: Any) -> None:
    fw = resolve_host(inv, "hq-fw")
    assert fw.site == "hq" and "in ranges of site:hq" in fw.origins["site"]
    dc = resolve_host(inv, "hq-dc")
    assert dc.site == "hq" and dc.origins["site"].startswith("declared on host:hq-dc")
    assert resolve_host(inv, "branch-sw").site == "branch"


def test_vars_precedence_site_group_host(inv: Any) -> None:
    fw = resolve_host(inv, "hq-fw")
    assert fw.vars["level"] == "host" and fw.origins["vars.level"].startswith("host:hq-fw")
    assert fw.vars["group_only"] == 1 and fw.origins["vars.group_only"].startswith("group:network")
    assert fw.vars["site_only"] is True and fw.origins["vars.site_only"].startswith("site:hq")
    assert fw.vars["owner"] == "msp" and fw.origins["vars.owner"].startswith("inventory")
    sw = resolve_host(inv, "branch-sw")  # no host vars: the group beats the site
    assert sw.vars["level"] == "group"
    dc = resolve_host(inv, "hq-dc")  # no group vars: the site beats the inventory
    assert dc.vars["level"] == "site"


def test_task_vars_precedence(inv: Any) -> None:
    host = resolve_host(inv, "hq-fw")
    pb = Playbook(path="p.yml", name="p", vars={"level": "playbook", "pb": 1})
    task = Task(name="t", action="noop", vars={"level": "task"})
    assert task_vars(host, pb)["level"] == "playbook"
    assert task_vars(host, pb, task)["level"] == "task"
    out = task_vars(host, pb, task, {"level": "extra"})
    assert out["level"] == "extra" and out["pb"] == 1
    assert out["inventory_hostname"] == "hq-fw" and out["address"] == "10.10.0.1"


def test_credentials_host_first_then_site(inv: Any) -> None:
    dc = resolve_host(inv, "hq-dc")
    assert [c.name for c in dc.credentials] == ["dc-kerberos", "hq-admin", "hq-snmp"]
    assert dc.origins["credentials.dc-kerberos"].startswith("host:hq-dc")
    assert dc.origins["credentials.hq-admin"].startswith("site:hq")


def test_packages_inherited_blocked_and_assigned(inv: Any) -> None:
    fw = resolve_host(inv, "hq-fw")
    assert fw.packages == ("baseline", "remote-access")
    assert fw.origins["packages.baseline"].startswith("inherited: default_packages")
    sw = resolve_host(inv, "branch-sw")
    assert sw.packages == ("baseline", "extras")  # remote-access blocked, extras assigned
    assert sw.origins["blocked.remote-access"].startswith("blocked by site:branch")
    assert sw.origins["packages.extras"].startswith("assigned to site:branch")
    assert [(p.policy.name, p.package, p.via_site) for p in sw.policies] == [
        ("consent-required", "baseline", "branch"),
        ("consent-required", "extras", "branch"),
    ]


def test_discovered_devices_inherit_like_static_ones(inv: Any) -> None:
    new = resolve_discovered(inv, "branch", {"ip": "10.20.0.5", "hostname": "laptop-7"})
    assert new.discovered and new.name == "laptop-7" and new.site == "branch"
    assert new.packages == ("baseline", "extras")
    assert [c.name for c in new.credentials] == ["branch-ssh"]
    assert "discovered by a scan of site:branch" in new.origins["site"]
    with pytest.raises(UnknownReference):
        resolve_discovered(inv, "mars", {"ip": "10.20.0.5"})


def test_effective_settings_later_package_wins(inv: Any) -> None:
    fw = resolve_host(inv, "hq-fw")  # baseline (consent required) then remote-access (silent)
    assert effective_settings(fw)["devices/remote_access"] == {
        "require_consent": False,
        "auto_update": True,
        "show_tray_icon": False,
    }


def test_resolve_address(inv: Any) -> None:
    assert resolve_address(inv, "10.10.0.2").name == "hq-dc"
    anon = resolve_address(inv, "10.10.1.3")
    assert anon.discovered and anon.site == "hq"
    with pytest.raises(UnknownReference, match="neither a declared host"):
        resolve_address(inv, "10.10.0.13")  # excluded
    with pytest.raises(InputError):
        resolve_address(inv, "not-a-host")


ROWS = {
    "hq": [
        {"ip": "10.10.0.1", "hostname": "FW-SCANNED"},  # the static hq-fw wins
        {"ip": "10.10.0.30", "hostname": "ws30"},
        {"ip": "10.10.0.13", "hostname": "excluded"},  # excluded: never selected
        {"ip": "10.99.0.1", "hostname": "stray"},  # outside the site: never selected
        {"ip": "10.10.0.31", "hostname": "ws30"},  # same name twice: the address disambiguates
    ],
}


def names(hosts: list[Any]) -> list[str]:
    return [h.name for h in hosts]


def test_select_site_with_discovered_rows(inv: Any) -> None:
    hosts = select_hosts(inv, Targets(sites=("hq",)), ROWS, None)
    assert names(hosts) == ["hq-fw", "hq-dc", "ws30", "10.10.0.31"]
    assert [h.discovered for h in hosts] == [False, False, True, True]
    assert hosts[2].packages == ("baseline", "remote-access")


def test_select_groups_hosts_and_ranges(inv: Any) -> None:
    assert names(select_hosts(inv, Targets(groups=("network",)), {}, None)) == [
        "hq-fw",
        "branch-sw",
    ]
    assert names(select_hosts(inv, Targets(hosts=("branch-sw", "hq-dc")), {}, None)) == [
        "hq-dc",
        "branch-sw",
    ]
    ranged = select_hosts(inv, Targets(ranges=("10.10.0.11-10.10.0.14",)), {}, None)
    assert names(ranged) == ["10.10.0.11", "10.10.0.12", "10.10.0.14"]  # .13 is excluded
    assert all(h.site == "hq" and not h.discovered for h in ranged)
    outside = select_hosts(inv, Targets(ranges=("10.10.0.50-10.10.0.60",)), {}, None)
    assert names(outside) == ["10.10.0.50"]  # only what the inventory allows
    mixed = select_hosts(inv, Targets(ranges=("10.10.0.1-10.10.0.2", "10.10.0.30")), ROWS, None)
    assert names(mixed) == ["hq-fw", "hq-dc", "ws30"]


def test_every_selected_address_is_in_scope(inv: Any) -> None:
    scope = inventory_scope(inv)
    targets = Targets(sites=("hq", "branch"), ranges=("10.10.1.0-10.10.1.20",))
    hosts = select_hosts(inv, targets, ROWS, None)
    assert hosts and all(scope.allows(h.address) for h in hosts)


def test_limit_patterns(inv: Any) -> None:
    targets = Targets(sites=("hq", "branch"))
    assert names(select_hosts(inv, targets, ROWS, "hq-*")) == ["hq-fw", "hq-dc"]
    assert names(select_hosts(inv, targets, ROWS, "branch")) == ["branch-sw"]
    assert names(select_hosts(inv, targets, ROWS, "network,!hq-fw")) == ["branch-sw"]
    assert names(select_hosts(inv, targets, ROWS, "10.10.0.2-10.10.0.30")) == ["hq-dc", "ws30"]
    assert names(select_hosts(inv, targets, ROWS, "!10.10.0.0/24")) == ["branch-sw"]


def test_unknown_targets(inv: Any) -> None:
    for targets in (Targets(sites=("mars",)), Targets(groups=("x",)), Targets(hosts=("y",))):
        with pytest.raises(UnknownReference, match="targets name unknown"):
            select_hosts(inv, targets, {}, None)
    assert [s.name for s in selected_sites(inv, Targets(sites=("branch", "hq")))] == [
        "branch",
        "hq",
    ]


def test_render_and_when() -> None:
    assert render(
        {"msg": "hi {{ who }}", "n": "{{ n + 1 }}", "k": ["{{ who }}"]}, {"who": "bob", "n": 1}
    ) == {"msg": "hi bob", "n": 2, "k": ["bob"]}
    assert render({"plain": 1}, {}) == {"plain": 1}
    assert evaluate_when("site == 'hq'", {"site": "hq"}) is True
    assert evaluate_when("{{ n > 2 }}", {"n": 1}) is False
    assert evaluate_when(None, {}) is True and evaluate_when(False, {}) is False
    with pytest.raises(TemplateError, match="'missing' is undefined"):
        render({"x": "{{ missing }}"}, {})
    with pytest.raises(TemplateError, match="'missing' is undefined"):
        evaluate_when("missing == 1", {})
    with pytest.raises(TemplateError, match="unsafe"):
        render("{{ ''.__class__.__mro__ }}", {})


@pytest.mark.parametrize(
    ("value", "needle"),
    [
        ({"k": "{{ [who, missing] }}"}, "'missing' is undefined"),  # undefined inside a list
        ({"k": "{{ {'a': missing} }}"}, "'missing' is undefined"),  # ... and inside a dict
        ({"k": "{{ 1 // zero }}"}, "ZeroDivisionError"),  # a filter or operator's own error
        ({"k": "n={{ 1 // zero }}"}, "ZeroDivisionError"),  # same in a text template
    ],
)
def test_render_turns_every_template_failure_into_a_template_error(value: Any, needle: str) -> None:
    with pytest.raises(TemplateError, match=needle) as info:
        render(value, {"who": "bob", "zero": 0})
    assert str(info.value).startswith("args.k: ")


def test_discovered_host_carries_what_the_scan_saw(inv: Any) -> None:
    row = {  # the keys a scan row has (rmmkit/discovery/scan.py), as the store returns them
        "ip": "10.20.0.7",
        "hostname": "WIN-SRV01",
        "scan_id": "a1b2c3",
        "os": "Windows Server 2019 Standard 17763",
        "resource_type": "server",
        "description": "rdns: NXDOMAIN",
        "extra": {
            "ttl": 128,
            "open_ports": [445, 139, 135, "x"],
            "smb": {"os": "Windows Server 2019", "os_build": 17763, "server_name": "WIN-SRV01"},
            "netbios": {"names": ["WORKGROUP<00> group", "WIN-SRV01<00>"], "name": "WIN-SRV01"},
        },
    }
    host = resolve_discovered(inv, "branch", row)
    seen = host.observed
    assert seen is not None and seen.os.startswith("Windows Server 2019")
    assert seen.resource_type == "server" and seen.ttl == 128
    assert seen.open_ports == (135, 139, 445)  # sorted; a non-number is dropped
    assert seen.smb and seen.smb_build == 17763 and seen.netbios == "WIN-SRV01"
    assert not seen.ssh_banner and not seen.snmp
    assert host.origins["observed"] == "scan a1b2c3 of site:branch"


def test_a_bare_address_has_no_observation(inv: Any) -> None:
    assert resolve_discovered(inv, "branch", {"ip": "10.20.0.5"}).observed is None
    stored = {"ip": "10.20.0.5", "hostname": "x", "os": None, "resource_type": None, "extra": None}
    assert resolve_discovered(inv, "branch", stored).observed is None  # a row without evidence
    assert resolve_host(inv, "hq-fw").observed is None  # static hosts: their vars, not a scan
    samba = resolve_discovered(
        inv, "branch", {"ip": "10.20.0.6", "extra": {"smb": {"os_build": 0}, "netbios": {}}}
    ).observed
    assert samba is not None and samba.smb and samba.smb_build == 0 and not samba.netbios
