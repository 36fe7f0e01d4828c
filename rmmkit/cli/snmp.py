"""Ad-hoc ``rmmkit snmp get|walk|identify``.

Why secrets come from the environment or the inventory here: a community or
v3 key on the command line would sit in argv (``ps``, shell history), so the
options name an environment variable or an inventory credential instead.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import click

from rmmkit.cli.groups import cli
from rmmkit.errors import InputError, UnknownReference
from rmmkit.secrets.values import Secret


def _secret_from_env(var: str, what: str) -> Secret:
    value = os.environ.get(var)
    if not value:
        raise InputError(f"environment variable {var} ({what}) is not set or empty")
    return Secret(value)


def _auth(params: dict[str, Any]) -> Any:
    from rmmkit.snmp.auth import SnmpAuth

    if params["credential"]:
        return _auth_from_inventory(params["credential"], params["inventory"], params["version"])
    if params["version"] == "3":
        if not params["user"]:
            raise InputError(
                "--version 3 needs --user", expected="--user NAME --auth-env VAR --priv-env VAR"
            )
        auth_key = (
            _secret_from_env(params["auth_env"], "the v3 auth key") if params["auth_env"] else None
        )
        priv_key = (
            _secret_from_env(params["priv_env"], "the v3 privacy key")
            if params["priv_env"]
            else None
        )
        return SnmpAuth.v3(
            params["user"],
            auth_key,
            priv_key,
            auth_protocol=params["auth_protocol"],
            priv_protocol=params["priv_protocol"],
        )
    if not params["community_env"]:
        raise InputError(
            "SNMP v1/v2c needs a community",
            expected="--community-env VAR or --credential NAME -i INVENTORY",
        )
    community = _secret_from_env(params["community_env"], "the community")
    return SnmpAuth(params["version"], community=community)


def _auth_from_inventory(name: str, inventory: Path | None, version: str) -> Any:
    from rmmkit.declared.loader import load_inventory
    from rmmkit.run.session import Session
    from rmmkit.secrets.credentials import materialize
    from rmmkit.snmp.auth import SnmpAuth

    if inventory is None:
        raise InputError(f"--credential {name} needs an inventory", expected="-i/--inventory FILE")
    session = Session.create()
    inv = load_inventory(inventory, session.plugins)
    cred = inv.credentials.get(name)
    if cred is None or cred.kind not in ("snmp_community", "snmp_v3"):
        known = (
            ", ".join(
                sorted(
                    c for c, v in inv.credentials.items() if v.kind in ("snmp_community", "snmp_v3")
                )
            )
            or "none"
        )
        raise UnknownReference(
            f"no SNMP credential {name!r} in {inventory}", expected=f"one of: {known}"
        )
    return SnmpAuth.from_material(
        materialize(cred, session.secrets), version=version if version != "3" else None
    )


def auth_options(func: Any) -> Any:
    options = [
        click.option(
            "--version",
            "version",
            type=click.Choice(["1", "2c", "3"]),
            default="2c",
            show_default=True,
            help="SNMP version.",
        ),
        click.option(
            "--community-env", metavar="VAR", help="Environment variable holding the community."
        ),
        click.option("--user", help="SNMPv3 user name."),
        click.option(
            "--auth-env", metavar="VAR", help="Environment variable holding the v3 auth key."
        ),
        click.option(
            "--priv-env", metavar="VAR", help="Environment variable holding the v3 privacy key."
        ),
        click.option(
            "--auth-protocol",
            default="sha256",
            show_default=True,
            help="md5, sha, sha224, sha256, sha384, sha512.",
        ),
        click.option(
            "--priv-protocol",
            default="aes",
            show_default=True,
            help="des, 3des, aes (128), aes192, aes256.",
        ),
        click.option(
            "--credential", help="Use this inventory credential instead (snmp_community/snmp_v3)."
        ),
        click.option(
            "-i", "--inventory", type=click.Path(dir_okay=False, path_type=Path), default=None
        ),
        click.option("--port", type=int, default=161, show_default=True),
        click.option(
            "--timeout", type=float, default=1.0, show_default=True, help="Seconds per try."
        ),
        click.option("--retries", type=int, default=1, show_default=True),
        click.option(
            "--engine",
            type=click.Choice(["native", "pysnmp"]),
            default=None,
            help="v1/v2c engine: native (BER codec, default) or pysnmp (v1arch).",
        ),
    ]
    for option in reversed(options):
        func = option(func)
    return func


def _options(params: dict[str, Any]) -> Any:
    from rmmkit.snmp.client import SnmpOptions

    engine = {"engine": params["engine"]} if params.get("engine") else {}
    return SnmpOptions(
        port=params["port"], timeout=params["timeout"], retries=params["retries"], **engine
    )


@cli.group("snmp")
def snmp_group() -> None:
    """Ad-hoc SNMP requests to one address (get, walk, identify)."""


@snmp_group.command("get")
@click.argument("address")
@click.argument("oids", nargs=-1, required=True)
@auth_options
def snmp_get(address: str, oids: tuple[str, ...], **params: Any) -> None:
    """Print the values of OIDS (numeric) at ADDRESS."""
    from rmmkit.snmp.ber import describe
    from rmmkit.snmp.client import run_sync

    auth = _auth(params)
    values = run_sync(lambda c: c.get(address, auth, list(oids)), _options(params))
    for oid, value in values.items():
        click.echo(f"{oid} = {describe(value)}")


@snmp_group.command("walk")
@click.argument("address")
@click.argument("prefix")
@auth_options
def snmp_walk(address: str, prefix: str, **params: Any) -> None:
    """Print every OID and value under PREFIX at ADDRESS (GETBULK; GETNEXT on v1)."""
    from rmmkit.snmp.ber import describe
    from rmmkit.snmp.client import run_sync

    auth = _auth(params)
    for oid, value in run_sync(lambda c: c.walk(address, auth, prefix), _options(params)):
        click.echo(f"{oid} = {describe(value)}")


@snmp_group.command("identify")
@click.argument("address")
@click.option("--poll", "do_poll", is_flag=True, help="Also poll the device's tab values.")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table")
@auth_options
def snmp_identify(address: str, do_poll: bool, fmt: str, **params: Any) -> None:
    """Classify the device at ADDRESS (and with --poll, fill its network-device tab)."""
    import json

    from rmmkit.plugin.manager import load_plugins
    from rmmkit.snmp.classify import ruleset_from_plugins
    from rmmkit.snmp.client import run_sync
    from rmmkit.snmp.identify import identify
    from rmmkit.snmp.poll import poll

    auth = _auth(params)
    ruleset = ruleset_from_plugins(load_plugins())

    async def work(client: Any) -> dict[str, Any]:
        dev = await identify(client, address, [auth], ruleset)
        data = dev.as_dict()
        if do_poll:
            data["tab"] = await poll(client, address, auth, dev)
        return data

    data = run_sync(work, _options(params))
    if fmt == "json":
        click.echo(json.dumps(data, indent=2, default=str))
        return
    ident = data.pop("identity")
    tab = data.pop("tab", {})
    for key, value in {**data, **ident, **tab}.items():
        click.echo(f"{key:22} {value}")
    if not data["secure"]:
        click.echo(
            f"note: answered with SNMP v{data['snmp_version']}; SNMP v3 authPriv is recommended",
            err=True,
        )
