"""``rmmkit``'s public names: every one imports, and ``import rmmkit`` stays cheap."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

import rmmkit


@pytest.mark.parametrize("name", rmmkit.__all__)
def test_every_public_name_imports(name: str) -> None:
    assert getattr(rmmkit, name) is not None
    assert name in dir(rmmkit)


def test_all_lists_exactly_the_eager_and_lazy_names() -> None:
    eager = {
        "AuthenticationError",
        "HostResult",
        "InputError",
        "Outcome",
        "ProtocolError",
        "RmmkitError",
        "RunResult",
        "Status",
        "TaskResult",
        "TransportError",
        "UnreachableError",
    }
    assert set(rmmkit.__all__) == eager | set(rmmkit._LAZY) | {"__version__"}
    assert len(rmmkit.__all__) == len(set(rmmkit.__all__))


def test_unknown_name_is_an_attribute_error() -> None:
    with pytest.raises(AttributeError, match="no_such_name"):
        _ = rmmkit.no_such_name  # type: ignore[attr-defined]


def test_import_rmmkit_loads_no_heavy_module() -> None:
    heavy = (
        "sqlalchemy",
        "jinja2",
        "jsonschema",
        "pysnmp",
        "paramiko",
        "impacket",
        "rmmkit.run.runner",
    )
    code = f"import sys, rmmkit; print([m for m in {heavy!r} if m in sys.modules])"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


ROOT = Path(__file__).resolve().parents[2]
PLUGIN_AUTHOR_SOURCES = {
    "plugins/rmmkit-example": sorted((ROOT / "plugins" / "rmmkit-example").rglob("*.py")),
    "docs/plugins/guide.md": [ROOT / "docs" / "plugins" / "guide.md"],
}


@pytest.mark.parametrize("where", sorted(PLUGIN_AUTHOR_SOURCES))
def test_plugin_authors_import_from_rmmkit_only(where: str) -> None:
    """The example plugin and the guide use the public API, never rmmkit's internals."""
    files = PLUGIN_AUTHOR_SOURCES[where]
    assert files, f"nothing to check in {where}"
    imports = [
        line.strip()
        for path in files
        for line in path.read_text(encoding="utf-8").splitlines()
        if re.match(r"\s*(from|import) rmmkit\b", line)
    ]
    assert imports, f"{where} imports nothing from rmmkit"
    internal = [line for line in imports if not re.match(r"from rmmkit import ", line)]
    assert not internal, f"{where} reaches into rmmkit's internals: {internal}"
    names = {
        name.strip()
        for line in imports
        for name in line.removeprefix("from rmmkit import ").strip("()").split(",")
        if name.strip()
    }
    assert names <= set(rmmkit.__all__), sorted(names - set(rmmkit.__all__))


def test_loading_the_plugins_imports_no_protocol_library() -> None:
    """Every command loads every plugin: paramiko, impacket and pysnmp wait for first use."""
    code = (
        "import sys; from rmmkit import load_plugins; load_plugins();"
        "print([m for m in ('paramiko', 'impacket', 'pysnmp') if m in sys.modules])"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
