"""Every rmmkit hook, in one place, grouped by the phase that calls it.

Why one module (modelled on pytest's ``hookspec.py``): plugin authors read one
file to know the whole contract, and ``tests/test_docs.py`` checks that
``docs/plugins/hooks.md`` has a section for every hook defined here.

Phases, in the order a command meets them:

1. **Registration** (``rmmkit_register_*``): when a session's plugin manager
   is built; each receives a ``register(name, cls)`` callable, and
   registering a name twice is a :class:`rmmkit.errors.PluginError`.
2. **Protocol data** (``rmmkit_snmp_classification_rules``,
   ``rmmkit_windows_error_table``): tables a protocol area loads once and
   extends with every plugin's answer.
3. **Run lifecycle** (``rmmkit_run_start``, ``rmmkit_task_result``,
   ``rmmkit_run_finish``): around and during a run.
4. **Per-host decisions** (``rmmkit_select_transport``,
   ``rmmkit_explain_error``): asked while a host's tasks run.

Hooks marked *firstresult* stop at the first non-``None`` answer.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import pluggy

if TYPE_CHECKING:
    import click

    from rmmkit.declared.models import ResolvedHost
    from rmmkit.results import RunResult, TaskResult

PROJECT = "rmmkit"
hookspec = pluggy.HookspecMarker(PROJECT)
hookimpl = pluggy.HookimplMarker(PROJECT)

Register = Callable[[str, Any], None]


# -- 1. registration ---------------------------------------------------------------------


@hookspec
def rmmkit_register_actions(register: Register) -> None:
    """Register action classes (subclasses of :class:`rmmkit.actions.base.Action`).

    :param register: ``register(name, cls)``; ``cls.args_schema`` becomes the
        action's fragment of the playbook schema.
    """


@hookspec
def rmmkit_register_transports(register: Register) -> None:
    """Register transport classes (subclasses of :class:`rmmkit.transports.base.Transport`).

    :param register: ``register(name, cls)``.
    """


@hookspec
def rmmkit_register_outputs(register: Register) -> None:
    """Register output classes (subclasses of :class:`rmmkit.outputs.base.Output`).

    :param register: ``register(name, cls)``; ``cls.options_schema`` becomes the
        output's fragment of the playbook schema.
    """


@hookspec
def rmmkit_register_secret_sources(register: Register) -> None:
    """Register secret source classes (vault, env, file, keyring, …).

    :param register: ``register(name, cls)``; the name is the ``source`` key a
        credential uses in the inventory.
    """


@hookspec
def rmmkit_register_policy_types(register: Register) -> None:
    """Register policy types: ``register("devices/remote_access", cls)``.

    :param register: ``register(name, cls)``; ``cls.settings_schema`` validates
        the typed settings of every policy of that type.
    """


@hookspec
def rmmkit_register_commands(cli: click.Group) -> None:
    """Add click commands or groups to the ``rmmkit`` command line.

    :param cli: the top-level click group.
    """


# -- 2. protocol data ----------------------------------------------------------------------


@hookspec
def rmmkit_snmp_classification_rules() -> list[Any] | None:
    """Add SNMP device classification rules (UPS, printer, firewall, … or new classes).

    Each item is a path to a YAML file shaped like ``rmmkit/data/snmp/classes.yml``
    or the same structure as a dict (``probes``, ``classes``, ``vendors``).  A
    class with a new name is added; one with an existing name gets the extra
    rules.  All answers are used, after the built-in rules.

    :return: a list of paths or dicts, or ``None``.
    """


@hookspec
def rmmkit_windows_error_table() -> list[Any] | None:
    """Add or extend entries of the Windows error table (NT status / Win32 / DCE-RPC → causes).

    Each item is a path to a YAML file shaped like ``rmmkit/data/windows/errors.yml``
    or the same structure as a dict (``entries``: id, codes, message, category,
    causes).  An entry with a new id is added; one with an existing id gets the
    extra codes and causes.  All answers are merged after the built-in table.

    :return: a list of paths or dicts, or ``None``.
    """


# -- 3. run lifecycle ----------------------------------------------------------------------


@hookspec
def rmmkit_run_start(run_id: str, playbook: str, hosts: list[str], check: bool) -> None:
    """Called once before the first task of a run starts.

    :param run_id: the store's identifier of the run.
    :param playbook: the playbook's path.
    :param hosts: every host the run will visit, in order.
    :param check: true when the run changes nothing (``--check``).
    """


@hookspec
def rmmkit_task_result(result: TaskResult) -> None:
    """Called for every task result, from the worker thread that produced it.

    Implementations must be thread-safe and fast: they run on the hot path.

    :param result: the finished task on one host.
    """


@hookspec
def rmmkit_run_finish(result: RunResult) -> None:
    """Called once after the last host finished (also after an interrupt).

    :param result: the whole run.
    """


# -- 4. per-host decisions -------------------------------------------------------------------


@hookspec(firstresult=True)
def rmmkit_select_transport(host: ResolvedHost, action: str) -> str | None:
    """Choose the transport for an action on a host (``firstresult``).

    :param host: the resolved host (:class:`rmmkit.declared.models.ResolvedHost`).
    :param action: the action's name.
    :return: a transport name, or ``None`` to let the next plugin decide.
    """


@hookspec
def rmmkit_explain_error(error: BaseException) -> list[str] | None:
    """Give likely causes for an error; all answers are concatenated.

    :param error: the exception a task raised.
    :return: human-readable likely causes, most likely first, or ``None``.
    """
