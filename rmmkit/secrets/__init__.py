"""Secrets: masked values and the sources they come from (vault, env, file, keyring)."""

from rmmkit.secrets.credentials import Material, materialize
from rmmkit.secrets.resolver import SecretResolver
from rmmkit.secrets.sources import SecretSource, SourceContext, child_env
from rmmkit.secrets.values import MASK, Secret
from rmmkit.secrets.vault import Vault

__all__ = [
    "MASK",
    "Material",
    "Secret",
    "SecretResolver",
    "SecretSource",
    "SourceContext",
    "Vault",
    "child_env",
    "materialize",
]
