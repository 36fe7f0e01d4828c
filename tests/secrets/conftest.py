"""Fixtures for the secrets tests: a cheap KDF for tamper loops, canaries, password files."""

from __future__ import annotations

from pathlib import Path

import pytest

from rmmkit.plugins import load_plugins
from rmmkit.secrets.canary import Canaries
from rmmkit.secrets.resolver import SecretResolver


@pytest.fixture(scope="session")
def canaries() -> Canaries:
    return Canaries(100)


@pytest.fixture(scope="session")
def plugins():
    return load_plugins(entry_points=False)


@pytest.fixture
def pwfile(tmp_path: Path) -> Path:
    path = tmp_path / "vault-pass"
    path.write_text("correct horse battery staple\n")
    path.chmod(0o600)
    return path


@pytest.fixture
def make_resolver(plugins, tmp_path: Path):
    def make(**kwargs) -> SecretResolver:
        kwargs.setdefault("base_dir", tmp_path)
        kwargs.setdefault("env", {})
        return SecretResolver(plugins.secret_sources, **kwargs)

    return make
