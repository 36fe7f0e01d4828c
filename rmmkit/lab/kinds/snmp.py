"""snmp hosts: snmpsim replaying a real device's recording, or net-snmp snmpd.

Why both: snmpsim-data recordings give many real vendors' OIDs cheaply
(UPS, switches, routers, firewalls); snmpd gives a real v3 USM (SHA+AES)
engine and a live MIB-II.  The printer recording is ours (snmpsim-data has
none), written from the Printer MIB (RFC 3805) and Host Resources MIB.
"""

from __future__ import annotations

import bz2
import hashlib
import os
import shutil
import sys
import threading
import time
from pathlib import Path

from rmmkit.errors import LabError
from rmmkit.lab import netns
from rmmkit.lab.kinds.base import HostContext, Kind
from rmmkit.lab.requirements import Binary, File, Module, ModuleData

READY_TIMEOUT = 30.0  # seconds snmpsim may take to answer its first request

DATA_DIR = Path(__file__).resolve().parents[1] / "data"
RESPONDER = Path(sys.executable).with_name("snmpsim-command-responder")
DEFAULT_ROWS_PER_TABLE = 2000
SNMPSIM_CACHE = Path(os.environ.get("RMMKIT_LAB_CACHE", "/var/cache/rmmkit-lab")) / "snmpsim"
SNMPD = Binary("/usr/sbin/snmpd", apt="snmpd")
SNMPSIM = Binary(str(RESPONDER), pip="snmpsim", extra="lab")
SNMPSIM_DATA = Module("snmpsim_data", pip="snmpsim-data", extra="lab", why="device recordings")


def snmpsim_data_dir() -> Path:
    import snmpsim_data

    return Path(snmpsim_data.__file__).with_name("data")


def recording_text(name: str) -> str:
    """A recording by name: ``printer`` (ours) or a path inside snmpsim-data without suffix."""
    if name == "printer":
        return (DATA_DIR / "printer.snmprec").read_text()
    base = snmpsim_data_dir() / name
    plain, packed = (
        base.with_name(base.name + ".snmprec"),
        base.with_name(base.name + ".snmprec.bz2"),
    )
    if plain.is_file():
        return plain.read_text(errors="replace")
    if packed.is_file():
        return bz2.open(packed, "rt", errors="replace").read()
    raise LabError(
        f"unknown SNMP recording {name!r}",
        causes=[f"pick a file under {snmpsim_data_dir()} (without .snmprec[.bz2]) or 'printer'"],
    )


def _oid_key(line: str) -> tuple[int, ...]:
    oid = line.split("|", 1)[0]
    return tuple(int(p) for p in oid.split(".") if p.isdigit())


def sorted_records(text: str, rows_per_table: int = 0) -> str:
    """Records in OID order (snmpsim serves them in file order), huge tables capped.

    Why a cap: a few recordings hold one enormous table (fortinet-xcu: 441 155
    rows of one column family) that costs minutes and gigabytes to index;
    keeping the first ``rows_per_table`` rows of every 10-arc subtree keeps
    every kind of data the device returns while bounding start-up time.
    """
    lines = sorted(
        (ln for ln in text.splitlines() if ln and not ln.startswith("#") and "|" in ln),
        key=_oid_key,
    )
    if rows_per_table:
        seen: dict[str, int] = {}
        kept = []
        for line in lines:
            table = ".".join(line.split("|", 1)[0].split(".")[:10])
            seen[table] = seen.get(table, 0) + 1
            if seen[table] <= rows_per_table:
                kept.append(line)
        lines = kept
    return "\n".join(lines) + "\n"


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


def shared_data_dir(recording: str, communities: list[str], rows_per_table: int) -> Path:
    """A data directory per (recording, communities), shared by every lab on this machine.

    Why shared: snmpsim indexes a recording before it answers, which takes
    seconds per megabyte; with a stable path its index (next to it) is built
    once and reused by every later lab.  One real file per community: snmpsim
    maps a community to a file and ignores links to a file it already has.
    """
    text = sorted_records(recording_text(recording), rows_per_table)
    digest = hashlib.sha256(text.encode()).hexdigest()[:12]
    directory = SNMPSIM_CACHE / f"{recording.replace('/', '_')}-{'-'.join(communities)}-{digest}"
    if not directory.is_dir():
        tmp = directory.with_name(directory.name + f".tmp{os.getpid()}-{threading.get_native_id()}")
        tmp.mkdir(parents=True)
        for community in communities:
            (tmp / f"{community}.snmprec").write_text(text)
        try:
            tmp.rename(directory)
        except OSError:  # another lab won the race: use its copy
            shutil.rmtree(tmp, ignore_errors=True)
    return directory


