"""Playbook checks: actions and outputs exist, args match the plugin's schema, targets resolve.

Why load-time: a typo in an action name or a target site must fail before
the first packet, with file:line:column, not half-way through a run.  Args
holding ``{{ }}`` are validated per host at run time, after rendering.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from rmmkit.declared import build
from rmmkit.declared.document import (
    Doc,
    checked_range,
    condition,
    render_now,
    templates,
)
from rmmkit.declared.marked_yaml import locate, locations
from rmmkit.declared.models import Inventory, Playbook
from rmmkit.declared.schedule import parse_schedule
from rmmkit.declared.schema import base_schema
from rmmkit.declared.schema_errors import json_path
from rmmkit.declared.scope import Scope
from rmmkit.errors import DuplicateName, InputError, SchemaViolation, UnknownReference

if TYPE_CHECKING:
    from rmmkit.plugin.manager import Plugins

# Declared argument names that refer to inventory declarations (plugins may also mark any
# property of their args_schema with "x-ref": "agent" | "credential" | "site" | …).
REF_ARGS = {
    "agent": "agent",
    "credential": "credential",
    "credentials": "credential",
    "site": "site",
    "package": "package",
    "policy": "policy",
    "group": "group",
    "host": "host",
}


def _known(inventory: Inventory, what: str) -> Mapping[str, object]:
    tables: dict[str, Mapping[str, object]] = {
        "agent": inventory.agents,
        "credential": inventory.credentials,
        "site": inventory.sites,
        "package": inventory.packages,
        "policy": inventory.policies,
        "group": inventory.groups,
        "host": inventory.hosts,
    }
    return tables[what]


def _unknown(
    doc: Doc, what: str, name: Any, path: list[Any], known: Mapping[str, object]
) -> InputError:
    listing = ", ".join(sorted(known)) or f"none declared in the inventory: add a {what} first"
    return doc.fail(
        UnknownReference,
        f"unknown {what} {name!r} in {json_path(path)}",
        path,
        f"one of: {listing}",
    )


def _check_tasks(doc: Doc, plugins: Plugins) -> None:
    seen: dict[str, int] = {}
    for index, raw in enumerate(doc.root["tasks"]):
        path = ["tasks", index]
        if raw["name"] in seen:
            raise doc.fail(
                DuplicateName,
                f"duplicate task name {raw['name']!r} (first at line "
                f"{doc.at(['tasks', seen[raw['name']]]).line})",
                [*path, "name"],
                "each task name once",
            )
        seen[raw["name"]] = index
        if raw["action"] not in plugins.actions:
            raise doc.fail(
                UnknownReference,
                f"unknown action {raw['action']!r} in tasks[{index}]",
                [*path, "action"],
                f"one of: {', '.join(plugins.actions) or 'none registered'}",
            )
        schema = getattr(plugins.actions.get(raw["action"]), "args_schema", None) or {
            "type": "object"
        }
        doc.validate(schema, raw.get("args") or {}, [*path, "args"], templated=True)
        templates(doc, raw.get("args") or {}, [*path, "args"])
        templates(doc, raw.get("vars") or {}, [*path, "vars"])
        templates(doc, raw["name"], [*path, "name"])
        if raw.get("when") is not None:
            condition(doc, raw["when"], [*path, "when"])


def _check_outputs(doc: Doc, plugins: Plugins, variables: dict[str, Any]) -> list[dict[str, Any]]:
    rendered = []
    for index, raw in enumerate(doc.root.get("outputs") or ()):
        path = ["outputs", index]
        if raw["type"] not in plugins.outputs:
            raise doc.fail(
                UnknownReference,
                f"unknown output {raw['type']!r} in outputs[{index}]",
                [*path, "type"],
                f"one of: {', '.join(plugins.outputs) or 'none registered'}",
            )
        options = {k: v for k, v in raw.items() if k != "type"}
        schema = getattr(plugins.outputs.get(raw["type"]), "options_schema", None) or {
            "type": "object"
        }
        options = render_now(doc, options, path, variables)
        doc.validate(schema, options, path)
        rendered.append({"type": raw["type"], **build.plain(options)})
    return rendered


def _targets(doc: Doc, variables: dict[str, Any], cap: int | None) -> dict[str, Any]:
    targets = render_now(doc, doc.root["targets"], ["targets"], variables)
    for key, values in targets.items():
        for i, value in enumerate(values):
            if not isinstance(value, str) or not value:
                raise doc.fail(
                    SchemaViolation,
                    f"targets.{key}[{i}] renders to {value!r}",
                    ["targets", key, i],
                    "a non-empty name or range",
                )
    schema = base_schema("playbook")
    doc.validate(
        {"$defs": schema["$defs"], **schema["properties"]["targets"]}, targets, ["targets"]
    )
    for i, spec in enumerate(targets.get("ranges") or ()):
        checked_range(doc, spec, ["targets", "ranges", i], cap)
    plain: dict[str, Any] = build.plain(targets)
    return plain


def _check_against(
    doc: Doc, inventory: Inventory, targets: dict[str, Any], plugins: Plugins
) -> None:
    """Targets and reference arguments must name what the inventory declares."""
    for key, what in (("sites", "site"), ("groups", "group"), ("hosts", "host")):
        known = _known(inventory, what)
        for i, name in enumerate(targets.get(key) or ()):
            if name not in known:
                raise _unknown(doc, what, name, ["targets", key, i], known)
    declared = Scope([r for site in inventory.sites.values() for r in site.ranges])
    declared = declared | Scope([h.address for h in inventory.hosts.values()])
    for i, spec in enumerate(targets.get("ranges") or ()):
        if not declared.covers(spec):
            raise doc.fail(
                InputError,
                f"target range {spec!r} is not inside the inventory's site ranges",
                ["targets", "ranges", i],
                "a range inside the ranges of declared sites (their excludes are skipped)",
            )
    for index, raw in enumerate(doc.root["tasks"]):
        schema = getattr(plugins.actions.get(raw["action"]), "args_schema", None) or {}
        props = schema.get("properties") or {}
        for arg, value in (raw.get("args") or {}).items():
            if not isinstance(props.get(arg), dict):
                continue  # only arguments the action declares (set_fact's keys are variables)
            what = str(props[arg].get("x-ref") or REF_ARGS.get(arg) or "")
            if not what or what not in REF_ARGS.values():
                continue
            values = value if isinstance(value, list) else [value]
            known = _known(inventory, what)
            for j, item in enumerate(values):
                if isinstance(item, str) and "{{" not in item and item not in known:
                    path = ["tasks", index, "args", arg] + ([j] if isinstance(value, list) else [])
                    raise _unknown(doc, what, item, path, known)


def _schedule(doc: Doc) -> None:
    """Deeper schedule checks (real dates, time zones) are the schedule model's."""
    marks = locations(doc.root["schedule"], doc.filename, locate(doc.root, ["schedule"]))
    parse_schedule(
        build.plain(doc.root["schedule"]),
        schedule_id=doc.filename,
        location=doc.at(["schedule"]),
        marks=marks,
    )


def playbook_from_doc(
    doc: Doc, plugins: Plugins, extra_vars: dict[str, Any], inventory: Inventory | None
) -> Playbook:
    """Check a parsed playbook and build the model (``extra_vars`` win over ``vars``).

    The loader has validated ``doc`` against the base schema.  With an
    inventory, targets and reference arguments are checked against it; the
    loader passes the one ``-i`` names, or the one the playbook names.
    """
    variables = {**build.plain(doc.root.get("vars") or {}), **extra_vars}
    templates(doc, doc.root.get("vars") or {}, ["vars"])
    cap = inventory.settings.get("max_range_size") if inventory is not None else None
    targets = _targets(doc, variables, cap)
    _check_tasks(doc, plugins)
    outputs = _check_outputs(doc, plugins, variables)
    if doc.root.get("schedule") is not None:
        _schedule(doc)
    if inventory is not None:
        _check_against(doc, inventory, targets, plugins)
    inventory_path = doc.root.get("inventory")  # kept as written: relative to the playbook
    return build.playbook(doc.root, doc.filename, targets, outputs, variables, inventory_path)
