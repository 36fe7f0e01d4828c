"""One host's job: its tasks in order over one connection cache (the runner's hot path).

Why a module of its own: this is the code that runs 50,000 times in the
benchmark; keeping it small and free of logging calls, copies and per-task
locks other than the host's own (uncontended) one is what makes the runner
fast.  An exception from an action becomes a FAILED result with its likely
causes; an :class:`~rmmkit.errors.UnreachableError` makes the host
UNREACHABLE and skips its remaining tasks.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from time import monotonic, time
from typing import TYPE_CHECKING, Any

from rmmkit.actions.base import TaskContext
from rmmkit.declared.models import ResolvedHost
from rmmkit.errors import RmmkitError, UnreachableError
from rmmkit.logs import mask_sensitive
from rmmkit.results import Outcome, Status, TaskResult
from rmmkit.run.plan import CompiledTask
from rmmkit.transports.base import Connection, ConnectionCache, Notice

if TYPE_CHECKING:
    from rmmkit.run.session import Session

ACTION_LOG = logging.getLogger("rmmkit.action")
OK, CHANGED, FAILED, UNREACHABLE, SKIPPED = (
    Status.OK,
    Status.CHANGED,
    Status.FAILED,
    Status.UNREACHABLE,
    Status.SKIPPED,
)


Publisher = Callable[[TaskResult], Any]


@dataclass(frozen=True, slots=True)
class JobSettings:
    """What every host's job in one segment of a run shares (built once by the runner)."""

    session: Session
    check: bool
    diff: bool
    run_id: str
    publishers: Sequence[Publisher]  # every listener of a result: hooks, outputs, the store
    unstored_publishers: Sequence[Publisher]  # the same minus the store (interrupted tasks)
    stop: threading.Event
    hook: Any  # pluggy's hook relay: attributes are the hooks
    connect_timeout: float
    extra_vars: Mapping[str, Any]


class HostState:
    """A host's results and flags, shared by its worker thread and the watchdog."""

    __slots__ = (
        "abandoned",
        "base_vars",
        "dead",
        "facts",
        "finished",
        "host",
        "lock",
        "position",
        "results",
        "task_deadline",
        "tasks",
    )

    def __init__(self, host: ResolvedHost, base_vars: dict[str, Any]) -> None:
        self.host = host
        self.base_vars = base_vars
        self.results: list[TaskResult] = []
        self.facts: dict[str, Any] = {}
        self.dead = ""  # why the remaining tasks are skipped (unreachable), "" while alive
        self.abandoned = False  # the watchdog failed this host; drop the thread's later results
        self.finished = False
        self.position = 0  # index of the next task without a result
        self.tasks: list[CompiledTask] = []  # this host's tasks in the current segment
        self.task_deadline = 0.0  # monotonic deadline of the running task's own timeout, 0: none
        self.lock = threading.Lock()


class HostConnections(ConnectionCache):
    """The per-host cache, plus which transport the current task's ``ctx.connection()`` means."""

    def use(self, name: str) -> None:
        self._default = name


def explain(hook: Any, error: BaseException) -> tuple[str, ...]:
    """The error's own causes, then every plugin's, without duplicates, in order."""
    seen: dict[str, None] = dict.fromkeys(getattr(error, "causes", ()) or ())
    try:
        answers = hook.rmmkit_explain_error(error=error)
    except Exception:  # an explaining plugin must never hide the original error
        answers = []
    for answer in answers:
        for cause in answer or ():
            seen.setdefault(str(cause), None)
    return tuple(seen)


def error_message(exc: BaseException) -> str:
    """The failure text of a result; a library's message may quote what it was given,
    so values the secret sources registered as sensitive are masked."""
    if isinstance(exc, RmmkitError):
        return mask_sensitive(str(exc))
    text = mask_sensitive(str(exc))
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def skip_rest(
    st: HostState,
    tasks: list[CompiledTask],
    start: int,
    reason: str,
    publishers: Sequence[Publisher],
    *,
    failed_first: bool = False,
) -> None:
    """Give every task from ``start`` on a result; the first one FAILED if ``failed_first``."""
    name, now = st.host.name, time()
    for i in range(start, len(tasks)):
        ct = tasks[i]
        status = FAILED if failed_first and i == start else SKIPPED
        r = TaskResult(name, ct.name, ct.action_name, status, reason, started=now, ended=now)
        st.results.append(r)
        for publish in publishers:
            publish(r)
    st.position = len(tasks)


