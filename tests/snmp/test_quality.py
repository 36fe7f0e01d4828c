"""Cheap imports and well-formed recordings: properties the other SNMP tests take for granted."""

from __future__ import annotations

import subprocess
import sys

from rmmkit.secrets.values import Secret
from rmmkit.snmp.auth import SnmpAuth
from rmmkit.snmp.client import SnmpOptions, run_sync
from rmmkit.snmp.v3 import AUTH_PROTOCOLS, PRIV_PROTOCOLS

from .recordings import HERE, LAB, SERVED_SUBTREES, load


def _oid_key(oid: str) -> tuple[int, ...]:
    return tuple(int(part) for part in oid.split("."))


def test_loading_the_snmp_plugin_does_not_import_pysnmp() -> None:
    # pysnmp costs ~0.5 s per CLI command: only an SNMP request may pay for it.
    code = (
        "import sys, rmmkit.snmp.plugin, rmmkit.snmp.transport, rmmkit.snmp.actions, "
        "rmmkit.snmp.auth; print(sorted(m for m in sys.modules if m.startswith('pysnmp')))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_every_declared_v3_protocol_exists_in_pysnmp() -> None:
    from pysnmp.hlapi.v3arch import asyncio as hl

    missing = [
        n for n in (*AUTH_PROTOCOLS.values(), *PRIV_PROTOCOLS.values()) if not hasattr(hl, n)
    ]
    assert missing == []


def test_shipped_recordings_are_in_oid_order() -> None:
    # snmpsim answers GETNEXT by searching its file as if sorted: out of order rows are skipped.
    for path in (LAB / "printer.snmprec", HERE / "printer.snmprec"):
        oids = list(load(path))
        assert oids == sorted(oids, key=_oid_key), path


def test_walking_the_lab_printer_returns_every_served_row(snmpsim_agent) -> None:
    recorded = [oid for oid in load(LAB / "printer.snmprec") if oid.startswith(SERVED_SUBTREES)]
    auth = SnmpAuth.v2c(Secret("printer-lab"))
    options = SnmpOptions(port=snmpsim_agent.port, timeout=1.0, retries=1)
    walked = run_sync(lambda c: c.walk(snmpsim_agent.host, auth, "1.3.6.1"), options)
    assert [oid for oid, _ in walked] == sorted(recorded, key=_oid_key)