DEFAULT_V3 = {"user": "rmkv3", "auth_password": "lab-auth-pass", "priv_password": "lab-priv-pass"}


def write_snmpd_conf(ctx: HostContext, address: str) -> Path:
    opts = ctx.spec.options
    v3 = opts.get("v3", DEFAULT_V3)
    state = ctx.dir / "snmpd-state"
    state.mkdir(parents=True, exist_ok=True)
    ctx.extra.update(community=opts.get("community", "public"), v3=v3, engine="snmpd")
    return ctx.write(
        "snmpd.conf",
        SNMPD_CONF.format(
            state=state,
            address=address,
            community=ctx.extra["community"],
            v3_user=v3["user"],
            auth=v3["auth_password"],
            priv=v3["priv_password"],
            hostname=ctx.spec.hostname,
            segment=ctx.spec.segment,
            sys_descr=opts.get("sys_descr", f"Linux {ctx.spec.hostname} 6.1.0-lab x86_64"),
        ),
        mode=0o600,
    )


def start_snmpd(ctx: HostContext) -> None:
    ctx.spawn(
        "snmpd",
        [SNMPD.target, "-f", "-Lo", "-C", "-c", str(ctx.dir / "snmpd.conf")],
        proto="udp",
        port=161,
        env={"MIBS": ""},
    )


class Snmp(Kind):
    name = "snmp"
    requires = (
        SNMPD,
        SNMPSIM,
        SNMPSIM_DATA,
        Binary("snmpget", apt="snmp", why="waiting until snmpsim answers"),
        # A recording name the package lacks is a topology typo (LabError at up), not a package.
        ModuleData("snmpsim_data", "data/*/*.snmprec*", pip="snmpsim-data", extra="lab"),
        File(str(DATA_DIR / "printer.snmprec"), pip="rmmkit", why="the lab's printer recording"),
    )

    def prepare(self, ctx: HostContext) -> None:
        opts = ctx.spec.options
        if opts.get("engine", "snmpsim") == "snmpd":
            write_snmpd_conf(ctx, ctx.spec.address)
            return
        recording = opts.get("recording", "printer")
        community = opts.get("community", Path(recording).name)
        communities = [community]
        if opts.get("public", True) and community != "public":
            communities.append("public")  # discovery sweeps with "public" first
        ctx.extra.update(
            community=community, communities=communities, recording=recording, engine="snmpsim"
        )
        rows = opts.get("rows_per_table", DEFAULT_ROWS_PER_TABLE)
        ctx.extra["data_dir"] = str(shared_data_dir(recording, communities, rows))

    def ready(self, ctx: HostContext) -> None:
        """snmpsim listens before it has indexed its recording: the first answer can take
        seconds, longer than a scan's identity timeout.  Ask until it answers, once."""
        if ctx.extra.get("engine") != "snmpsim":
            return
        argv = ["ip", "netns", "exec", ctx.netns_name, "snmpget", "-v2c", "-c",
                ctx.extra["community"], "-t", "1", "-r", "0", "-On", ctx.spec.address,
                "1.3.6.1.2.1.1.2.0"]  # fmt: skip
        deadline = time.monotonic() + READY_TIMEOUT
        while netns.run(argv, check=False, timeout=10).returncode != 0:
            if time.monotonic() > deadline:
                raise LabError(
                    f"host {ctx.spec.name}: snmpsim does not answer SNMP after {READY_TIMEOUT:g}s"
                )
            time.sleep(0.2)

    def start(self, ctx: HostContext) -> None:
        if ctx.extra["engine"] == "snmpd":
            start_snmpd(ctx)
            return
        data_dir = Path(ctx.extra["data_dir"])
        ctx.spawn(
            "snmpsim",
            [
                str(RESPONDER),
                f"--data-dir={data_dir}",
                f"--cache-dir={data_dir}.index",
                f"--agent-udpv4-endpoint={ctx.spec.address}:161",
                "--log-level=error",
                "--logging-method=stderr",
            ],
            proto="udp",
            port=161,
            env={"SNMPSIM_ALLOW_ROOT": "true"},
        )
