"""Fixtures of the runner tests: rmmkit.testing's fixtures load our test actions."""

from __future__ import annotations

from typing import Any

import pytest

from .helpers import PerSite, RunnerActions


@pytest.fixture
def rmmkit_extra_plugins() -> list[Any]:
    """Used by rmmkit.testing's fixtures: our test actions join the built-ins."""
    PerSite.seen = []
    return [RunnerActions()]
