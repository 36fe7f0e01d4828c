"""Runner overhead: 10,000 hosts x 5 no-op tasks on the mock transport, rmmkit vs nornir.

Both runners get the same work: one thread pool of ``--forks`` workers, one
job per host, the host's mock connection opened once and reused by its five
no-op tasks.  nornir runs a grouped task (one ``task.run`` per sub-task),
its idiomatic way of running several tasks on a host in order.  Neither side
writes to a store or prints per-task output; both collect every result.

Usage: ``python bench/runner_overhead.py [--hosts 10000] [--tasks 5] [--forks 50]``.
The last line is ``runner_overhead: rmmkit X s, nornir Y s, ratio Y/X``.
"""

from __future__ import annotations

import argparse
import gc
import time
from typing import Any

from rmmkit.actions.base import Action, TaskContext
from rmmkit.declared.models import Playbook, ResolvedHost, Task
from rmmkit.plugin.spec import hookimpl
from rmmkit.results import Outcome
from rmmkit.run.options import RunOptions
from rmmkit.run.runner import Runner
from rmmkit.run.session import Session
from rmmkit.transports.mock import MockTransport

NOOP = Outcome()


class MockNoop(Action):
    """A no-op that needs the host's mock connection (opened once, then cached)."""

    name = "bench_mock_noop"
    transport = "mock"
    supports_check = True

    def run(self, ctx: TaskContext, args: dict[str, Any]) -> Outcome:
        ctx.connection()
        return NOOP


class BenchPlugin:
    @hookimpl
    def rmmkit_register_actions(self, register: Any) -> None:
        register(MockNoop.name, MockNoop)


def run_rmmkit(n_hosts: int, n_tasks: int, forks: int) -> tuple[float, int]:
    MockTransport.record_calls = False
    session = Session.create(extra_plugins=[BenchPlugin()])
    playbook = Playbook(
        path="bench.yml",
        name="bench",
        tasks=tuple(Task(name=f"noop{i}", action=MockNoop.name) for i in range(n_tasks)),
    )
    hosts = [
        ResolvedHost(name=f"host{i:05d}", address=f"10.{i >> 16}.{(i >> 8) & 255}.{i & 255}")
        for i in range(n_hosts)
    ]
    start = time.perf_counter()
    result = Runner(session, playbook, hosts, RunOptions(forks=forks)).run()
    elapsed = time.perf_counter() - start
    return elapsed, sum(len(hr.results) for hr in result.hosts.values())


def run_nornir(n_hosts: int, n_tasks: int, forks: int) -> tuple[float, int]:
    from nornir.core import Nornir
    from nornir.core.inventory import Defaults, Groups, Host, Hosts, Inventory
    from nornir.core.plugins.connections import ConnectionPluginRegister
    from nornir.core.task import Result
    from nornir.core.task import Task as NTask
    from nornir.plugins.runners import ThreadedRunner

    transport = MockTransport(None)

    class NornirMock:
        """nornir connection plugin over the same MockTransport rmmkit uses."""

        def open(
            self,
            hostname: str | None,
            username: str | None,
            password: str | None,
            port: int | None,
            platform: str | None,
            extras: dict[str, Any] | None = None,
            configuration: Any = None,
        ) -> None:
            self.connection = transport.open(
                ResolvedHost(name=hostname or "", address=hostname or ""), timeout=30.0
            )

        def close(self) -> None:
            self.connection.close()

    ConnectionPluginRegister.register("rmmkit_mock", NornirMock)

    def noop(task: NTask) -> Result:
        task.host.get_connection("rmmkit_mock", task.nornir.config)
        return Result(host=task.host)

    def grouped(task: NTask) -> Result:
        for i in range(n_tasks):
            task.run(task=noop, name=f"noop{i}")
        return Result(host=task.host)

    hosts = Hosts(
        {f"host{i:05d}": Host(name=f"host{i:05d}", hostname=f"host{i:05d}") for i in range(n_hosts)}
    )
    nr = Nornir(
        inventory=Inventory(hosts=hosts, groups=Groups(), defaults=Defaults()),
        runner=ThreadedRunner(num_workers=forks),
    )
    start = time.perf_counter()
    result = nr.run(task=grouped)
    nr.close_connections()
    elapsed = time.perf_counter() - start
    return elapsed, sum(len(multi) - 1 for multi in result.values())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hosts", type=int, default=10_000)
    parser.add_argument("--tasks", type=int, default=5)
    parser.add_argument("--forks", type=int, default=50)
    args = parser.parse_args()
    gc.collect()
    ours, our_results = run_rmmkit(args.hosts, args.tasks, args.forks)
    print(
        f"rmmkit: {args.hosts} hosts x {args.tasks} tasks, {args.forks} workers: "
        f"{ours:.3f} s ({our_results} results)"
    )
    gc.collect()
    theirs, their_results = run_nornir(args.hosts, args.tasks, args.forks)
    print(
        f"nornir: {args.hosts} hosts x {args.tasks} tasks, {args.forks} workers: "
        f"{theirs:.3f} s ({their_results} results)"
    )
    expected = args.hosts * args.tasks
    if our_results != expected or their_results != expected:
        raise SystemExit(
            f"result count mismatch: rmmkit {our_results}, nornir {their_results}, "
            f"expected {expected}"
        )
    print(f"runner_overhead: rmmkit {ours:.3f} s, nornir {theirs:.3f} s, ratio {theirs / ours:.2f}")


if __name__ == "__main__":
    main()
