"""``rmmkit lab``: bring the namespace lab up and down, show it, run commands in it.

Thin on purpose: every command calls :class:`rmmkit.lab.Lab`, the same code
the pytest fixtures use.
"""

from __future__ import annotations

import json
import sys

import click
from tabulate import tabulate

from rmmkit.cli.groups import cli
from rmmkit.errors import InputError, LabError

DEFAULT_NAME = "lab"


def _pick_name(name: str | None) -> str:
    """The lab to act on: the one named, else the only one running, else ``lab``."""
    from rmmkit.lab import Lab

    if name:
        return name
    running = Lab.running()
    if len(running) == 1:
        return running[0]
    if len(running) > 1:
        raise InputError(f"several labs are up ({', '.join(running)})", expected="--name NAME")
    return DEFAULT_NAME


@cli.group()
def lab() -> None:
    """A network of real peers in namespaces (sshd, snmpd/snmpsim, Samba, dnsmasq).

    `rmmkit lab doctor` checks that everything they need is installed.
    """


@lab.command("up")
@click.argument("topology", required=False, type=click.Path(dir_okay=False))
@click.option("--name", help="Lab name (default: the topology's `name`, else 'lab').")
@click.option("--workers", default=8, show_default=True, help="Hosts started in parallel.")
def lab_up(topology: str | None, name: str | None, workers: int) -> None:
    """Build the lab from TOPOLOGY.yml (default: the built-in topology)."""
    from rmmkit.lab import Lab

    the_lab = Lab.up(topology, name=name, workers=workers)
    timings = the_lab.timings
    click.echo(
        f"lab {the_lab.name} up: {len(the_lab.hosts)} hosts in "
        f"{timings['total_seconds']:.1f}s (network {timings['network_seconds']:.1f}s); "
        f"scanner namespace {the_lab.scanner_ns}"
    )
    rows = [
        (kind, t["hosts"], f"{t['max_seconds']:.2f}", f"{t['mean_seconds']:.2f}")
        for kind, t in timings["per_kind"].items()
    ]
    click.echo(tabulate(rows, headers=["kind", "hosts", "max start s", "mean start s"]))


@lab.command("down")
@click.option("--name", help="Lab to tear down (default: the only one up).")
def lab_down(name: str | None) -> None:
    """Stop every daemon by PID and remove every namespace, mount and file of the lab."""
    from rmmkit.lab import Lab

    lab_name = _pick_name(name)
    Lab.attach(lab_name).down()
    click.echo(f"lab {lab_name} down")


@lab.command("status")
@click.option("--name", help="Lab to show (default: the only one up).")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
def lab_status(name: str | None, as_json: bool) -> None:
    """One row per host: kind, address, MAC, host name, daemons alive."""
    from rmmkit.lab import Lab

    the_lab = Lab.attach(_pick_name(name))
    rows = sorted(the_lab.status(), key=lambda r: tuple(int(p) for p in r["address"].split(".")))
    if as_json:
        click.echo(json.dumps(rows, indent=2))
        return
    click.echo(f"lab {the_lab.name}: scanner namespace {the_lab.scanner_ns}")
    click.echo(tabulate(rows, headers="keys"))
    if any(r["state"] != "up" for r in rows):
        raise LabError(f"lab {the_lab.name} is degraded (see the rows not 'up')")


@lab.command("doctor")
@click.option(
    "--kind",
    "kinds",
    multiple=True,
    metavar="K",
    help="Check only this host kind or test peer (repeatable; default: all).",
)
@click.option(
    "--topology",
    type=click.Path(dir_okay=False),
    help="Check the lab itself and the kinds this topology uses (plus any --kind).",
)
@click.option(
    "--root",
    type=click.Path(file_okay=False, exists=True),
    help="Look under DIR (a chroot, a mounted image) instead of / (PATH and sys.path too).",
)
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text")
def lab_doctor(kinds: tuple[str, ...], topology: str | None, root: str | None, fmt: str) -> None:
    """Check every binary, data file and Python module the lab and the test peers need.

    One line per missing piece with the package that provides it; exit 8 when
    anything is missing.
    """
    from pathlib import Path

    from rmmkit.lab import doctor
    from rmmkit.lab import topology as topo
    from rmmkit.lab.requirements import Where

    where = Where(root=Path(root).resolve()) if root else Where()
    if topology:
        units = doctor.topology_units(topo.load(topology), kinds)
    else:
        units = doctor.units(kinds or None)
    report = doctor.check(units, where)
    if fmt == "json":
        click.echo(json.dumps(report.as_dict(), indent=2, ensure_ascii=False))
    else:
        for line in report.lines():
            click.echo(line)
        if report.ok:
            click.echo(report.summary())
    if not report.ok:
        raise LabError(report.summary())


@lab.command("exec", context_settings={"ignore_unknown_options": True})
@click.option("--name", help="Lab to use (default: the only one up).")
@click.option("--host", "host", help="Run inside this lab host instead of the scanner.")
@click.argument("command", nargs=-1, required=True, type=click.UNPROCESSED)
def lab_exec(name: str | None, host: str | None, command: tuple[str, ...]) -> None:
    """Run COMMAND in the scanner (or --host): `rmmkit lab exec -- ping -c1 10.77.1.10`."""
    from rmmkit.lab import Lab

    the_lab = Lab.attach(_pick_name(name))
    proc = the_lab.exec(list(command), host=host, timeout=3600)
    sys.stdout.write(proc.stdout)
    sys.stderr.write(proc.stderr)
    sys.exit(proc.returncode)
