"""Entry point: load the command modules, run click, map errors to exit codes.

Why the wrapper: every deliberate error is an :class:`~rmmkit.errors.RmmkitError`
and becomes one line on stderr with its documented exit code; anything else is
a bug and still gets one line (and exit 1), never a traceback, unless
``RMMKIT_DEBUG=1`` asks for it.
"""

from __future__ import annotations

import importlib
import os
import sys

import click

from rmmkit.cli.groups import cli
from rmmkit.errors import EXIT_INTERNAL, EXIT_INTERRUPTED, RmmkitError

# Which module defines each command, so an invocation imports only what it
# runs (start-up time matters: `rmmkit scan` is benchmarked against nmap).
# tests/test_cli_routing.py checks this table against what the modules define.
COMMANDS: dict[str, str] = {
    "run": "rmmkit.cli.run",
    "completion": "rmmkit.cli.run",
    "validate": "rmmkit.cli.declared",
    "schema": "rmmkit.cli.declared",
    "inventory": "rmmkit.cli.declared",
    "plugins": "rmmkit.cli.plugins",
    "runs": "rmmkit.cli.runs",
    "db": "rmmkit.cli.runs",
    "lab": "rmmkit.cli.lab",
    "vault": "rmmkit.cli.vault",
    "scan": "rmmkit.cli.scan",
    "agents": "rmmkit.cli.agents",
    "windows": "rmmkit.cli.windows",
    "snmp": "rmmkit.cli.snmp",
    "schedule": "rmmkit.cli.schedule",
    "scheduler": "rmmkit.cli.scheduler",
}
REPORTS: dict[str, str] = {
    "scan-details": "rmmkit.cli.report",
    "scan-history": "rmmkit.cli.report",
    "scan-config": "rmmkit.cli.report",
    "network-devices": "rmmkit.cli.report",
}
COMMAND_MODULES: tuple[str, ...] = tuple(dict.fromkeys([*COMMANDS.values(), *REPORTS.values()]))

_loaded = False


def load_commands() -> click.Group:
    """Import every command module (for --help, completion and tests)."""
    global _loaded
    if not _loaded:
        for modname in COMMAND_MODULES:
            importlib.import_module(modname)
        _loaded = True
    return cli


def _first_words(argv: list[str]) -> list[str]:
    """The positional words before any option of a subcommand (global options skipped)."""
    words = []
    for arg in argv:
        if arg.startswith("-"):
            if words:
                break
            continue
        words.append(arg)
        if len(words) == 2:
            break
    return words


def load_for(argv: list[str]) -> bool:
    """Import only the modules ``argv`` needs; False when everything (and plugins) must load."""
    if os.environ.get("_RMMKIT_COMPLETE"):
        return False
    words = _first_words(argv)
    if not words or (words[0] not in COMMANDS and words[0] != "report"):
        return False
    if words[0] == "report":
        if len(words) < 2 or words[1] not in REPORTS:
            return False
        importlib.import_module(REPORTS[words[1]])
        return True
    importlib.import_module(COMMANDS[words[0]])
    return True


def _plugin_commands() -> None:
    """Let plugins add commands (builds a plugin manager only for this invocation)."""
    if os.environ.get("RMMKIT_NO_PLUGIN_COMMANDS"):
        return
    from rmmkit.plugin.manager import get_plugin_manager

    get_plugin_manager().hook.rmmkit_register_commands(cli=cli)


def main(argv: list[str] | None = None) -> None:
    args = sys.argv[1:] if argv is None else argv
    try:
        if not load_for(args):
            load_commands()
            _plugin_commands()
        code = cli.main(args=argv, prog_name="rmmkit", standalone_mode=False)
    except RmmkitError as exc:
        click.echo(f"rmmkit: error: {exc}", err=True)
        for cause in exc.causes:
            click.echo(f"  likely cause: {cause}", err=True)
        sys.exit(exc.exit_code)
    except click.exceptions.Abort:
        click.echo("rmmkit: aborted", err=True)
        sys.exit(EXIT_INTERRUPTED)
    except click.ClickException as exc:
        exc.show()
        sys.exit(3 if isinstance(exc, click.UsageError) else exc.exit_code)
    except KeyboardInterrupt:
        click.echo("rmmkit: interrupted", err=True)
        sys.exit(EXIT_INTERRUPTED)
    except Exception as exc:  # a bug: one line, not a traceback
        if os.environ.get("RMMKIT_DEBUG"):
            raise
        click.echo(
            f"rmmkit: internal error: {type(exc).__name__}: {exc} "
            "(RMMKIT_DEBUG=1 shows the traceback)",
            err=True,
        )
        sys.exit(EXIT_INTERNAL)
    sys.exit(code if isinstance(code, int) else 0)


if __name__ == "__main__":
    main()
