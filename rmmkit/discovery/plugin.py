"""Built-in plugin of the discovery area: the ``discover`` action.

Why a module of its own: the plugin manager sees one module per area, and
disabling it (``RMMKIT_DISABLE_PLUGINS=rmmkit.discovery.plugin``) removes
scanning from playbooks.
"""

from __future__ import annotations

from rmmkit.discovery.actions import DiscoverAction
from rmmkit.plugin.spec import Register, hookimpl


@hookimpl
def rmmkit_register_actions(register: Register) -> None:
    register(DiscoverAction.name, DiscoverAction)
