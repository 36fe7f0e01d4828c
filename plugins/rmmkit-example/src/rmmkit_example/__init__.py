"""An example rmmkit plugin: one action, one output, one error explanation.

Why a module of hook functions: pluggy registers the module itself as the
plugin (entry point ``example = "rmmkit_example"``); every ``@hookimpl``
function in it answers one hook of ``rmmkit.plugin.spec``.  Everything it
uses comes from ``rmmkit`` itself, the public API for plugin authors.
"""

from __future__ import annotations

from typing import Any

from rmmkit import (
    FILE_OPTION,
    Action,
    Outcome,
    Output,
    Register,
    RmmkitError,
    RunResult,
    TaskContext,
    hookimpl,
)


class ExampleRefused(RmmkitError):
    """Raised by ``example_hello`` when the host is named in ``refuse``."""


class HelloAction(Action):
    """Greets the host; fails with ExampleRefused for hosts listed in ``refuse``."""

    name = "example_hello"
    description = "say hello to a host (example plugin)"
    supports_check = True
    args_schema = {
        "type": "object",
        "properties": {
            "greeting": {"type": "string"},
            "refuse": {"type": "array", "items": {"type": "string"}},
        },
        "additionalProperties": False,
    }

    def run(self, ctx: TaskContext, args: dict[str, Any]) -> Outcome:
        if ctx.host.name in args.get("refuse", ()):
            raise ExampleRefused(f"{ctx.host.name} refused the greeting")
        greeting = args.get("greeting", "hello")
        if ctx.check:
            return Outcome(changed=True, msg=f"would say {greeting!r} to {ctx.host.name}")
        return Outcome(
            changed=True, msg=f"{greeting}, {ctx.host.name}", data={"greeting": greeting}
        )


class SummaryOutput(Output):
    """One line at the end of the run."""

    name = "example_summary"
    description = "one summary line per run (example plugin)"
    options_schema = {
        "type": "object",
        "properties": {"file": FILE_OPTION, "prefix": {"type": "string"}},
        "additionalProperties": False,
    }

    def finish(self, result: RunResult) -> None:
        counts = " ".join(f"{k}={v}" for k, v in result.counts().items())
        prefix = self.options.get("prefix", "example-summary")
        self.stream.write(f"{prefix}: hosts={len(result.hosts)} {counts}\n")
        self.stream.flush()


@hookimpl
def rmmkit_register_actions(register: Register) -> None:
    register(HelloAction.name, HelloAction)


@hookimpl
def rmmkit_register_outputs(register: Register) -> None:
    register(SummaryOutput.name, SummaryOutput)


@hookimpl
def rmmkit_explain_error(error: BaseException) -> list[str] | None:
    if isinstance(error, ExampleRefused):
        return ["the host is listed in the action's 'refuse' argument (example plugin)"]
    return None
