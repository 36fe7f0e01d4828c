"""``rmmkit vault …``: create, view, list, edit, set, delete, rekey, encrypt-string.

Each takes the vault file first like ``ansible-vault`` (``rmmkit vault view
FILE [NAME…]``) or by ``--vault``; the rule is in :mod:`rmmkit.cli.vault_args`.

Why these rules: a value is never taken from argv (it would show in ``ps``
and shell history) but from a hidden prompt or stdin; ``view`` prints values
only to a terminal or with ``--show``; ``edit`` puts the plaintext in a
private 0700 directory and overwrites it before deleting it.
"""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click
import yaml

from rmmkit.cli.groups import cli
from rmmkit.cli.vault_args import file_and_name, file_and_names, is_explicit, vault_file
from rmmkit.errors import InputError, SecretError, VaultError
from rmmkit.secrets.resolver import VAULT_ENV, VAULT_PASSWORD_FILE_ENV, read_password_file
from rmmkit.secrets.sources import child_env
from rmmkit.secrets.values import MASK, Secret
from rmmkit.secrets.vault import Vault, encrypt_string

DEFAULT_VAULT = "secrets.vault"


def vault_options(func: Callable[..., Any]) -> Callable[..., Any]:
    """``--vault`` and ``--vault-password-file`` (reusable by any command that resolves secrets)."""
    func = click.option(
        "--vault-password-file",
        envvar=VAULT_PASSWORD_FILE_ENV,
        type=click.Path(dir_okay=False),
        help=f"File whose first line is the vault passphrase (or ${VAULT_PASSWORD_FILE_ENV}).",
    )(func)
    return click.option(
        "--vault",
        "vault_path",
        envvar=VAULT_ENV,
        default=DEFAULT_VAULT,
        show_default=True,
        type=click.Path(dir_okay=False),
        help=f"Vault file (or ${VAULT_ENV}).",
    )(func)


def _prompt(text: str, *, confirm: bool = False) -> Secret:
    try:
        value = click.prompt(text, hide_input=True, confirmation_prompt=confirm, err=True)
    except click.exceptions.Abort:
        raise SecretError(f"no input for '{text}' (stdin closed?)") from None
    return Secret(value)


def _passphrase(password_file: str | None, *, confirm: bool = False) -> Secret:
    if password_file:
        return read_password_file(password_file)
    return _prompt("Vault passphrase", confirm=confirm)


def _open(vault_path: str, password_file: str | None) -> Vault:
    return Vault.open(vault_path, _passphrase(password_file))


def _read_value(name: str) -> Secret:
    """A value from a hidden prompt on a terminal, else stdin (one trailing newline dropped)."""
    if sys.stdin.isatty():
        return _prompt(f"Value of {name}", confirm=True)
    data = sys.stdin.buffer.read()
    if data.endswith(b"\n"):
        data = data[:-1]
    if data.endswith(b"\r"):
        data = data[:-1]
    if not data:
        raise SecretError(f"no value for {name!r} on stdin")
    try:
        return Secret(data.decode("utf-8"))
    except UnicodeDecodeError:
        return Secret(data)


@cli.group()
def vault() -> None:
    """The encrypted vault (Argon2id + AES-256-GCM): see docs/vault.md."""


FILE_ARGUMENT = click.argument("file", required=False, type=click.Path(dir_okay=False))


@vault.command()
@vault_options
@FILE_ARGUMENT
@click.pass_context
def create(
    ctx: click.Context, vault_path: str, vault_password_file: str | None, file: str | None
) -> None:
    """Create an empty vault FILE (asks for the passphrase twice)."""
    vault_path = vault_file(ctx, vault_path, file)
    if Path(vault_path).exists():
        raise InputError(f"{vault_path}: already exists (use 'rmmkit vault edit' or 'set')")
    Vault.new(vault_path, _passphrase(vault_password_file, confirm=True)).save()
    click.echo(f"created {vault_path}", err=True)


@vault.command(name="list")
@vault_options
@FILE_ARGUMENT
@click.pass_context
def list_records(
    ctx: click.Context, vault_path: str, vault_password_file: str | None, file: str | None
) -> None:
    """Record names of FILE, one per line (never values)."""
    for name in _open(vault_file(ctx, vault_path, file), vault_password_file):
        click.echo(name)


