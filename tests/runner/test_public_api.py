"""``rmmkit``'s public names: every one imports, and ``import rmmkit`` stays cheap."""

from __future__ import annotations

import subprocess
import sys

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
