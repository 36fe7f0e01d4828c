"""Fixtures for the secrets tests: a cheap KDF for tamper loops, canaries, password files."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from rmmkit.plugin.manager import load_plugins
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


@pytest.fixture(autouse=True)
def _library_loggers_at_debug():
    """An earlier CLI run in the same process may have quietened library loggers
    (``rmmkit -v`` does); the leak tests need their DEBUG output, so reset them."""
    names = ("paramiko", "impacket", "pysnmp", "asyncio", "alembic")
    saved = {name: logging.getLogger(name).level for name in names}
    for name in names:
        logging.getLogger(name).setLevel(logging.NOTSET)
    yield
    for name, level in saved.items():
        logging.getLogger(name).setLevel(level)
