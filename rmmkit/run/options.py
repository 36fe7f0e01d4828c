"""What a run may be told: ``rmmkit run``'s options, ``--limit`` and ``-e`` parsing, exit codes.

Why apart from the plan: the CLI, the scheduler and ``rmmkit.testing`` build
options without compiling anything; the runner only reads them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rmmkit.declared.yaml_limits import decode_yaml
from rmmkit.errors import EXIT_HOST_FAILED, EXIT_INTERRUPTED, EXIT_OK, InputError
from rmmkit.results import RunResult


@dataclass
class RunOptions:
    """Everything ``rmmkit run`` can change about a run."""

    forks: int = 50
    check: bool = False
    diff: bool = False
    limit: list[str] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    skip_tags: list[str] = field(default_factory=list)
    extra_vars: dict[str, Any] = field(default_factory=dict)
    timeout: float = 600.0  # per host, seconds
    connect_timeout: float = 30.0
    handle_signals: bool = False  # only the CLI owns the process's signals
    watchdog_interval: float = 0.2
    resume: str | None = None  # id of an interrupted run to finish (needs the store)


def exit_code_for(result: RunResult) -> int:
    """0 all ok/changed/skipped, 2 a host failed or was unreachable, 130 interrupted."""
    if result.interrupted:
        return EXIT_INTERRUPTED
    return EXIT_HOST_FAILED if result.failed_hosts else EXIT_OK


def expand_limit(patterns: Iterable[str], base_dir: Path | None = None) -> list[str]:
    """``--limit`` values: comma-separated names/globs; ``@file`` reads one pattern per line."""
    out: list[str] = []
    for raw in patterns:
        for item in (p.strip() for p in raw.split(",")):
            if not item:
                continue
            if item.startswith("@"):
                path = Path(item[1:])
                if base_dir and not path.is_absolute() and not path.exists():
                    path = base_dir / path
                try:
                    data = path.read_bytes()
                except OSError as exc:
                    raise InputError(
                        f"--limit {item}: cannot read {path}: {exc.strerror}",
                        expected="a file with one host, site or glob per line",
                    ) from None
                lines = decode_yaml(data, str(path), "a UTF-8 file of names").splitlines()
                out += [
                    ln.strip() for ln in lines if ln.strip() and not ln.lstrip().startswith("#")
                ]
            else:
                out.append(item)
    return out


def parse_extra_vars(values: Iterable[str], load_yaml: Callable[[str], Any]) -> dict[str, Any]:
    """``-e key=value`` (value kept as a string) and ``-e @vars.yml`` (a YAML mapping)."""
    out: dict[str, Any] = {}
    for raw in values:
        if raw.startswith("@"):
            data = load_yaml(raw[1:])
            if not isinstance(data, dict):
                raise InputError(
                    f"-e {raw}: the file must hold a mapping", expected="key: value lines"
                )
            out.update(data)
            continue
        key, sep, value = raw.partition("=")
        if not sep or not key.strip().isidentifier():
            raise InputError(f"-e {raw!r}: not key=value", expected="-e name=value or -e @vars.yml")
        out[key.strip()] = value
    return out
