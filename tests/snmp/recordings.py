"""Read snmpsim ``.snmprec`` recordings, so tests take expected values from the data.

Why: the tests must compare what rmmkit polled with what the recording
really holds, not with constants copied from rmmkit's own output.
"""

from __future__ import annotations

import bz2
from dataclasses import dataclass
from pathlib import Path

import snmpsim_data

DATA = Path(snmpsim_data.__file__).parent / "data"
HERE = Path(__file__).parent / "data"
LAB = Path(__file__).resolve().parents[2] / "rmmkit" / "lab" / "data"

# community (file name served by snmpsim) -> (recording, class the device really is)
RECORDINGS: dict[str, tuple[Path, str]] = {
    "ups-eaton": (DATA / "UPS/eaton-93e-80.snmprec.bz2", "ups"),
    "ups-santak": (DATA / "UPS/ingrasys-power-switch.snmprec.bz2", "ups"),
    "ups-huawei": (DATA / "UPS/huawei-gse200m.snmprec.bz2", "ups"),
    "switch-cisco": (DATA / "network/switch/cisco-c3750.snmprec.bz2", "switch"),
    "switch-arista": (DATA / "cloud/arista-dcs-7150s-52-cl.snmprec.bz2", "switch"),
    "router-juniper": (DATA / "network/router/juniper-mx960-13-3r9-13.snmprec.bz2", "router"),
    "router-vyatta": (DATA / "network/router/vyatta-unknown.snmprec.bz2", "router"),
    "fw-paloalto": (DATA / "network/firewall/paloalto-pa-5000.snmprec.bz2", "firewall"),
    "fw-clavister": (DATA / "network/firewall/clavister-amaranten.snmprec.bz2", "firewall"),
    "fw-fortinet": (DATA / "network/firewall/fortinet-xcu.snmprec.bz2", "firewall"),
    "linux-slackware": (DATA / "os/linux/slackware.snmprec.bz2", "linux"),
    "windows-xp": (DATA / "os/windows/XP.snmprec.bz2", "windows"),
    "windows-2003": (DATA / "os/windows/server-2003-5-2.snmprec.bz2", "windows"),
    "pdu-apc": (DATA / "UPS/apc-7902b.snmprec", "snmp"),
    "printer-hp": (HERE / "printer.snmprec", "printer"),  # printer on hrDevice row 2 of 2
    "printer-lab": (LAB / "printer.snmprec", "printer"),  # the lab's printer (rmmkit.lab)
}

# snmpsim answers a GETNEXT by scanning its index, which takes seconds on big
# recordings (the Fortinet one has 454k lines).  So snmpsim serves, from each
# recording, the subtrees rmmkit identifies and polls, with their recorded
# values unchanged; expected values are still read from the full recording.
SERVED_SUBTREES = (
    "1.3.6.1.2.1.1.",  # system
    "1.3.6.1.2.1.4.1.",  # ipForwarding
    "1.3.6.1.2.1.25.",  # HOST-RESOURCES-MIB (storage, devices, processors, printers)
    "1.3.6.1.2.1.33.",  # UPS-MIB
    "1.3.6.1.2.1.43.",  # Printer-MIB
    "1.3.6.1.4.1.318.1.1.1.",  # APC PowerNet ups
    "1.3.6.1.4.1.9.9.109.1.1.1.1.8.",  # Cisco cpmCPUTotal5minRev
    "1.3.6.1.4.1.9.9.48.1.1.1.",  # Cisco ciscoMemoryPoolTable
    "1.3.6.1.4.1.12356.101.4.1.",  # Fortinet fgSystemInfo
    "1.3.6.1.4.1.2636.3.1.13.1.8.",  # Juniper jnxOperatingCPU
    "1.3.6.1.4.1.2636.3.1.13.1.11.",  # Juniper jnxOperatingBuffer
    "1.3.6.1.4.1.2636.3.1.13.1.15.",  # Juniper jnxOperatingMemory
    "1.3.6.1.4.1.2021.4.",  # UCD-SNMP memory
)
CAPPED_SUBTREES = ("1.3.6.1.2.1.17.",)  # BRIDGE-MIB: presence matters, not the whole FDB
CAP = 20


@dataclass(frozen=True)
class Entry:
    tag: str
    raw: str

    @property
    def text(self) -> str:
        data = bytes.fromhex(self.raw) if self.tag.endswith("x") else self.raw.encode()
        return data.rstrip(b"\x00").decode("utf-8", "replace").strip()

    @property
    def number(self) -> int:
        return int(self.raw)


def load(path: Path) -> dict[str, Entry]:
    opener = bz2.open if path.suffix == ".bz2" else open
    out: dict[str, Entry] = {}
    with opener(path, "rt", encoding="utf-8", errors="replace") as fh:
        for line in fh:
            parts = line.rstrip("\n").split("|", 2)
            if len(parts) == 3:
                out[parts[0]] = Entry(parts[1], parts[2])
    return out


def write_served_copy(community: str, target_dir: Path) -> None:
    """Write the served part of a recording into snmpsim's data dir, named by community."""
    path = RECORDINGS[community][0]
    opener = bz2.open if path.suffix == ".bz2" else open
    capped = 0
    with (
        opener(path, "rt", encoding="utf-8", errors="surrogateescape") as src,
        open(
            target_dir / f"{community}.snmprec", "w", encoding="utf-8", errors="surrogateescape"
        ) as dst,
    ):
        for line in src:
            if line.startswith(SERVED_SUBTREES):
                dst.write(line)
            elif line.startswith(CAPPED_SUBTREES) and capped < CAP:
                capped += 1
                dst.write(line)


def column(rec: dict[str, Entry], prefix: str) -> list[tuple[str, Entry]]:
    """Rows of one table column in OID order."""
    rows = [(oid, e) for oid, e in rec.items() if oid.startswith(prefix + ".")]
    return sorted(rows, key=lambda r: tuple(int(p) for p in r[0].split(".")))