@vault.command()
@vault_options
@click.option("--show", is_flag=True, help="Print values even when stdout is not a terminal.")
@click.argument("args", nargs=-1, metavar="[FILE] [NAME]...")
@click.pass_context
def view(
    ctx: click.Context,
    vault_path: str,
    vault_password_file: str | None,
    show: bool,
    args: tuple[str, ...],
) -> None:
    """Print records as YAML; values only to a terminal or with --show.

    FILE is the first argument when it contains '/', ends in .vault or is a vault file.
    """
    vault_path, names = file_and_names(ctx, vault_path, args)
    opened = _open(vault_path, vault_password_file)
    wanted = names or tuple(opened)
    reveal = show or click.get_text_stream("stdout").isatty()
    records = {n: opened.get(n) for n in wanted}
    if reveal:
        click.echo(_dump({n: s.reveal() for n, s in records.items()}), nl=False)
    else:
        click.echo(_dump({n: MASK for n in records}), nl=False)
        click.echo("(values hidden: stdout is not a terminal; add --show)", err=True)


NAME_ARGUMENTS = click.argument("args", nargs=-1, metavar="[FILE] NAME")


@vault.command(name="set")
@vault_options
@NAME_ARGUMENTS
@click.pass_context
def set_record(
    ctx: click.Context, vault_path: str, vault_password_file: str | None, args: tuple[str, ...]
) -> None:
    """Add or replace one record; the value comes from a hidden prompt or stdin, never argv."""
    vault_path, name = file_and_name(ctx, vault_path, args)
    opened = _open(vault_path, vault_password_file)
    existed = name in opened
    opened.set(name, _read_value(name))
    opened.save()
    click.echo(f"{'replaced' if existed else 'added'} {name} in {vault_path}", err=True)


@vault.command()
@vault_options
@NAME_ARGUMENTS
@click.pass_context
def delete(
    ctx: click.Context, vault_path: str, vault_password_file: str | None, args: tuple[str, ...]
) -> None:
    """Remove one record."""
    vault_path, name = file_and_name(ctx, vault_path, args)
    opened = _open(vault_path, vault_password_file)
    opened.delete(name)
    opened.save()
    click.echo(f"deleted {name} from {vault_path}", err=True)


@vault.command()
@vault_options
@click.option(
    "--new-vault-password-file",
    type=click.Path(dir_okay=False),
    help="File with the new passphrase (else asked twice).",
)
@FILE_ARGUMENT
@click.pass_context
def rekey(
    ctx: click.Context,
    vault_path: str,
    vault_password_file: str | None,
    new_vault_password_file: str | None,
    file: str | None,
) -> None:
    """Re-encrypt the vault under a new passphrase (new salt, new nonces)."""
    vault_path = vault_file(ctx, vault_path, file)
    opened = _open(vault_path, vault_password_file)
    if new_vault_password_file:
        new = read_password_file(new_vault_password_file)
    else:
        new = _prompt("New vault passphrase", confirm=True)
    opened.rekey(new)
    opened.save()
    click.echo(f"rekeyed {vault_path}", err=True)


@vault.command(name="encrypt-string")
@vault_options
@NAME_ARGUMENTS
@click.pass_context
def encrypt_string_cmd(
    ctx: click.Context, vault_path: str, vault_password_file: str | None, args: tuple[str, ...]
) -> None:
    """Encrypt one value (prompt or stdin) for a credential's YAML; NAME is bound to it.

    Why open the vault: a run decrypts the string with the vault's passphrase, so
    a mistyped one is caught here (when FILE, --vault or the default file exists).
    """
    vault_path, name = file_and_name(ctx, vault_path, args)
    passphrase = _passphrase(vault_password_file)
    explicit = is_explicit(ctx, args[0] if len(args) == 2 else None)
    if explicit or Path(vault_path).is_file():
        Vault.open(vault_path, passphrase)  # raises "wrong vault passphrase" (exit 6)
    token = encrypt_string(name, _read_value(name), passphrase)
    snippet = {"secret": {"source": "vault", "key": name, "options": {"ciphertext": token}}}
    click.echo(yaml.safe_dump(snippet, width=10_000, sort_keys=False), nl=False)


