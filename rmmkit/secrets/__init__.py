"""Secrets: masked values and the sources they come from (vault, env, file, keyring).

Why lazy re-exports: ``rmmkit.secrets.values`` is imported by the store and
the session on every start; the vault's cryptography and the resolver load
only when someone asks for them.
"""

from __future__ import annotations

import importlib
from typing import Any

from rmmkit.secrets.values import MASK, Secret

_LAZY = {
    "Material": "rmmkit.secrets.credentials",
    "materialize": "rmmkit.secrets.credentials",
    "SecretResolver": "rmmkit.secrets.resolver",
    "SecretSource": "rmmkit.secrets.sources",
    "SourceContext": "rmmkit.secrets.sources",
    "child_env": "rmmkit.secrets.sources",
    "Vault": "rmmkit.secrets.vault",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'rmmkit.secrets' has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)


__all__ = ["MASK", "Material", "Secret", "SecretResolver", "SecretSource", "SourceContext",
           "Vault", "child_env", "materialize"]  # fmt: skip
