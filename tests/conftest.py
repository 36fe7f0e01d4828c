"""Suite-wide isolation.

Secret sources register the raw values they read so that log lines and
result messages mask them; that registry lives for the whole process.  One
test's SNMP community ``public`` must not mask the word ``publickey`` in the
next test's SSH message, so each test starts with an empty registry.
"""

from __future__ import annotations

import pytest

from rmmkit.logs import clear_sensitive


@pytest.fixture(autouse=True)
def _fresh_sensitive_registry():
    clear_sensitive()
    yield
    clear_sensitive()
