"""Built-in actions that need no protocol: ``noop``, ``debug``, ``fail``, ``set_fact``, ``connect``.

Why they exist: playbooks need a way to print and assert, plugin authors need
a minimal example, and the runner's tests and benchmark need actions whose
cost is nothing but the runner's own overhead.
"""

from __future__ import annotations

from typing import Any

from rmmkit.actions.base import Action, TaskContext
from rmmkit.errors import RmmkitError, UnreachableError
from rmmkit.plugin.spec import Register, hookimpl
from rmmkit.results import Outcome

_NOOP = Outcome()


class NoopAction(Action):
    """Does nothing, successfully (or reports a change when ``changed: true``)."""

    name = "noop"
    description = "do nothing; report ok (or changed)"
    supports_check = True
    args_schema = {
        "type": "object",
        "properties": {"changed": {"type": "boolean"}},
        "additionalProperties": False,
    }

    def run(self, ctx: TaskContext, args: dict[str, Any]) -> Outcome:
        if args and args.get("changed"):
            return Outcome(changed=True)
        return _NOOP


class DebugAction(Action):
    """Prints a templated message or the value of a variable."""

    name = "debug"
    description = "show a message (msg) or a variable's value (var)"
    supports_check = True
    args_schema = {
        "type": "object",
        "properties": {"msg": {}, "var": {"type": "string"}},
        "additionalProperties": False,
    }

    def run(self, ctx: TaskContext, args: dict[str, Any]) -> Outcome:
        if "var" in args:
            name = args["var"]
            value = ctx.vars.get(name, f"<{name} is undefined>")
            return Outcome(msg=f"{name} = {value!r}", data={name: value})
        msg = str(args.get("msg", "Hello from rmmkit"))
        return Outcome(msg=msg, data={"msg": msg})


class FailAction(Action):
    """Fails on purpose: to assert a condition with ``when``, and for tests."""

    name = "fail"
    description = "fail with msg (use with when to assert)"
    supports_check = True
    args_schema = {
        "type": "object",
        "properties": {
            "msg": {"type": "string"},
            "unreachable": {"type": "boolean"},
            "causes": {"type": "array", "items": {"type": "string"}},
        },
        "additionalProperties": False,
    }

    def run(self, ctx: TaskContext, args: dict[str, Any]) -> Outcome:
        msg = str(args.get("msg", "failed as requested"))
        causes = tuple(args.get("causes", ()))
        if args.get("unreachable"):
            raise UnreachableError(msg, host=ctx.host.name, causes=causes)
        raise RmmkitError(msg, causes=causes)


class SetFactAction(Action):
    """Sets per-host variables visible to the following tasks of the same host."""

    name = "set_fact"
    description = "set variables for the following tasks of this host"
    supports_check = True
    sets_facts = True  # the runner merges data["facts"] into the host's variables
    args_schema = {"type": "object", "minProperties": 1}

    def run(self, ctx: TaskContext, args: dict[str, Any]) -> Outcome:
        return Outcome(data={"facts": dict(args)})


class ConnectAction(Action):
    """Opens the host's connection and reports ok: a reachability and credentials check."""

    name = "connect"
    description = "open the host's connection over its selected transport (reachability check)"
    supports_check = True
    transport = "local"  # overridden per host by rmmkit_select_transport or var rmmkit_transport
    args_schema = {"type": "object", "additionalProperties": False}

    def run(self, ctx: TaskContext, args: dict[str, Any]) -> Outcome:
        ctx.connection()
        return Outcome(msg="connected")


@hookimpl
def rmmkit_register_actions(register: Register) -> None:
    for cls in (NoopAction, DebugAction, FailAction, SetFactAction, ConnectAction):
        register(cls.name, cls)