@vault.command()
@vault_options
@FILE_ARGUMENT
@click.pass_context
def edit(
    ctx: click.Context, vault_path: str, vault_password_file: str | None, file: str | None
) -> None:
    """Edit the records as YAML in $EDITOR (plaintext in a private temp dir, then shredded)."""
    vault_path = vault_file(ctx, vault_path, file)
    opened = _open(vault_path, vault_password_file)
    editor = shlex.split(os.environ.get("VISUAL") or os.environ.get("EDITOR") or "vi")
    text = _dump({n: s.reveal() for n, s in opened.items()})
    with tempfile.TemporaryDirectory(prefix="rmmkit-vault-") as private:
        os.chmod(private, 0o700)
        path = Path(private) / "vault.yml"
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                fh.write(text)
            try:
                code = subprocess.call([*editor, str(path)], env=child_env())
            except OSError as exc:
                raise InputError(
                    f"cannot start the editor {editor[0]!r} ({exc.strerror})"
                ) from None
            if code != 0:
                raise SecretError(f"the editor exited with status {code}; nothing was saved")
            edited = path.read_bytes()
        finally:
            for leftover in Path(private).rglob("*"):  # the file, and editor swap/backup files
                if leftover.is_file() and not leftover.is_symlink():
                    _shred(leftover)
    records = _load_edited(edited)
    for name in list(opened):
        if name not in records:
            opened.delete(name)
    for name, value in records.items():
        opened.set(name, value)
    opened.save()
    click.echo(f"saved {len(records)} records to {vault_path}", err=True)


def _dump(records: dict[str, Any]) -> str:
    if not records:
        return "{}\n"

    class _Literal(yaml.SafeDumper):
        pass

    def _str(dumper: yaml.SafeDumper, value: str) -> yaml.Node:
        style = "|" if "\n" in value else None
        return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)

    _Literal.add_representer(str, _str)
    return yaml.dump(records, Dumper=_Literal, sort_keys=True, allow_unicode=True, width=10_000)


class _TextLoader(yaml.SafeLoader):
    """Every plain scalar is text, except an empty one (null).

    Why: YAML 1.1 would store ``pin: 0123`` as "83", ``pw: 12:30`` as "750"
    and ``pw: yes`` as "True" — a secret must be saved exactly as typed.
    Explicit tags (``!!binary`` for byte records) still work.
    """

    yaml_implicit_resolvers = {
        first: [(tag, rx) for tag, rx in resolvers if tag == "tag:yaml.org,2002:null"]
        for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
    }


def _load_edited(data: bytes) -> dict[str, str | bytes]:
    """Parse the edited YAML; errors give the line only (PyYAML's own text quotes the content)."""
    from rmmkit.declared.yaml_limits import load_limited
    from rmmkit.errors import YamlSyntaxError

    try:
        loaded = load_limited(data.decode("utf-8"), _TextLoader, "edited vault") or {}
    except YamlSyntaxError as exc:  # the depth/alias limits: a location, never the content
        raise InputError(
            f"{exc.reason}; nothing was saved", location=exc.location, expected=exc.expected
        ) from None
    except yaml.MarkedYAMLError as exc:
        line = exc.problem_mark.line + 1 if exc.problem_mark else 0
        raise InputError(
            f"edited vault: invalid YAML at line {line}; nothing was saved",
            expected="NAME: value lines",
        ) from None
    except (yaml.YAMLError, UnicodeDecodeError):
        raise InputError("edited vault: not valid YAML text; nothing was saved") from None
    if not isinstance(loaded, dict):
        raise InputError(
            "edited vault: not a mapping; nothing was saved", expected="NAME: value lines"
        )
    out: dict[str, str | bytes] = {}
    for name, value in loaded.items():
        if not isinstance(name, str) or isinstance(value, dict | list) or value is None:
            raise InputError(
                f"edited vault: record {str(name)[:60]!r} has no plain value; nothing was saved",
                expected="NAME: value (a string)",
            )
        out[name] = value if isinstance(value, bytes) else str(value)
    return out


def _shred(path: Path) -> None:
    """Overwrite the plaintext with zeros and fsync before unlinking (best effort on CoW disks)."""
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        return
    with open(path, "r+b") as fh:
        fh.write(b"\0" * size)
        fh.flush()
        os.fsync(fh.fileno())
    path.unlink()


__all__ = ["DEFAULT_VAULT", "VaultError", "vault", "vault_options"]
