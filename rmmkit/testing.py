"""pytest plugin for plugin authors (entry point ``pytest11: rmmkit``).

Why fixtures: a plugin's tests should run its action through the real runner
(check mode, templating, error → result, likely causes) without a network,
in a few lines.  Every transport-using action is routed to the mock
transport, whose per-host behaviour the ``mock_transport`` fixture sets.

Fixtures:

- ``rmmkit_extra_plugins`` — override it to return your plugin objects/modules.
- ``rmmkit_plugins`` — ``load_plugins(extra=rmmkit_extra_plugins)``.
- ``rmmkit_session`` — a :class:`rmmkit.run.session.Session` without a store.
- ``mock_transport`` — configure hosts: ``mock_transport.host("web1", unreachable=True)``;
  ``mock_transport.calls`` lists what actions did.
- ``run_playbook`` — ``run_playbook({"tasks": [...]}, hosts=["a", "b"], check=True)`` → RunResult.

Import-light on purpose: pytest imports this module in every test session of
every project that has rmmkit installed, so rmmkit itself is imported lazily.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest


class MockRouting:
    """A plugin that sends every transport-using action to the mock transport."""

    def __init__(self) -> None:
        from rmmkit.plugin.spec import hookimpl

        @hookimpl(tryfirst=True)
        def rmmkit_select_transport(host: Any, action: str) -> str:
            return "mock"

        self.rmmkit_select_transport = rmmkit_select_transport


class MockHosts:
    """What ``mock_transport`` yields: per-host behaviour and the recorded calls."""

    def __init__(self) -> None:
        from rmmkit.transports.mock import MockBehaviour, MockTransport

        self._behaviour_cls = MockBehaviour
        self._transport_cls = MockTransport

    def host(self, name: str, **behaviour: Any) -> Any:
        """Set ``name``'s behaviour: unreachable, auth_failure, latency, commands."""
        configured = self._behaviour_cls(**behaviour)
        self._transport_cls.behaviours[name] = configured
        return configured

    @property
    def calls(self) -> list[Any]:
        """What actions did on the mock transport in the last run, in order."""
        last = self._transport_cls.last
        return list(last.calls) if last is not None else []


@pytest.fixture
def rmmkit_extra_plugins() -> list[Any]:
    """Override in your conftest to load your plugin: ``return [my_plugin_module]``."""
    return []


@pytest.fixture
def rmmkit_plugins(rmmkit_extra_plugins: list[Any]) -> Any:
    """Built-ins, your plugins and the mock routing: what a real session would load."""
    from rmmkit.plugin.manager import load_plugins

    return load_plugins(extra=[*rmmkit_extra_plugins, MockRouting()])


@pytest.fixture
def rmmkit_session(rmmkit_plugins: Any, tmp_path: Path) -> Iterator[Any]:
    """A session in a temporary project folder, closed after the test."""
    from rmmkit.run.session import Session

    with Session.create(plugins=rmmkit_plugins, project_dir=tmp_path) as session:
        yield session


@pytest.fixture
def mock_transport() -> Iterator[MockHosts]:
    """Per-host mock behaviour for one test; what other tests configured is restored after."""
    from rmmkit.transports.mock import MockTransport

    saved = dict(MockTransport.behaviours)
    MockTransport.behaviours.clear()
    MockTransport.last = None
    try:
        yield MockHosts()
    finally:
        MockTransport.behaviours.clear()
        MockTransport.behaviours.update(saved)


def build_playbook(data: dict[str, Any], path: str = "<test>") -> Any:
    """A Playbook from a dict (no schema validation: that is the loader's job)."""
    from rmmkit.declared.models import OutputSpec, Playbook, Targets, Task

    tasks = tuple(
        Task(
            name=t.get("name", f"task {i + 1}"),
            action=t["action"],
            args=t.get("args") or {},
            when=t.get("when"),
            tags=tuple(t.get("tags") or ()),
            vars=t.get("vars") or {},
            timeout=t.get("timeout"),
        )
        for i, t in enumerate(data.get("tasks") or ())
    )
    outputs = tuple(
        OutputSpec(o["type"], {k: v for k, v in o.items() if k != "type"})
        for o in data.get("outputs") or ()
    )
    targets = Targets(**{k: tuple(v) for k, v in (data.get("targets") or {}).items()})
    return Playbook(
        path=path,
        name=data.get("name", "test"),
        targets=targets,
        tasks=tasks,
        outputs=outputs,
        vars=data.get("vars") or {},
    )


def _hosts(hosts: list[Any]) -> list[Any]:
    from rmmkit.declared.models import ResolvedHost

    out = []
    for i, h in enumerate(hosts):
        if isinstance(h, ResolvedHost):
            out.append(h)
        elif isinstance(h, str):
            out.append(ResolvedHost(name=h, address=f"127.0.0.{i + 1}"))
        else:
            out.append(ResolvedHost(**{"address": f"127.0.0.{i + 1}", **h}))
    return out


@pytest.fixture
def run_playbook(rmmkit_session: Any, mock_transport: MockHosts) -> Callable[..., Any]:
    """Run a playbook (dict, Playbook or YAML path) on mock hosts; returns the RunResult."""
    from rmmkit.run.options import RunOptions
    from rmmkit.run.start import run_playbook as run

    def runner(
        playbook: Any,
        hosts: list[Any] | None = None,
        *,
        outputs: list[Any] | None = None,
        stdout: Any = None,
        **options: Any,
    ) -> Any:
        import io

        if isinstance(playbook, dict):
            playbook = build_playbook(playbook)
        elif isinstance(playbook, str | Path):
            from rmmkit.declared.loader import load_playbook

            playbook = load_playbook(
                str(playbook), rmmkit_session.plugins, options.get("extra_vars")
            )
        opts = RunOptions(**options)
        return run(
            rmmkit_session,
            playbook,
            opts,
            hosts=_hosts(hosts or ["host1"]),
            outputs=outputs if outputs is not None else [],
            stdout=stdout or io.StringIO(),
        )

    return runner
