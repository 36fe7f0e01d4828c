"""snmp hosts: snmpsim replaying a real device's recording, or net-snmp snmpd.

Why both: snmpsim-data recordings give many real vendors' OIDs cheaply
(UPS, switches, routers, firewalls); snmpd gives a real v3 USM (SHA+AES)
engine and a live MIB-II.  The printer recording is ours (snmpsim-data has
none), written from the Printer MIB (RFC 3805) and Host Resources MIB.
"""

from __future__ import annotations

import bz2
import sys
from pathlib import Path

from rmmkit.errors import LabError
from rmmkit.lab.kinds.base import HostContext, Kind

DATA_DIR = Path(__file__).resolve().parents[1] / "data"
RESPONDER = Path(sys.executable).with_name("snmpsim-command-responder")


def snmpsim_data_dir() -> Path:
    import snmpsim_data

    return Path(snmpsim_data.__file__).with_name("data")


def recording_text(name: str) -> str:
    """A recording by name: ``printer`` (ours) or a path inside snmpsim-data without suffix."""
    if name == "printer":
        return (DATA_DIR / "printer.snmprec").read_text()
    base = snmpsim_data_dir() / name
    plain, packed = base.with_name(base.name + ".snmprec"), base.with_name(base.name + ".snmprec.bz2")
    if plain.is_file():
        return plain.read_text(errors="replace")
    if packed.is_file():
        return bz2.open(packed, "rt", errors="replace").read()
    raise LabError(f"unknown SNMP recording {name!r}",
                   causes=[f"pick a file under {snmpsim_data_dir()} (without .snmprec[.bz2]) or 'printer'"])


def _oid_key(line: str) -> tuple[int, ...]:
    oid = line.split("|", 1)[0]
    return tuple(int(p) for p in oid.split(".") if p.isdigit())


def sorted_records(text: str) -> str:
    """snmpsim walks its index in file order, so records must be in OID order."""
    lines = [ln for ln in text.splitlines() if ln and not ln.startswith("#") and "|" in ln]
    return "\n".join(sorted(lines, key=_oid_key)) + "\n"


SNMPD_CONF = """\
[snmp] persistentDir {state}
agentAddress udp:{address}:161
rocommunity {community} default
createUser {v3_user} SHA "{auth}" AES "{priv}"
rouser {v3_user} priv
sysName {hostname}
sysDescr {sys_descr}
sysLocation rmmkit lab, segment {segment}
sysContact lab@rmmkit.test
sysObjectID .1.3.6.1.4.1.8072.3.2.10
dontLogTCPWrappersConnects yes
"""

DEFAULT_V3 = {"user": "rmkv3", "auth_password": "lab-auth-pass", "priv_password": "lab-priv-pass"}


def write_snmpd_conf(ctx: HostContext, address: str) -> Path:
    opts = ctx.spec.options
    v3 = opts.get("v3", DEFAULT_V3)
    state = ctx.dir / "snmpd-state"
    state.mkdir(parents=True, exist_ok=True)
    ctx.extra.update(community=opts.get("community", "public"), v3=v3, engine="snmpd")
    return ctx.write("snmpd.conf", SNMPD_CONF.format(
        state=state, address=address, community=ctx.extra["community"],
        v3_user=v3["user"], auth=v3["auth_password"], priv=v3["priv_password"],
        hostname=ctx.spec.hostname, segment=ctx.spec.segment,
        sys_descr=opts.get("sys_descr", f"Linux {ctx.spec.hostname} 6.1.0-lab x86_64"),
    ), mode=0o600)


def start_snmpd(ctx: HostContext) -> None:
    ctx.spawn("snmpd", ["/usr/sbin/snmpd", "-f", "-Lo", "-C", "-c", str(ctx.dir / "snmpd.conf")],
              proto="udp", port=161, env={"MIBS": ""})


class Snmp(Kind):
    name = "snmp"

    def prepare(self, ctx: HostContext) -> None:
        opts = ctx.spec.options
        if opts.get("engine", "snmpsim") == "snmpd":
            write_snmpd_conf(ctx, ctx.spec.address)
            return
        recording = opts.get("recording", "printer")
        community = opts.get("community", Path(recording).name)
        data = ctx.dir / "snmpsim-data"
        data.mkdir(parents=True, exist_ok=True)
        (data / f"{community}.snmprec").write_text(sorted_records(recording_text(recording)))
        (ctx.dir / "snmpsim-cache").mkdir(exist_ok=True)
        ctx.extra.update(community=community, recording=recording, engine="snmpsim")

    def start(self, ctx: HostContext) -> None:
        if ctx.extra["engine"] == "snmpd":
            start_snmpd(ctx)
            return
        ctx.spawn("snmpsim", [
            str(RESPONDER), f"--data-dir={ctx.dir / 'snmpsim-data'}",
            f"--cache-dir={ctx.dir / 'snmpsim-cache'}",
            f"--agent-udpv4-endpoint={ctx.spec.address}:161",
            "--log-level=error", "--logging-method=stderr",
        ], proto="udp", port=161, env={"SNMPSIM_ALLOW_ROOT": "true"})
