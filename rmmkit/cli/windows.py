"""``rmmkit windows preflight HOST…`` and ``rmmkit windows explain CODE``.

Why credentials come from the environment or the inventory: a password on
the command line shows in ``ps`` and shell history.  ``--password-env VAR``
(or ``--nthash-env VAR``) names a variable; ``--credential NAME -i FILE``
uses the inventory's credentials (several, tried in order).  With an
inventory, every address must be inside a declared site's scope.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import click

from rmmkit.cli.groups import cli
from rmmkit.errors import EXIT_HOST_FAILED, InputError, UnknownReference
from rmmkit.secrets.values import Secret

FORMATS = ("table", "json")


@cli.group("windows")
def windows_group() -> None:
    """Windows hosts over SMB, svcctl, winreg and WMI (impacket)."""


def _env_secret(var: str, what: str) -> Secret:
    value = os.environ.get(var)
    if not value:
        raise InputError(f"environment variable {var} ({what}) is not set or empty")
    return Secret(value)


def _materials(params: dict[str, Any]) -> tuple[list[Any], Any]:
    """Credential material (and the inventory's scope, or None) from the options."""
    from rmmkit.secrets.credentials import Material, split_user

    if params["credential"]:
        return _from_inventory(params["credential"], params["inventory"])
    if not params["user"]:
        raise InputError(
            "no credential given",
            expected="--user DOMAIN/USER with --password-env VAR "
            "or --nthash-env VAR, or --credential NAME -i INVENTORY",
        )
    user, domain = split_user(params["user"], "")
    if params["nthash_env"]:
        nt = _env_secret(params["nthash_env"], "the NTLM hash").reveal_str().split(":")[-1]
        return [Material("cli", "ntlm_hash", user, domain, nt_hash=Secret(nt.lower()))], None
    if params["password_env"]:
        return [
            Material(
                "cli",
                "password",
                user,
                domain,
                password=_env_secret(params["password_env"], "the password"),
            )
        ], None
    raise InputError(
        f"--user {params['user']} needs a secret", expected="--password-env VAR or --nthash-env VAR"
    )


def _from_inventory(names: tuple[str, ...], inventory: Path | None) -> tuple[list[Any], Any]:
    from rmmkit.declared.loader import load_inventory
    from rmmkit.declared.scope import Scope
    from rmmkit.run.session import Session
    from rmmkit.secrets.credentials import materialize
    from rmmkit.windows.transport import WINDOWS_KINDS

    if inventory is None:
        raise InputError("--credential needs an inventory", expected="-i/--inventory FILE")
    session = Session.create()
    inv = load_inventory(inventory, session.plugins)
    out = []
    for name in names:
        cred = inv.credentials.get(name)
        if cred is None or cred.kind not in WINDOWS_KINDS:
            known = ", ".join(
                sorted(c for c, v in inv.credentials.items() if v.kind in WINDOWS_KINDS)
            )
            raise UnknownReference(
                f"no Windows credential {name!r} in {inventory}",
                expected=f"one of: {known or 'none'}",
            )
        out.append(materialize(cred, session.secrets))
    sites = inv.sites.values()
    scope = Scope([r for s in sites for r in s.ranges], [e for s in sites for e in s.excludes])
    return out, scope


def _render(results: list[Any], fmt: str) -> None:
    if fmt == "json":
        click.echo(json.dumps([r.to_dict() for r in results], indent=2))
        return
    from tabulate import tabulate

    for r in results:
        click.echo(f"{r.host}: {r.verdict} — {r.summary}")
        rows = [[s.name, s.status, f"{s.seconds:.2f}", s.detail[:90]] for s in r.steps]
        click.echo(tabulate(rows, headers=["step", "status", "s", "detail"]))
        for s in r.steps:
            if s.failure is not None and s.failure.causes:
                click.echo(f"  {s.name}: {s.failure.message} ({s.failure.code_text})")
                for cause in s.failure.causes:
                    click.echo(f"    likely cause: {cause}")
        click.echo("")


@windows_group.command("preflight")
@click.argument("hosts", nargs=-1, required=True)
@click.option("--user", help="DOMAIN/USERNAME (or a local user name).")
@click.option("--password-env", metavar="VAR", help="Environment variable holding the password.")
@click.option(
    "--nthash-env", metavar="VAR", help="Environment variable holding the NT hash (or LM:NT)."
)
@click.option("--credential", multiple=True, help="Inventory credential(s), tried in order.")
@click.option("-i", "--inventory", type=click.Path(dir_okay=False, path_type=Path), default=None)
@click.option("--timeout", type=float, default=5.0, show_default=True, help="Seconds per rung.")
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="table")
def preflight_cmd(hosts: tuple[str, ...], fmt: str, timeout: float, **params: Any) -> None:
    """Climb the preflight ladder on each HOST and print every rung and the verdict.

    Exit 0 when every host can be deployed to by at least one method, 2 otherwise.
    """
    from rmmkit.windows.preflight import preflight

    materials, scope = _materials(params)
    if scope is not None:
        for host in hosts:
            scope.check(host)
    results = [preflight(host, host, materials, timeout=timeout) for host in hosts]
    _render(results, fmt)
    if any(r.verdict not in ("ready", "partly_ready") for r in results):
        raise SystemExit(EXIT_HOST_FAILED)


@windows_group.command("explain")
@click.argument("code")
def explain_cmd(code: str) -> None:
    """Description and likely causes of a Windows error CODE.

    CODE: ``nt:0xC000006D``, ``win32:5``, ``rpc:0x6BA``, ``net:refused_445`` or a bare number.
    """
    from rmmkit.windows.errors import builtin_table

    kind, _, raw = code.rpartition(":")
    try:
        value: int | str = int(raw, 0)
    except ValueError:
        value = raw
    kinds = [kind] if kind else ["nt", "win32", "rpc", "net"]
    table = builtin_table()
    found = [(k, e) for k in kinds if (e := table.lookup(k, value)) is not None]
    if not found:
        raise InputError(
            f"no Windows error {code!r} in the table",
            expected="nt:0x…, win32:N, rpc:0x… or net:refused_445|timeout|reset",
        )
    for k, entry in found:
        click.echo(f"{k} {raw}: {entry['message']}  [{entry.get('category', '')}]")
        for cause in entry.get("causes", []):
            click.echo(f"  likely cause: {cause}")
