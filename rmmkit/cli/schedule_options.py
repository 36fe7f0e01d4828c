"""Options and helpers shared by ``rmmkit schedule …``, ``report scan-config`` and ``scheduler``.

Why a module of their own: the declared-state options (``--project-dir``,
``--playbooks``, ``-i``) and ``--db`` must mean the same in every schedule
command, and the long-running scheduler must find exactly the schedules that
``schedule list`` shows.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from rmmkit.errors import InputError

F = TypeVar("F", bound=Callable[..., Any])
DEFAULT_DB = Path(".rmmkit") / "rmmkit.db"


def declared_options(func: F) -> F:
    """``--project-dir``, ``--playbooks`` (repeatable) and ``-i``: where the schedules are."""
    func = click.option(
        "-i",
        "--inventory",
        type=click.Path(dir_okay=False, path_type=Path),
        default=None,
        help="Inventory for every playbook (default: the one each playbook names).",
    )(func)
    func = click.option(
        "--playbooks",
        "playbook_paths",
        multiple=True,
        type=click.Path(path_type=Path),
        help="Playbook file or folder (repeatable; default: PROJECT/playbooks).",
    )(func)
    return click.option(
        "--project-dir",
        type=click.Path(file_okay=False, path_type=Path),
        default=None,
        help="Project folder (default: here); schedule ids are paths relative to it.",
    )(func)


def db_options(func: F) -> F:
    """``--db URL`` (or ``$RMMKIT_DB``): the store with run history; see :func:`history_store`."""
    return click.option(
        "--db",
        "db_url",
        envvar="RMMKIT_DB",
        metavar="URL",
        default=None,
        help="Store URL [env RMMKIT_DB; default PROJECT/.rmmkit/rmmkit.db].",
    )(func)


def project_of(project_dir: Path | None) -> Path:
    """``--project-dir`` or the working directory, absolute (schedule ids are relative to it)."""
    return (project_dir or Path.cwd()).resolve()


def load_entries(project_dir: Path, paths: tuple[Path, ...], inventory: Path | None) -> list[Any]:
    """The scheduled playbooks found in ``paths`` (default: PROJECT/playbooks)."""
    from rmmkit.schedules.catalog import load_catalog

    default = project_dir / "playbooks"
    if not paths and project_dir == Path.cwd().resolve():
        default = Path("playbooks")  # messages then say playbooks/x.yml:5, as the user would
    return load_catalog(list(paths) or [default], project_dir, None, inventory)


def parse_from(text: str | None) -> dt.datetime:
    """``--from`` (ISO 8601; naive means UTC) or now."""
    if not text:
        return dt.datetime.now(dt.UTC)
    try:
        value = dt.datetime.fromisoformat(text)
    except ValueError:
        raise InputError(f"--from {text!r} is not a date/time", expected="ISO 8601") from None
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


def history_store(db_url: str | None, project_dir: Path) -> Any | None:
    """The store, only if one is configured or already exists (a check never creates one)."""
    if not db_url and not (project_dir / DEFAULT_DB).exists():
        return None
    from rmmkit.store import open_store

    return open_store(db_url, project_dir)


def format_run(run: dt.datetime) -> str:
    """A run time in its own zone, as tables show it."""
    return run.strftime("%Y-%m-%d %H:%M %Z")
