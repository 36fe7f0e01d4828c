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

# One module per area; each attaches its commands to the groups in cli/groups.py.
COMMAND_MODULES: tuple[str, ...] = (
    "rmmkit.cli.run",
    "rmmkit.cli.declared",
    "rmmkit.cli.plugins_cmd",
    "rmmkit.cli.store_cmd",
    "rmmkit.cli.lab",
    "rmmkit.cli.vault",
    "rmmkit.cli.scan",
    "rmmkit.cli.agents",
    "rmmkit.cli.windows",
    "rmmkit.cli.snmp",
    "rmmkit.cli.schedule",
    "rmmkit.cli.scheduler",
)

_loaded = False


def load_commands() -> click.Group:
    global _loaded
    if not _loaded:
        for modname in COMMAND_MODULES:
            try:
                importlib.import_module(modname)
            except ModuleNotFoundError as exc:
                if exc.name != modname:
                    raise
        _loaded = True
    return cli


def _plugin_commands() -> None:
    """Let plugins add commands (builds a plugin manager only for this invocation)."""
    if os.environ.get("RMMKIT_NO_PLUGIN_COMMANDS"):
        return
    from rmmkit.plugins import get_plugin_manager

    get_plugin_manager().hook.rmmkit_register_commands(cli=cli)


def main(argv: list[str] | None = None) -> None:
    load_commands()
    try:
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
