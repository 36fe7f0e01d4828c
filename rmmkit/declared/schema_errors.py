"""Turn jsonschema errors into one line: file:line:column, what is wrong, what was expected.

Why our own wording: jsonschema's messages quote whole instances (a
credential block, a secret) and say nothing about where they are.  Here the
first error in file order wins, its node is located through the YAML marks,
values under ``credentials`` are never echoed, and schemas may carry
``x-message`` / ``x-expected`` to say what the user should write instead.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import Any

import jsonschema
from jsonschema.exceptions import ValidationError, best_match

from rmmkit.declared.marked_yaml import locate
from rmmkit.errors import Location, SchemaViolation, UnknownReference

_TYPE_WORDS = {
    "object": "a mapping",
    "array": "a list",
    "string": "text",
    "integer": "an integer",
    "number": "a number",
    "boolean": "true or false",
    "null": "nothing (null)",
}
SENSITIVE_SECTIONS = {"credentials"}
SAFE_CREDENTIAL_KEYS = {
    "name",
    "kind",
    "user",
    "domain",
    "key_file",
    "auth_protocol",
    "priv_protocol",
    "source",
    "key",
}


def listed(value: Any) -> list[Any]:
    """A keyword's value as a list (``type: string`` and ``type: [string, null]`` alike)."""
    return list(value) if isinstance(value, list | tuple) else [value]


def json_path(path: Sequence[Any]) -> str:
    """``sites[0].ranges[1]``: the dotted path users see in messages."""
    out = ""
    for step in path:
        out += f"[{step}]" if isinstance(step, int) else (f".{step}" if out else str(step))
    return out or "the document"


def _describe(value: Any) -> str:
    for kind, word in (
        (bool, "boolean"),
        (int, "integer"),
        (float, "number"),
        (str, "string"),
        (dict, "object"),
        (list, "array"),
        (type(None), "null"),
    ):
        if isinstance(value, kind):
            return _TYPE_WORDS[word]
    return type(value).__name__


def _sensitive(path: Sequence[Any]) -> bool:
    """Inside ``credentials``, only names and enumerations may be echoed."""
    if not any(step in SENSITIVE_SECTIONS for step in path):
        return False
    last = next((step for step in reversed(path) if isinstance(step, str)), "")
    return last not in SAFE_CREDENTIAL_KEYS


def _show(value: Any, path: Sequence[Any]) -> str:
    """The value for a message, or only its kind when it might be secret material."""
    if _sensitive(path) or isinstance(value, dict | list):
        return _describe(value)
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _expected(error: ValidationError, fallback: str) -> str:
    schema = error.schema if isinstance(error.schema, dict) else {}
    return str(schema.get("x-expected") or fallback)


def _words(items: Sequence[Any]) -> str:
    return ", ".join(str(i) for i in items)


