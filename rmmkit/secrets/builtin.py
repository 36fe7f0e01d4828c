"""Built-in plugin: registers the vault, env, file and keyring secret sources.

Why through the hook like any plugin: the resolver only knows the registry,
so a third-party source is a first-class citizen and a built-in can be
disabled with ``RMMKIT_DISABLE_PLUGINS=rmmkit.secrets.builtin``.
"""

from __future__ import annotations

from rmmkit.plugin.spec import Register, hookimpl
from rmmkit.secrets.sources import BUILTIN_SOURCES


@hookimpl
def rmmkit_register_secret_sources(register: Register) -> None:
    for source in BUILTIN_SOURCES:
        register(source.name, source)