def run_host_tasks(st: HostState, tasks: list[CompiledTask], job: JobSettings) -> None:
    """Run ``tasks`` on ``st.host`` in order; every task gets exactly one result."""
    host, lock, results = st.host, st.lock, st.results
    publishers, stop, hook = job.publishers, job.stop, job.hook
    session = job.session
    cache = HostConnections(host, _opener(session), timeout=job.connect_timeout, default="local")
    chosen: dict[str, str] = {}
    st.tasks, st.position, st.finished = tasks, 0, False
    # One context per host, its task and vars updated per task (valid during run() only).
    ctx = TaskContext(
        host=host,
        task=tasks[0].task if tasks else None,  # type: ignore[arg-type]  # set per task
        session=session,
        connections=cache,
        vars=st.base_vars,
        check=job.check,
        diff=job.diff,
        run_id=job.run_id,
        log=ACTION_LOG,
    )
    try:
        for i, ct in enumerate(tasks):
            if st.dead or stop.is_set():
                with lock:
                    if not st.abandoned:
                        if st.dead:
                            skip_rest(st, tasks, i, st.dead, publishers)
                        else:  # interrupted: not stored, so that a resume runs these tasks
                            skip_rest(st, tasks, i, "run interrupted", job.unstored_publishers)
                return
            if ct.transport is not None:
                name = chosen.get(ct.action_name)
                if name is None:
                    name = (
                        hook.rmmkit_select_transport(host=host, action=ct.action_name)
                        or ct.transport
                    )
                    chosen[ct.action_name] = name
                cache.use(name)
            if ct.task.timeout:
                st.task_deadline = monotonic() + ct.task.timeout
                r = run_one(st, ct, ctx, job)
                st.task_deadline = 0.0
            else:
                r = run_one(st, ct, ctx, job)
            if cache.notices:  # e.g. a host key the site's ssh_host_keys let the transport record
                r = with_notices(r, cache.take_notices())
            with lock:
                if st.abandoned:
                    return
                results.append(r)
                st.position = i + 1
            for publish in publishers:
                publish(r)
    finally:
        cache.close_all()
        with lock:
            st.finished = True


def run_one(st: HostState, ct: CompiledTask, ctx: TaskContext, job: JobSettings) -> TaskResult:
    """One task on one host, as a result (never raises for the action's own errors)."""
    host = st.host
    started = time()
    if job.check and not ct.supports_check:
        return TaskResult(
            host.name,
            ct.name,
            ct.action_name,
            SKIPPED,
            f"skipped in check mode: action {ct.action_name!r} does not support check mode",
            started=started,
            ended=started,
        )
    try:
        if ct.task.vars or st.facts:
            variables = {**st.base_vars, **ct.task.vars, **st.facts, **job.extra_vars}
        else:
            variables = st.base_vars
        if ct.when is not None and not ct.when(variables):
            return TaskResult(
                host.name,
                ct.name,
                ct.action_name,
                SKIPPED,
                f"condition is false: {ct.task.when}",
                started=started,
                ended=time(),
            )
        args = ct.task.args if ct.render_args is None else ct.render_args(variables)
        ctx.task, ctx.vars = ct.task, variables
        outcome = ct.action.run(ctx, args)
    except Exception as exc:  # an action's error is a result, never a crash of the run
        unreachable = isinstance(exc, UnreachableError)
        if unreachable:
            st.dead = f"host unreachable (task {ct.name!r})"
        return TaskResult(
            host.name,
            ct.name,
            ct.action_name,
            UNREACHABLE if unreachable else FAILED,
            error_message(exc),
            causes=explain(job.hook, exc),
            started=started,
            ended=time(),
        )
    if outcome.__class__ is not Outcome and not isinstance(outcome, Outcome):
        return TaskResult(
            host.name,
            ct.name,
            ct.action_name,
            FAILED,
            f"action {ct.action_name!r} returned {type(outcome).__name__}, not an Outcome",
            started=started,
            ended=time(),
        )
    if ct.sets_facts:
        st.facts = {**st.facts, **outcome.data.get("facts", {})}
    status = SKIPPED if outcome.skipped else (CHANGED if outcome.changed else OK)
    return TaskResult(
        host.name,
        ct.name,
        ct.action_name,
        status,
        outcome.msg,
        outcome.data,
        outcome.diff,
        (),
        started,
        time(),
    )


def with_notices(r: TaskResult, notices: list[Notice]) -> TaskResult:
    """``r`` with what a transport did while connecting: first in its message, and in
    ``data["notices"]`` (so the table, JSONL and the store all carry it)."""
    said = "; ".join(n.message for n in notices)
    data = {**r.data, "notices": [*r.data.get("notices", ()), *(n.to_dict() for n in notices)]}
    return replace(r, msg=f"{said}; {r.msg}" if r.msg else said, data=data)


def _opener(session: Session) -> Callable[[str, ResolvedHost, float], Connection]:
    transport = session.transport

    def open_connection(name: str, host: ResolvedHost, timeout: float) -> Connection:
        return transport(name).open(host, timeout=timeout)

    return open_connection


class Countdown:
    """Hosts left in a segment; ``event`` is set when none are left."""

    def __init__(self, count: int) -> None:
        self.left = count
        self.lock = threading.Lock()
        self.event = threading.Event()

    def done(self, count: int = 1) -> None:
        with self.lock:
            self.left -= count
            if self.left <= 0:
                self.event.set()


def drain(todo: queue.SimpleQueue[HostState]) -> int:
    """Empty the queue of hosts not started yet; they never start (the run was stopped)."""
    count = 0
    while True:
        try:
            todo.get_nowait()
        except queue.Empty:
            return count
        count += 1
