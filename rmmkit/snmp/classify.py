"""Classify an SNMP agent (UPS, printer, firewall, router, switch, …) from data rules.

Why data and not code: which sysObjectID prefix or sysDescr pattern means
"firewall" changes with every vendor; a YAML file (``rmmkit/data/snmp/classes.yml``)
plus plugin contributions (hook ``rmmkit_snmp_classification_rules``) lets
that list grow without a release.  The rule language is documented at the
top of that file and in ``docs/snmp.md``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rmmkit.declared.marked_yaml import load_yaml
from rmmkit.declared.yaml_limits import decode_yaml
from rmmkit.errors import InputError, Location
from rmmkit.snmp.ber import Counter, Value, describe

if TYPE_CHECKING:
    from rmmkit.plugin.manager import Plugins

# The scalars identify reads (GETNEXT on the object gives instance .0).
SCALARS = {
    "sys_descr": "1.3.6.1.2.1.1.1",
    "sys_object_id": "1.3.6.1.2.1.1.2",
    "sys_uptime": "1.3.6.1.2.1.1.3",
    "sys_name": "1.3.6.1.2.1.1.5",
    "sys_services": "1.3.6.1.2.1.1.7",
    "ip_forwarding": "1.3.6.1.2.1.4.1",
}
CONDITIONS = ("sys_object_id", "sys_descr", "mib", "ip_forwarding", "sys_services_layer")


@dataclass(frozen=True)
class Rule:
    conditions: dict[str, Any]
    source: str

    def matches(self, ident: Identity) -> bool:
        c = self.conditions
        if "sys_object_id" in c and not any(
            ident.sys_object_id == p or ident.sys_object_id.startswith(p + ".")
            for p in c["sys_object_id"]
        ):
            return False
        if "sys_descr" in c and not any(
            re.search(p, ident.sys_descr, re.I) for p in c["sys_descr"]
        ):
            return False
        if "mib" in c and not all(name in ident.mibs for name in c["mib"]):
            return False
        if "ip_forwarding" in c and ident.ip_forwarding != c["ip_forwarding"]:
            return False
        if "sys_services_layer" in c:
            layer = int(c["sys_services_layer"])
            if ident.sys_services is None or not ident.sys_services & (1 << (layer - 1)):
                return False
        return True


@dataclass
class DeviceClass:
    name: str
    label: str
    kind: str
    priority: int
    rules: list[Rule] = field(default_factory=list)


@dataclass
class Identity:
    """What identify learned about one agent."""

    sys_descr: str = ""
    sys_object_id: str = ""
    sys_uptime: int | None = None  # hundredths of a second
    sys_name: str = ""
    sys_services: int | None = None
    ip_forwarding: int | None = None
    mibs: set[str] = field(default_factory=set)

    def as_dict(self) -> dict[str, Any]:
        return {**self.__dict__, "mibs": sorted(self.mibs)}


@dataclass
class Ruleset:
    probes: dict[str, str] = field(default_factory=dict)
    classes: dict[str, DeviceClass] = field(default_factory=dict)
    vendors: dict[int, str] = field(default_factory=dict)

    def add(self, data: dict[str, Any], source: str) -> None:
        """Merge one rules document (the shape of classes.yml)."""
        if not isinstance(data, dict):
            raise InputError(
                "SNMP classification rules must be a mapping",
                location=Location(source),
                expected="probes/classes/vendors",
            )
        for name, oid in (data.get("probes") or {}).items():
            self.probes[str(name)] = str(oid).strip(".")
        for number, vendor in (data.get("vendors") or {}).items():
            self.vendors[int(number)] = str(vendor)
        for entry in data.get("classes") or []:
            self._add_class(entry, source)

    def _add_class(self, entry: Any, source: str) -> None:
        if not isinstance(entry, dict) or not entry.get("name"):
            raise InputError(
                "an SNMP class needs a name",
                location=Location(source),
                expected="name, label, priority, rules",
            )
        name = str(entry["name"])
        rules = []
        for raw in entry.get("rules") or []:
            unknown = set(raw or {}) - set(CONDITIONS)
            if unknown:
                raise InputError(
                    f"SNMP class {name!r}: unknown rule condition {sorted(unknown)[0]!r}",
                    location=Location(source),
                    expected=", ".join(CONDITIONS),
                )
            for probe in (raw or {}).get("mib", []):
                if probe not in self.probes:
                    raise InputError(
                        f"SNMP class {name!r}: unknown probe {probe!r}",
                        location=Location(source),
                        expected="a name under probes:",
                    )
            rules.append(Rule(dict(raw or {}), source))
        existing = self.classes.get(name)
        if existing is not None:
            existing.rules.extend(rules)
            return
        self.classes[name] = DeviceClass(
            name=name,
            label=str(entry.get("label", name)),
            kind=str(entry.get("kind", name)),
            priority=int(entry.get("priority", 500)),
            rules=rules,
        )

    def ordered(self) -> list[DeviceClass]:
        return sorted(self.classes.values(), key=lambda c: c.priority)

    def classify(self, ident: Identity) -> DeviceClass:
        for device_class in self.ordered():
            if any(rule.matches(ident) for rule in device_class.rules):
                return device_class
        return DeviceClass("snmp", "SNMP", "snmp", 1000)

    def manufacturer(self, ident: Identity) -> str:
        parts = ident.sys_object_id.split(".")
        if ident.sys_object_id.startswith("1.3.6.1.4.1.") and len(parts) > 6:
            return self.vendors.get(int(parts[6]), f"enterprise {parts[6]}")
        return ""

    def identify_oids(self) -> list[str]:
        """The OIDs identify asks with one GETNEXT each: scalars then probes."""
        return list(SCALARS.values()) + list(self.probes.values())

    def identity_from(self, rows: list[tuple[str, Value]]) -> Identity:
        """Build an :class:`Identity` from the answers to :meth:`identify_oids`, in order."""
        ident = Identity()
        for (field_name, base), (oid, value) in zip(SCALARS.items(), rows, strict=False):
            if oid != base + ".0":
                continue  # the agent has no such scalar: GETNEXT ran past it
            if field_name in ("sys_uptime", "sys_services", "ip_forwarding"):
                ident.__dict__[field_name] = as_int(value)
            else:
                ident.__dict__[field_name] = describe(value)
        for (name, base), (oid, _value) in zip(
            self.probes.items(), rows[len(SCALARS) :], strict=False
        ):
            if oid.startswith(base + "."):
                ident.mibs.add(name)
        return ident


DEFAULT_RULES = Path(__file__).resolve().parent.parent / "data" / "snmp" / "classes.yml"


def as_int(value: Value) -> int | None:
    """An INTEGER or Counter/Gauge/TimeTicks as int; anything else (missing, text) as None."""
    if isinstance(value, Counter):
        return value.value
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    return None


def load_file(path: str | Path) -> dict[str, Any]:
    """A rules file (built-in or a plugin's), read by the limited declared-state YAML reader."""
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise InputError(f"cannot read SNMP rules {path}: {exc.strerror}") from None
    return load_yaml(decode_yaml(data, str(path)), str(path)) or {}


def load_ruleset(extra: list[Any] | None = None) -> Ruleset:
    """The built-in rules plus plugin contributions (paths or dicts), in that order."""
    ruleset = Ruleset()
    ruleset.add(load_file(DEFAULT_RULES), "rmmkit/data/snmp/classes.yml")
    for item in extra or []:
        if isinstance(item, str | Path):
            ruleset.add(load_file(item), str(item))
        else:
            ruleset.add(item, "<plugin rules>")
    return ruleset


def ruleset_from_plugins(plugins: Plugins | None) -> Ruleset:
    """Built-in rules plus every answer of ``rmmkit_snmp_classification_rules``."""
    extra: list[Any] = []
    if plugins is not None:
        for answer in plugins.hook.rmmkit_snmp_classification_rules():
            extra.extend(answer or [])
    return load_ruleset(extra)
