"""Test-only actions and a host factory for the runner tests.

The actions here exist to observe the runner (which transport it chose, in
which order tasks ran, what happened on a slow host); protocol behaviour is
tested in each protocol's own area against real peers.
"""

from __future__ import annotations

import threading
import time
from typing import Any

from rmmkit.actions.base import Action, TaskContext
from rmmkit.declared.models import ResolvedHost
from rmmkit.errors import AuthenticationError
from rmmkit.plugin.spec import hookimpl
from rmmkit.results import Outcome


class RunCommand(Action):
    """Runs ``cmd`` over the host's mock connection."""

    name = "t_command"
    transport = "mock"

    def run(self, ctx: TaskContext, args: dict[str, Any]) -> Outcome:
        rc, out, _err = ctx.connection().run(args["cmd"])
        if rc:
            raise AuthenticationError(f"rc={rc}", host=ctx.host.name)
        return Outcome(changed=True, msg=out, data={"rc": rc})


class Sleep(Action):
    """Sleeps ``seconds`` (to exercise per-host timeouts and interruption).

    ``Sleep.started`` is set when any sleep begins: a test that interrupts a
    run waits for it instead of guessing with a timer how long start-up takes.
    """

    name = "t_sleep"
    supports_check = True
    started = threading.Event()

    def run(self, ctx: TaskContext, args: dict[str, Any]) -> Outcome:
        Sleep.started.set()
        time.sleep(float(args.get("seconds", 0.1)))
        return Outcome(msg="slept")


def stop_when_a_sleep_starts(runner: Any) -> threading.Thread:
    """Stop ``runner`` as soon as one host is inside a ``t_sleep`` task (deterministic)."""
    Sleep.started.clear()

    def watch() -> None:
        if Sleep.started.wait(30):
            runner.stop()

    thread = threading.Thread(target=watch, daemon=True, name="test-stopper")
    thread.start()
    return thread


class Explode(Action):
    """Raises a plain Python exception (a bug in an action)."""

    name = "t_explode"
    supports_check = True

    def run(self, ctx: TaskContext, args: dict[str, Any]) -> Outcome:
        raise ValueError(args.get("msg", "boom"))


class Changer(Action):
    """Changes something; does not support check mode; returns a diff."""

    name = "t_change"

    def run(self, ctx: TaskContext, args: dict[str, Any]) -> Outcome:
        diff = {"before": "old", "after": args.get("value", "new")} if ctx.diff else None
        return Outcome(changed=True, msg=f"set {args.get('value', 'new')}", diff=diff)


class PerSite(Action):
    """Runs once per targeted site; records the pseudo-host it got."""

    name = "t_site"
    per = "site"
    supports_check = True
    seen: list[str] = []
    lock = threading.Lock()

    def run(self, ctx: TaskContext, args: dict[str, Any]) -> Outcome:
        with self.lock:
            PerSite.seen.append(ctx.host.name)
        return Outcome(msg=f"site {ctx.host.site}")


class Echo(Action):
    """Returns its (rendered) args and the variables it saw."""

    name = "t_echo"
    supports_check = True

    def run(self, ctx: TaskContext, args: dict[str, Any]) -> Outcome:
        return Outcome(msg=str(args.get("msg", "")), data={"args": args})


class WrongReturn(Action):
    name = "t_wrong"
    supports_check = True

    def run(self, ctx: TaskContext, args: dict[str, Any]) -> Outcome:
        return "not an outcome"  # type: ignore[return-value]


class RunnerActions:
    """A plugin object registering the actions above."""

    @hookimpl
    def rmmkit_register_actions(self, register: Any) -> None:
        for cls in (RunCommand, Sleep, Explode, Changer, PerSite, Echo, WrongReturn):
            register(cls.name, cls)


def hosts(count: int, site: str = "", **kw: Any) -> list[ResolvedHost]:
    return [
        ResolvedHost(name=f"h{i}", address=f"127.0.1.{i + 1}", site=site, **kw)
        for i in range(count)
    ]
