"""The runner: one job per host in a thread pool, a host's tasks in order.

Why one function call per host: the pool's own cost (futures, locks, wakeups)
is paid once per host, not once per task; inside the job a task costs one
action call, two clock reads and one result object.  Everything the same for
every host was compiled beforehand (:mod:`rmmkit.run.plan`).

A host is done when its tasks are done, when it turns out unreachable (the
rest are SKIPPED), when its deadline passes (the watchdog in the main thread
fails it and abandons the thread), or when the run is interrupted (running
tasks finish, the rest are SKIPPED, hosts not yet started never start).
"""

from __future__ import annotations

import queue
import threading
import time
import uuid
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from rmmkit.declared.models import Playbook, ResolvedHost
from rmmkit.declared.resolve import task_vars
from rmmkit.declared.selection import apply_limit
from rmmkit.errors import RmmkitError, StoreError
from rmmkit.outputs.base import Output
from rmmkit.results import HostResult, RunResult, TaskResult
from rmmkit.run.host_job import (
    Countdown,
    HostState,
    JobSettings,
    drain,
    run_host_tasks,
    skip_rest,
)
from rmmkit.run.options import RunOptions
from rmmkit.run.plan import CompiledTask, compile_tasks, segments, targeted_sites
from rmmkit.run.signals import stop_on_signals

if TYPE_CHECKING:
    from rmmkit.run.session import Session