def _explain(error: ValidationError, path: list[Any]) -> tuple[str, str, list[Any], bool, type]:
    """(message, expected, path to point at, point at the key?, error class)."""
    where, kind, schema = json_path(path), error.validator, error.schema
    schema = schema if isinstance(schema, dict) else {}
    instance = error.instance
    if "propertyNames" in error.relative_schema_path:
        return (
            f"invalid key {instance!r} in {where}",
            _expected(error, "a valid name"),
            [*path, instance],
            True,
            SchemaViolation,
        )
    if kind == "additionalProperties" and isinstance(instance, dict):
        known = list(schema.get("properties", {}))
        patterns = list(schema.get("patternProperties", {}))
        extra = [
            k
            for k in instance
            if k not in known and not any(re.search(p, str(k)) for p in patterns)
        ]
        key = extra[0] if extra else None
        return (
            f"unknown key {key!r} in {where}",
            f"one of: {_words(known)}",
            [*path, key],
            True,
            SchemaViolation,
        )
    if kind == "required" and isinstance(instance, dict):
        missing = [k for k in listed(error.validator_value) if k not in instance]
        return (
            f"missing required key {missing[0]!r} in {where}",
            _expected(error, f"{where} to have {_words(missing)}"),
            path,
            False,
            SchemaViolation,
        )
    if kind == "not" and schema.get("x-message"):
        return (
            f"{schema['x-message']}: {where}",
            _expected(error, "something else"),
            path,
            True,
            SchemaViolation,
        )
    if kind == "type":
        wanted = [str(t) for t in listed(error.validator_value)]
        fallback = " or ".join(_TYPE_WORDS.get(t, t) for t in wanted)
        return (
            f"{where} is {_describe(instance)}",
            _expected(error, fallback),
            path,
            False,
            SchemaViolation,
        )
    if kind in ("enum", "const"):
        allowed = listed(error.validator_value)
        return (
            f"invalid value {_show(instance, path)} at {where}",
            f"one of: {_words(allowed)}",
            path,
            False,
            SchemaViolation,
        )
    if kind == "pattern":
        return (
            f"invalid value {_show(instance, path)} at {where}",
            _expected(error, f"text matching {error.validator_value}"),
            path,
            False,
            SchemaViolation,
        )
    if kind in ("minItems", "minProperties", "minLength"):
        return (
            f"{where} is empty or too short",
            _expected(
                error,
                f"at least {error.validator_value} "
                f"{'characters' if kind == 'minLength' else 'items'}",
            ),
            path,
            False,
            SchemaViolation,
        )
    if kind in ("maxItems", "maxProperties", "maxLength"):
        return (
            f"{where} is too long",
            _expected(error, f"at most {error.validator_value}"),
            path,
            False,
            SchemaViolation,
        )
    if kind in ("minimum", "exclusiveMinimum", "maximum", "exclusiveMaximum"):
        sign = {"minimum": ">=", "exclusiveMinimum": ">", "maximum": "<=", "exclusiveMaximum": "<"}[
            kind
        ]
        return (
            f"{where} is out of range ({_show(instance, path)})",
            _expected(error, f"a number {sign} {error.validator_value}"),
            path,
            False,
            SchemaViolation,
        )
    if kind == "uniqueItems":
        return (f"{where} lists an item twice", "each item once", path, False, SchemaViolation)
    if kind in ("anyOf", "oneOf"):
        return (
            f"{where} does not match any allowed form",
            _expected(error, "one of the documented forms"),
            path,
            False,
            SchemaViolation,
        )
    if kind is None:  # a ``false`` schema: nothing is allowed there
        return (
            f"{where} is not allowed here",
            _expected(error, "nothing here"),
            path,
            True,
            SchemaViolation,
        )
    text = f"{kind} failed" if _sensitive(path) else error.message
    return (
        f"{where}: {text}",
        _expected(error, "a value the schema accepts"),
        path,
        False,
        SchemaViolation,
    )


def _innermost(error: ValidationError) -> ValidationError:
    """For anyOf/oneOf, the most relevant alternative's error (unless x-expected says)."""
    while (
        error.validator in ("anyOf", "oneOf")
        and error.context
        and not (isinstance(error.schema, dict) and error.schema.get("x-expected"))
    ):
        error = best_match(error.context)
    return error


def _templated(value: Any) -> bool:
    return isinstance(value, str) and ("{{" in value or "{%" in value)


def _covers(outer: Sequence[Any], inner: Sequence[Any]) -> bool:
    return len(inner) >= len(outer) and list(inner[: len(outer)]) == list(outer)


def first_violation(
    schema: dict[str, Any] | jsonschema.protocols.Validator,
    instance: Any,
    *,
    root: Any,
    filename: str,
    prefix: Sequence[Any] = (),
    skip_templates: bool | Callable[[Sequence[Any]], bool] = False,
) -> SchemaViolation | UnknownReference | None:
    """The error that comes first in the file, as a one-line InputError, or ``None``.

    A "missing key" error points at its mapping's first line; an error inside
    that mapping (a literal password, a misspelt key) explains more, so it wins.
    """
    validator = schema if not isinstance(schema, dict) else jsonschema.Draft202012Validator(schema)
    candidates = []
    for error in validator.iter_errors(instance):
        error = _innermost(error)
        path = [*prefix, *error.absolute_path]
        skip = skip_templates(path) if callable(skip_templates) else skip_templates
        if skip and _templated(error.instance):
            continue  # rendered later (per host at run time), validated then
        message, expected, point, at_key, cls = _explain(error, path)
        line, column = locate(root, point, key=at_key)
        container = error.validator in ("required", "minProperties")
        candidates.append(((line, column, -len(point)), path, container, message, expected, cls))
    candidates = [
        c
        for c in candidates
        if not (c[2] and any(_covers(c[1], other[1]) and not other[2] for other in candidates))
    ]
    if not candidates:
        return None
    (line, column, _depth), _path, _container, message, expected, cls = min(
        candidates, key=lambda c: c[0]
    )
    found: SchemaViolation | UnknownReference = cls(
        message, location=Location(filename, line, column), expected=expected
    )
    return found
