"""The JSON Schemas of inventories and playbooks, merged with plugin fragments.

Why merged at run time: actions, outputs and policy types come from plugins,
so the schema an editor should use depends on what is installed.  The base
schemas ship inside the package (``rmmkit/schemas/*.json``, the only copy;
``schemas/`` at the repository root links to them) so an installed rmmkit
finds them without a checkout.
"""

from __future__ import annotations

import copy
import json
from functools import lru_cache
from importlib import resources
from typing import TYPE_CHECKING, Any

from rmmkit.errors import InputError

if TYPE_CHECKING:
    from rmmkit.plugin.manager import Plugins

KINDS = ("inventory", "playbook")
BUILTIN_SECRET_SOURCES = ("vault", "env", "file", "keyring")


@lru_cache(maxsize=8)
def packaged_schema(name: str) -> dict[str, Any]:
    """A schema shipped in the package; a missing one means a broken installation."""
    packaged = resources.files("rmmkit") / "schemas" / f"{name}.json"
    try:
        return json.loads(packaged.read_text(encoding="utf-8"))  # type: ignore[no-any-return]
    except FileNotFoundError:
        raise InputError(
            f"the {name} schema is missing from this installation ({packaged})",
            expected="a complete rmmkit installation: reinstall it",
        ) from None


def base_schema(kind: str) -> dict[str, Any]:
    """The schema of ``kind`` without plugin fragments (a fresh copy the caller may change)."""
    if kind not in KINDS:
        raise InputError(f"unknown schema {kind!r}", expected=f"one of: {', '.join(KINDS)}")
    schema = copy.deepcopy(packaged_schema(kind))
    if kind == "playbook":  # the schedule block's shape lives in its own file
        fragment = {
            k: v
            for k, v in copy.deepcopy(packaged_schema("schedule")).items()
            if k not in ("$schema", "$id")
        }
        schema["$defs"]["schedule"] = fragment
    return schema


def _inline(node: Any, defs: dict[str, Any]) -> Any:
    """Replace local ``$ref``s by their target (our schemas are not recursive)."""
    if isinstance(node, dict):
        ref = node.get("$ref", "")
        if ref.startswith("#/$defs/"):
            rest = {k: _inline(v, defs) for k, v in node.items() if k != "$ref"}
            return {**_inline(defs[ref[len("#/$defs/") :]], defs), **rest}
        return {k: _inline(v, defs) for k, v in node.items() if k != "$defs"}
    if isinstance(node, list):
        return [_inline(item, defs) for item in node]
    return node


@lru_cache(maxsize=4)
def validator(kind: str) -> Any:
    """A ready validator for the base schema of ``kind``, refs inlined (30% faster on big files)."""
    import jsonschema

    schema = base_schema(kind)
    return jsonschema.Draft202012Validator(_inline(schema, schema.get("$defs", {})))


def _fragment(cls: Any, attribute: str) -> dict[str, Any]:
    fragment = getattr(cls, attribute, None)
    return copy.deepcopy(fragment) if isinstance(fragment, dict) else {"type": "object"}


def _options_with_type(options: dict[str, Any]) -> dict[str, Any]:
    """An output's options sit beside its ``type`` key: let the options schema accept it."""
    if isinstance(options.get("properties"), dict) or "additionalProperties" in options:
        options.setdefault("properties", {})["type"] = {}
    return options


def merged_schema(kind: str, plugins: Plugins) -> dict[str, Any]:
    """``kind``'s schema with every registered action, output and policy type's fragment."""
    schema = base_schema(kind)
    defs = schema["$defs"]
    if kind == "playbook":
        task, output = defs["task"], defs["output"]
        actions = plugins.actions.items()
        task["properties"]["action"] = {
            "enum": [name for name, _ in actions],
            "description": "A registered action.",
        }
        task["allOf"] = [
            {
                "if": {"properties": {"action": {"const": name}}, "required": ["action"]},
                "then": {"properties": {"args": _fragment(cls, "args_schema")}},
                "description": getattr(cls, "description", ""),
            }
            for name, cls in actions
        ]
        outputs = plugins.outputs.items()
        output["properties"]["type"] = {"enum": [name for name, _ in outputs]}
        output["allOf"] = [
            {
                "if": {"properties": {"type": {"const": name}}, "required": ["type"]},
                "then": _options_with_type(_fragment(cls, "options_schema")),
            }
            for name, cls in outputs
        ]
    else:
        policy = defs["policy"]
        policy["allOf"] = []
        for name, cls in plugins.policy_types.items():
            category, _, type_ = name.partition("/")
            policy["allOf"].append(
                {
                    "if": {
                        "properties": {"category": {"const": category}, "type": {"const": type_}},
                        "required": ["category", "type"],
                    },
                    "then": {"properties": {"settings": _fragment(cls, "settings_schema")}},
                }
            )
        sources = sorted(set(BUILTIN_SECRET_SOURCES) | set(plugins.secret_sources))
        defs["secret_ref"]["properties"]["source"]["enum"] = sources
    return schema


def all_schemas(plugins: Plugins) -> dict[str, dict[str, Any]]:
    return {kind: merged_schema(kind, plugins) for kind in KINDS}
