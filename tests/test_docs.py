"""The docs keep up with the code: every hook has a section, every exit code is documented."""

from __future__ import annotations

import inspect
import re
from pathlib import Path

from rmmkit.errors import EXIT_CODES
from rmmkit.plugin import spec as hookspecs

DOCS = Path(__file__).resolve().parent.parent / "docs"


def hook_names() -> list[str]:
    return sorted(
        name
        for name, obj in inspect.getmembers(hookspecs, inspect.isfunction)
        if name.startswith("rmmkit_") and hasattr(obj, "rmmkit_spec")
    )


def test_hookspecs_are_found():
    names = hook_names()
    assert "rmmkit_register_actions" in names and "rmmkit_explain_error" in names


def test_every_hook_has_a_section_in_hooks_md():
    text = (DOCS / "plugins" / "hooks.md").read_text()
    sections = set(re.findall(r"^## (rmmkit_\w+)\s*$", text, flags=re.MULTILINE))
    missing = [name for name in hook_names() if name not in sections]
    assert not missing, f"docs/plugins/hooks.md has no '## <name>' section for: {missing}"
    stale = sorted(sections - set(hook_names()))
    assert not stale, f"docs/plugins/hooks.md documents hooks that do not exist: {stale}"


def test_every_exit_code_is_in_the_cli_reference():
    text = (DOCS / "cli.md").read_text()
    rows = dict(re.findall(r"^\|\s*(\d+)\s*\|\s*(.+?)\s*\|\s*$", text, flags=re.MULTILINE))
    for code, meaning in EXIT_CODES.items():
        assert str(code) in rows, f"exit code {code} ({meaning}) is missing from docs/cli.md"
