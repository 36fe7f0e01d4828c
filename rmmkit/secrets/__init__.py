"""Secrets: masked values and the sources they come from (vault, env, file, keyring)."""

from rmmkit.secrets.values import MASK, Secret

__all__ = ["MASK", "Secret"]
