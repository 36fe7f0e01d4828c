"""Which vault file a ``rmmkit vault`` command works on: ``FILE`` first, or ``--vault``.

Why a rule of its own: ``ansible-vault create FILE`` habits meet the older
``--vault PATH`` (and ``$RMMKIT_VAULT``, default ``secrets.vault``) on one
command line, and ``view [FILE] [NAME…]`` would otherwise be ambiguous.
The rule (docs/vault.md):

* ``create``, ``list``, ``edit``, ``rekey`` take ``[FILE]``: a positional is the file.
* ``set``, ``delete``, ``encrypt-string`` take ``[FILE] NAME``: two arguments
  are FILE and NAME; one is NAME (a lone argument that looks like a vault
  file is refused: NAME is missing, and a record is never named by accident).
* ``view`` takes ``[FILE] [NAME…]``: the first argument is FILE when it
  looks like a vault file.
* *Looks like a vault file*: contains ``/``, ends in ``.vault``, or is an
  existing file that starts with the vault's armor line.
* A positional FILE wins over ``$RMMKIT_VAULT`` and the default; with
  ``--vault`` on the command line naming another file it is refused (exit 3).
"""

from __future__ import annotations

import os
from pathlib import Path

import click
from click.core import ParameterSource

from rmmkit.errors import InputError

ARMOR_PREFIX = b"$RMMKIT_VAULT;"
NO_ARGV_VALUE = "values come from stdin or a hidden prompt, never from argv"


def looks_like_vault(arg: str) -> bool:
    """True for ``dir/x``, ``x.vault``, or an existing file that begins with the vault armor."""
    if "/" in arg or os.sep in arg or arg.endswith(".vault"):
        return True
    if not os.path.isfile(arg):  # never open a FIFO or a device to peek at it
        return False
    try:
        with open(arg, "rb") as fh:
            return fh.read(len(ARMOR_PREFIX)) == ARMOR_PREFIX
    except OSError:
        return False


def _explicit_option(ctx: click.Context) -> bool:
    return ctx.get_parameter_source("vault_path") == ParameterSource.COMMANDLINE


def vault_file(ctx: click.Context, option_path: str, positional: str | None) -> str:
    """The positional FILE if given (refused when ``--vault`` names another), else the option."""
    if positional is None:
        return option_path
    if _explicit_option(ctx) and Path(option_path).resolve() != Path(positional).resolve():
        raise InputError(
            f"--vault {option_path} and FILE {positional} name different vaults",
            expected="the vault file once: FILE or --vault FILE",
        )
    return positional


def file_and_name(ctx: click.Context, option_path: str, args: tuple[str, ...]) -> tuple[str, str]:
    """``[FILE] NAME`` of ``set``, ``delete`` and ``encrypt-string``."""
    command = ctx.info_name
    if len(args) == 2:
        path = vault_file(ctx, option_path, args[0])
        if not Path(path).is_file():
            raise InputError(
                f"vault {command}: no vault file {path!r}",
                expected=f"[FILE] NAME, FILE made by `rmmkit vault create`; {NO_ARGV_VALUE}",
            )
        return path, args[1]
    if len(args) == 1 and not looks_like_vault(args[0]):
        return option_path, args[0]
    if len(args) == 1:
        raise InputError(
            f"vault {command}: {args[0]!r} looks like a vault file but no record NAME follows",
            expected=f"{args[0]} NAME, or NAME with --vault FILE",
        )
    raise InputError(
        f"vault {command} takes [FILE] NAME, got {len(args)} argument(s)",
        expected=f"[FILE] NAME; {NO_ARGV_VALUE}",
    )


def file_and_names(
    ctx: click.Context, option_path: str, args: tuple[str, ...]
) -> tuple[str, tuple[str, ...]]:
    """``[FILE] [NAME…]`` of ``view``: the first argument is FILE when it looks like one."""
    if args and looks_like_vault(args[0]):
        return vault_file(ctx, option_path, args[0]), args[1:]
    return option_path, args


def is_explicit(ctx: click.Context, positional: str | None) -> bool:
    """The user named the file (FILE or ``--vault``), rather than the env var or the default."""
    return positional is not None or _explicit_option(ctx)
