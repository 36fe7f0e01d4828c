"""Pure logic of run planning: templates, when, tags, --limit, -e parsing."""

from __future__ import annotations

import pytest

from rmmkit.declared.models import Task
from rmmkit.declared.templating import compile_value, compile_when, has_template
from rmmkit.errors import InputError, TemplateError
from rmmkit.run.options import expand_limit, parse_extra_vars
from rmmkit.run.plan import task_selected


def test_constant_args_are_returned_without_copying():
    args = {"a": [1, 2], "b": {"c": "plain"}}
    assert not has_template(args)
    assert compile_value(args)({}) is args


def test_nested_templates_render_and_keep_native_types():
    render = compile_value(
        {
            "port": "{{ port }}",
            "url": "http://{{ host }}:{{ port }}/",
            "list": ["{{ port + 1 }}", "x"],
            "n": 5,
        }
    )
    assert render({"port": 22, "host": "h"}) == {
        "port": 22,
        "url": "http://h:22/",
        "list": [23, "x"],
        "n": 5,
    }


def test_undefined_variable_and_syntax_errors_are_template_errors():
    with pytest.raises(TemplateError, match="nope"):
        compile_value({"a": "{{ nope }}"}, "args")({})
    with pytest.raises(TemplateError, match=r"args\.a"):
        compile_value({"a": "{{ unclosed"}, "args")
    with pytest.raises(TemplateError):
        compile_when("x ==", "when")


def test_sandbox_refuses_attribute_escapes():
    with pytest.raises(TemplateError):
        compile_value("{{ ''.__class__.__mro__ }}")({})


@pytest.mark.parametrize(
    ("expr", "variables", "expected"),
    [
        ("os == 'windows'", {"os": "windows"}, True),
        ("{{ os == 'windows' }}", {"os": "linux"}, False),
        ("ports | length > 1", {"ports": [22, 445]}, True),
        (True, {}, True),
        (False, {}, False),
    ],
)
def test_when_expressions(expr, variables, expected):
    assert compile_when(expr)(variables) is expected
    assert compile_when(None) is None


def test_task_selection_by_tags():
    tagged = Task("t", "noop", tags=("deploy",))
    always = Task("a", "noop", tags=("always",))
    plain = Task("p", "noop")
    assert task_selected(plain, set(), set())
    assert not task_selected(plain, {"deploy"}, set())
    assert task_selected(tagged, {"deploy"}, set())
    assert task_selected(always, {"deploy"}, set())
    assert not task_selected(always, {"deploy"}, {"always"})
    assert not task_selected(tagged, {"all"}, {"deploy"})


def test_limit_expansion_reads_files_and_comma_lists(tmp_path):
    listing = tmp_path / "hosts.txt"
    listing.write_text("# comment\nweb1\n\n  db*  \n")
    assert expand_limit(["a,b", f"@{listing}", " c "]) == ["a", "b", "web1", "db*", "c"]
    with pytest.raises(InputError, match="cannot read"):
        expand_limit([f"@{tmp_path / 'missing.txt'}"])


def test_extra_vars_parsing():
    loaded = parse_extra_vars(["a=1", "b=x=y", "@f"], lambda path: {"c": [1], "a": "file"})
    assert loaded == {"a": "file", "b": "x=y", "c": [1]}
    for bad in ("novalue", "=x", "bad name=1"):
        with pytest.raises(InputError, match="key=value"):
            parse_extra_vars([bad], lambda path: {})
    with pytest.raises(InputError, match="mapping"):
        parse_extra_vars(["@f"], lambda path: ["not", "a", "mapping"])