class Runner:
    """Runs one playbook over resolved hosts; see the module docstring."""

    def __init__(
        self,
        session: Session,
        playbook: Playbook,
        hosts: list[ResolvedHost],
        options: RunOptions | None = None,
        outputs: list[Output] | None = None,
        refresh_hosts: Callable[[], list[ResolvedHost]] | None = None,
    ) -> None:
        self.session = session
        self.playbook = playbook
        self.options = options or RunOptions()
        self.outputs = list(outputs or [])
        self.refresh_hosts = refresh_hosts  # re-select hosts after a per-site segment (scans)
        self.hosts = apply_limit(list(hosts), self.options.limit)
        self.tasks = compile_tasks(playbook, session, self.options.tags, self.options.skip_tags)
        self.stop_event = threading.Event()
        self.run_id = ""
        self._states: dict[str, HostState] = {}
        self._store_error: BaseException | None = None
        self._done_before: set[tuple[str, str]] = set()  # (host, task) recorded before a resume
        self._facts_before: dict[str, dict[str, Any]] = {}  # set_fact values before a resume
        self.previously_interrupted: list[dict[str, Any]] = []  # runs the store found abandoned
        hook = session.plugins.hook
        self._hook = hook
        self._publishers = self._make_publishers()
        # Tasks skipped by an interrupt are shown but not stored: a resume runs them.
        self._unstored = [p for p in self._publishers if p != self._record]

    # -- events -------------------------------------------------------------------------

    def _make_publishers(self) -> list[Callable[..., Any]]:
        """Only the listeners that do something: skipping empty hooks keeps the hot path short."""
        pubs: list[Callable[..., Any]] = []
        if self._hook.rmmkit_task_result.get_hookimpls():
            hook = self._hook.rmmkit_task_result
            pubs.append(lambda r: hook(result=r))
        for out in self.outputs:
            if type(out).task_result is not Output.task_result:
                pubs.append(out.task_result)
        store = self.session.store
        if store is not None:
            pubs.append(self._record)
        return pubs

    def _record(self, result: TaskResult) -> None:
        store = self.session.store
        if self._store_error is not None or store is None:
            return
        try:
            store.record_task_result(self.run_id, result)
        except Exception as exc:  # keep running hosts; the run ends with a StoreError
            self._store_error = exc

    def stop(self) -> None:
        """Ask the run to stop: running tasks finish, nothing new starts."""
        self.stop_event.set()

    # -- the run --------------------------------------------------------------------------

    def sites(self) -> list[str]:
        return targeted_sites(self.playbook, self.hosts, self.options.limit)

    def run(self) -> RunResult:
        """Run every task on every host; with a store, under a lock on the targeted sites."""
        self.run_id = self.options.resume or uuid.uuid4().hex
        store = self.session.store
        if store is None:
            return self._run_locked()
        holder = f"run {self.run_id} of {self.playbook.name or self.playbook.path}"
        with store.site_lock(self.sites(), holder) as lock:
            self.previously_interrupted = list(lock.interrupted)
            return self._run_locked()

    def _run_locked(self) -> RunResult:
        opts, store = self.options, self.session.store
        sites = self.sites()
        host_names = [h.name for h in self.hosts]
        if store is not None and opts.resume:
            self._done_before = store.resume_run(opts.resume)
            setters = {ct.action_name for ct in self.tasks if ct.sets_facts}
            self._facts_before = store.facts_recorded(opts.resume, setters)
        elif store is not None:
            self.run_id = store.begin_run(
                self.playbook.path, sites, opts.check, len(self.hosts), run_id=self.run_id
            )
        result = RunResult(self.run_id, self.playbook.path, started=time.time(), check=opts.check)
        self._hook.rmmkit_run_start(
            run_id=self.run_id, playbook=self.playbook.path, hosts=host_names, check=opts.check
        )
        for out in self.outputs:
            out.start(self.run_id, self.playbook.path, host_names, opts.check)
        try:
            with stop_on_signals(self.stop, enabled=opts.handle_signals):
                self._execute(sites)
        finally:
            self._finish(result)
        if self._store_error is not None:
            raise StoreError(
                f"results of run {self.run_id} could not all be stored: {self._store_error}"
            )
        return result

    def _execute(self, sites: list[str]) -> None:
        for per, tasks in segments(self.tasks):
            if self.stop_event.is_set():
                break
            targets = [self._site_host(s) for s in sites] if per == "site" else self.hosts
            self._run_segment(targets, tasks)
            if per == "site" and self.refresh_hosts is not None:
                self.hosts = apply_limit(self.refresh_hosts(), self.options.limit)

    def _site_host(self, site: str) -> ResolvedHost:
        inv = self.session.inventory
        declared = inv.sites.get(site) if inv is not None else None
        return ResolvedHost(
            name=site,
            address="",
            site=site,
            vars=dict(declared.vars) if declared is not None else {},
        )

    def _state(self, host: ResolvedHost) -> HostState:
        st = self._states.get(host.name)
        if st is None or st.host is not host or st.abandoned:
            # A fresh state per host object; a timed-out host's abandoned thread keeps the
            # old one, so nothing it does later can reach this one.
            prev = st
            st = HostState(host, self._base_vars(host))
            st.facts = dict(self._facts_before.get(host.name, {}))
            if prev is not None:  # same name in a later segment: keep results and flags
                st.results, st.facts, st.dead = prev.results, prev.facts, prev.dead
                if prev.abandoned:
                    st.dead = st.dead or "host timed out earlier in this run"
            self._states[host.name] = st
        return st

    def _base_vars(self, host: ResolvedHost) -> dict[str, Any]:
        """Built-ins < inventory < site < group < host < playbook < ``-e`` (task vars: per task).

        The precedence is :func:`rmmkit.declared.resolve.task_vars`'s, so ``rmmkit
        inventory show`` and a run agree on what a host sees.
        """
        builtins = {"check_mode": self.options.check, "run_id": self.run_id}
        return {**builtins, **task_vars(host, self.playbook, extra_vars=self.options.extra_vars)}

    def _run_segment(self, hosts: list[ResolvedHost], tasks: list[CompiledTask]) -> None:
        """Run ``tasks`` on every host with ``forks`` worker threads; return when all are done.

        Workers pull hosts from one queue (no future per host: 10,000 futures cost more
        than the tasks); the main thread waits, enforces deadlines and handles stop.
        """
        states = [self._state(h) for h in hosts]
        if not states:
            return
        todo: queue.SimpleQueue[HostState] = queue.SimpleQueue()
        for st in states:
            todo.put(st)
        countdown = Countdown(len(states))
        running: dict[HostState, float] = {}  # host state → deadline (by identity)
        job = self._job_settings()
        stop, timeout = self.stop_event, self.options.timeout
        done_before = self._done_before

        def worker() -> None:
            take = todo.get_nowait
            while not stop.is_set():
                try:
                    st = take()
                except queue.Empty:
                    return
                running[st] = time.monotonic() + timeout
                host_tasks = tasks
                if done_before:  # resuming: what the interrupted run recorded is not redone
                    name = st.host.name
                    host_tasks = [ct for ct in tasks if (name, ct.name) not in done_before]
                st.tasks, st.position = host_tasks, 0
                try:
                    run_host_tasks(st, host_tasks, job)
                except Exception as exc:  # a runner bug must not hang the run
                    with st.lock:
                        if not st.abandoned:
                            skip_rest(
                                st,
                                st.tasks,
                                st.position,
                                f"internal error: {exc!r}",
                                self._publishers,
                                failed_first=True,
                            )
                finally:
                    running.pop(st, None)
                with st.lock:
                    if st.abandoned:
                        return  # the watchdog counted this host and started a replacement worker
                countdown.done()

        def start_worker() -> None:
            threading.Thread(target=worker, name="rmmkit-host", daemon=True).start()

        for _ in range(min(max(1, self.options.forks), len(states))):
            start_worker()
        tick, drained = self.options.watchdog_interval, False
        while not countdown.event.wait(tick):
            if stop.is_set() and not drained:
                drained = True
                countdown.done(drain(todo))
            now = time.monotonic()
            for st, deadline in list(running.items()):
                if now > deadline:
                    why = f"host timed out after {timeout:g} s"
                elif st.task_deadline and now > st.task_deadline and st.position < len(st.tasks):
                    why = f"task timed out after {st.tasks[st.position].task.timeout:g} s"
                else:
                    continue
                if self._abandon(st, why):
                    running.pop(st, None)
                    countdown.done()
                    start_worker()

    def _abandon(self, st: HostState, why: str) -> bool:
        """Fail a host whose deadline passed; its thread's later results are dropped."""
        with st.lock:
            if st.abandoned or st.finished:
                return False
            st.abandoned = True
            skip_rest(st, st.tasks, st.position, why, self._publishers, failed_first=True)
            return True

    def _job_settings(self) -> JobSettings:
        opts = self.options
        return JobSettings(
            session=self.session,
            check=opts.check,
            diff=opts.diff,
            run_id=self.run_id,
            publishers=self._publishers,
            unstored_publishers=self._unstored,
            stop=self.stop_event,
            hook=self._hook,
            connect_timeout=min(opts.connect_timeout, opts.timeout),
            extra_vars=opts.extra_vars,
        )

    def _finish(self, result: RunResult) -> None:
        for st in self._states.values():
            if st.results:
                result.hosts[st.host.name] = HostResult(st.host.name, st.results)
        result.ended = time.time()
        interrupted = self.stop_event.is_set()
        result.interrupted = interrupted
        store = self.session.store
        if store is not None:
            status = "interrupted" if interrupted else ("failed" if result.failed_hosts else "ok")
            try:
                store.finish_run(self.run_id, status, result.counts())
            except RmmkitError as exc:
                self._store_error = self._store_error or exc
        for out in self.outputs:
            out.finish(result)
        self._hook.rmmkit_run_finish(result=result)
