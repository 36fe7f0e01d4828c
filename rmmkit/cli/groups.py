"""The click groups every command module attaches to.

Why a module of its own: area modules (``cli/run.py``, ``cli/lab.py``, …)
import these groups without importing ``cli/main.py``, which imports them.
"""

from __future__ import annotations

import click

from rmmkit import __version__


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, "--version", prog_name="rmmkit")
@click.option("-v", "--verbose", count=True, help="More log output on stderr (-vvv: debug).")
@click.pass_context
def cli(ctx: click.Context, verbose: int) -> None:
    """rmmkit: remote monitoring and management as code."""
    from rmmkit.logs import setup_logging

    ctx.ensure_object(dict)
    ctx.obj["verbose"] = verbose
    setup_logging(verbose)


@cli.group()
def report() -> None:
    """Reports over the store: scan details, scan history, scan configuration, devices."""
