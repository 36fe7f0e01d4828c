"""Checks a schema cannot express: duplicate names, references, ranges, plugin fragments.

Why after the schema: once the shape is right every check can assume it, and
each failure still points at the exact node (file:line:column) through the
YAML marks kept in the document.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from rmmkit.declared.marked_yaml import locate
from rmmkit.declared.schema import validator
from rmmkit.declared.schema_errors import first_violation, json_path
from rmmkit.declared.scope import DEFAULT_MAX_RANGE_SIZE, parse_range
from rmmkit.declared.templating import compile_value, compile_when, has_template
from rmmkit.errors import DuplicateName, InputError, Location, TemplateError, UnknownReference

SINGULAR = {
    "credentials": "credential",
    "sites": "site",
    "hosts": "host",
    "groups": "group",
    "agents": "agent",
    "policies": "policy",
    "packages": "package",
}


@dataclass
class Doc:
    """One parsed file: its marked root and its name, for errors that point into it."""

    root: Any
    filename: str
    text: str = ""  # the source, for errors that point at a line without a node

    def at(self, path: Sequence[Any], *, key: bool = False) -> Location:
        return Location(self.filename, *locate(self.root, path, key=key))

    def fail(
        self,
        cls: type[InputError],
        message: str,
        path: Sequence[Any],
        expected: str | None = None,
        *,
        key: bool = False,
    ) -> InputError:
        return cls(message, location=self.at(path, key=key), expected=expected)

    def section(self, name: str) -> list[Any]:
        return list(self.root.get(name) or ()) if isinstance(self.root, dict) else []

    def validate(
        self,
        schema: dict[str, Any],
        instance: Any,
        prefix: Sequence[Any],
        *,
        templated: bool = False,
    ) -> None:
        """Validate a sub-tree against a plugin's fragment; templated values wait for run time."""
        error = first_violation(
            schema,
            instance,
            root=self.root,
            filename=self.filename,
            prefix=prefix,
            skip_templates=templated,
        )
        if error is not None:
            raise error


def _rendered_later(path: Sequence[Any]) -> bool:
    """Targets and outputs are rendered at load time and checked again after rendering."""
    return len(path) >= 3 and path[0] in ("targets", "outputs")  # items, not the containers


def validate_base(doc: Doc, kind: str) -> None:
    """The document against the base schema of ``kind`` (the first violation, located)."""
    error = first_violation(
        validator(kind),
        doc.root,
        root=doc.root,
        filename=doc.filename,
        skip_templates=_rendered_later if kind == "playbook" else False,
    )
    if error is not None:
        raise error


def unique_names(doc: Doc, section: str) -> dict[str, int]:
    """``name → index`` for a list section; the second declaration of a name is an error."""
    seen: dict[str, int] = {}
    for index, item in enumerate(doc.section(section)):
        name = item["name"]
        if name in seen:
            first = doc.at([section, seen[name]])
            raise doc.fail(
                DuplicateName,
                f"duplicate {SINGULAR[section]} name {name!r} "
                f"(first declared at line {first.line})",
                [section, index, "name"],
                "each name once",
            )
        seen[name] = index
    return seen


def references(
    doc: Doc, path: Sequence[Any], names: Iterable[str], known: Iterable[str], what: str
) -> None:
    """Every name in ``names`` (the list at ``path``) must be in ``known``."""
    known_set = set(known)
    for index, name in enumerate(names):
        if name not in known_set:
            listing = ", ".join(sorted(known_set)) or f"none declared: add a {what} first"
            raise doc.fail(
                UnknownReference,
                f"unknown {what} {name!r} in {json_path([*path, index])}",
                [*path, index],
                f"one of: {listing}",
            )


def checked_range(doc: Doc, spec: str, path: Sequence[Any], cap: int | None) -> Any:
    """Parse a range at ``path``; malformed or larger than ``cap`` is an error there."""
    try:
        parsed = parse_range(spec)
    except InputError as exc:
        raise doc.fail(
            type(exc), f"{exc.reason} at {json_path(path)}", path, exc.expected
        ) from None
    limit = cap or DEFAULT_MAX_RANGE_SIZE
    if parsed.size > limit:
        raise doc.fail(
            InputError,
            f"range {spec!r} holds {parsed.size} addresses, more than the cap of {limit}",
            path,
            "a smaller range, or a larger settings.max_range_size in the inventory",
        )
    return parsed


def templates(doc: Doc, value: Any, path: list[Any]) -> None:
    """Every ``{{ }}`` / ``{% %}`` in ``value`` must parse (undefined names: at run time)."""
    if isinstance(value, dict):
        for key, item in value.items():
            templates(doc, item, [*path, key])
    elif isinstance(value, list):
        for index, item in enumerate(value):
            templates(doc, item, [*path, index])
    elif isinstance(value, str) and has_template(value):
        try:
            compile_value(value, json_path(path))
        except TemplateError as exc:
            raise doc.fail(
                TemplateError, f"template error in {exc.reason}", path, exc.expected
            ) from None


def condition(doc: Doc, value: Any, path: list[Any]) -> None:
    try:
        compile_when(value, json_path(path))
    except TemplateError as exc:
        raise doc.fail(
            TemplateError, f"invalid condition in {exc.reason}", path, "a Jinja2 expression"
        ) from None


def render_now(doc: Doc, value: Any, path: list[Any], variables: dict[str, Any]) -> Any:
    """Render a value needed at load time (targets, outputs) with playbook vars and -e vars."""
    if not has_template(value):
        return value
    if isinstance(value, dict):
        return {k: render_now(doc, v, [*path, k], variables) for k, v in value.items()}
    if isinstance(value, list):
        return [render_now(doc, v, [*path, i], variables) for i, v in enumerate(value)]
    try:
        return compile_value(value, json_path(path))(variables)
    except TemplateError as exc:
        raise doc.fail(
            TemplateError,
            f"template error in {exc.reason}",
            path,
            "variables defined in the playbook's vars or with -e",
        ) from None
