"""Built-in plugin of the SNMP area: transport ``snmp`` and the actions of :mod:`.actions`.

Why a module of its own: ``rmmkit.plugin.manager.BUILTIN_PLUGINS`` registers
it like any third-party plugin, so disabling it (``RMMKIT_DISABLE_PLUGINS``)
removes SNMP cleanly.
"""

from __future__ import annotations

from rmmkit.plugin.spec import Register, hookimpl
from rmmkit.snmp.actions import SnmpIdentify, SnmpPoll
from rmmkit.snmp.transport import SnmpTransport


@hookimpl
def rmmkit_register_transports(register: Register) -> None:
    register(SnmpTransport.name, SnmpTransport)


@hookimpl
def rmmkit_register_actions(register: Register) -> None:
    register(SnmpIdentify.name, SnmpIdentify)
    register(SnmpPoll.name, SnmpPoll)
