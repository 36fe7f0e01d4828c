"""Compile task templates once per run, render them per host.

Why compile ahead: a playbook's task runs on thousands of hosts; parsing the
same Jinja2 source for each of them dominates the runner's hot path.  Args
that contain no ``{{`` are returned as they are (no copy, no render), and a
``when`` expression is compiled to one callable.

The environment is sandboxed with ``StrictUndefined``: a typo in a variable
name is an error naming the variable, not an empty string.  This is the one
template engine of rmmkit: the runner, the loader's load-time rendering and
:func:`rmmkit.declared.resolve.render` / :func:`rmmkit.declared.resolve.evaluate_when` all
compile through it, so every caller sees the same semantics and errors.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import jinja2
from jinja2.sandbox import ImmutableSandboxedEnvironment

from rmmkit.errors import TemplateError

_ENV = ImmutableSandboxedEnvironment(undefined=jinja2.StrictUndefined, autoescape=False)

Renderer = Callable[[Mapping[str, Any]], Any]


def has_template(value: Any) -> bool:
    """True when ``value`` (or anything nested in it) contains a ``{{`` or ``{%``."""
    if isinstance(value, str):
        return "{{" in value or "{%" in value
    if isinstance(value, dict):
        return any(has_template(v) for v in value.values())
    if isinstance(value, list | tuple):
        return any(has_template(v) for v in value)
    return False


def _fail(where: str, exc: Exception) -> TemplateError:
    # A filter's own error (1/0, a bad int()) is the template's fault too: name its type.
    detail = str(exc) if isinstance(exc, jinja2.TemplateError) else f"{type(exc).__name__}: {exc}"
    return TemplateError(
        f"{where}: {detail}", expected="a valid Jinja2 template over defined variables"
    )


def _defined(value: Any) -> Any:
    """Fail on an undefined name anywhere in a native value (``{{ [a, b] }}`` too).

    StrictUndefined only raises when a value is *used*; a whole-value
    expression hands it back unused, so it is used here.
    """
    if isinstance(value, jinja2.Undefined):
        value._fail_with_undefined_error()
    elif isinstance(value, dict):
        for item in value.values():
            _defined(item)
    elif isinstance(value, list | tuple):
        for item in value:
            _defined(item)
    return value


def _compile_str(text: str, where: str) -> Renderer:
    try:
        stripped = text.strip()
        # A whole-value expression keeps its native type ("{{ port }}" → 22, not "22").
        if stripped.startswith("{{") and stripped.endswith("}}") and stripped.count("{{") == 1:
            expr = _ENV.compile_expression(stripped[2:-2].strip(), undefined_to_none=False)

            def render_expr(variables: Mapping[str, Any]) -> Any:
                try:
                    return _defined(expr(**variables))
                except Exception as exc:  # a filter may raise anything
                    raise _fail(where, exc) from None

            return render_expr
        template = _ENV.from_string(text)
    except jinja2.TemplateSyntaxError as exc:
        raise _fail(where, exc) from None

    def render_text(variables: Mapping[str, Any]) -> Any:
        try:
            return template.render(variables)
        except Exception as exc:  # a filter may raise anything
            raise _fail(where, exc) from None

    return render_text


def compile_value(value: Any, where: str = "template") -> Renderer:
    """A function ``vars -> rendered value``; constant parts are shared, never copied."""
    if not has_template(value):
        return lambda _variables: value
    if isinstance(value, str):
        return _compile_str(value, where)
    if isinstance(value, dict):
        parts = {k: compile_value(v, f"{where}.{k}") for k, v in value.items()}
        return lambda variables: {k: part(variables) for k, part in parts.items()}
    items = [compile_value(v, f"{where}[{i}]") for i, v in enumerate(value)]
    return lambda variables: [item(variables) for item in items]


def compile_when(
    expr: str | bool | None, where: str = "when"
) -> Callable[[Mapping[str, Any]], bool] | None:
    """Compile a ``when`` condition; ``None`` means "always run"."""
    if expr is None:
        return None
    if isinstance(expr, bool):
        return lambda _variables: expr
    source = expr.strip()
    if source.startswith("{{") and source.endswith("}}"):
        source = source[2:-2].strip()
    try:
        compiled = _ENV.compile_expression(source, undefined_to_none=False)
    except jinja2.TemplateSyntaxError as exc:
        raise _fail(where, exc) from None

    def evaluate(variables: Mapping[str, Any]) -> bool:
        try:
            return bool(_defined(compiled(**variables)))
        except Exception as exc:  # a filter may raise anything
            raise _fail(where, exc) from None

    return evaluate
