"""Built-in plugin of the SNMP area: transport ``snmp`` and its actions.

Why a module of its own: ``rmmkit.plugins.BUILTIN_PLUGINS`` registers it like
any third-party plugin, so disabling it (``RMMKIT_DISABLE_PLUGINS``) removes
SNMP cleanly.
"""

from __future__ import annotations

from rmmkit.actions.snmp import SnmpIdentify, SnmpPoll
from rmmkit.hookspecs import Register, hookimpl
from rmmkit.snmp.transport import SnmpTransport


@hookimpl
def rmmkit_register_transports(register: Register) -> None:
    register(SnmpTransport.name, SnmpTransport)


@hookimpl
def rmmkit_register_actions(register: Register) -> None:
    register(SnmpIdentify.name, SnmpIdentify)
    register(SnmpPoll.name, SnmpPoll)
