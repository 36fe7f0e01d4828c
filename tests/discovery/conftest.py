"""Fixtures: a private network with real peers, built once for the discovery tests.

Hosts (TEST-NET-2 198.51.100.0/24 on a bridge in the scanner namespace):
  .2   "crowd": answers for the whole of 203.0.113.0/24 (anyip local route)
  .10  Samba (smbd + nmbd): the Windows-like host
  .11  OpenSSH: the Linux host
  .12  snmpd describing a UPS;  .13 snmpd describing a printer
  .14  ping-only;  .17 ping-only but excluded;  .18 ping-only, out of scope
  .15  drops ICMP echo (icmp_echo_ignore_all), TCP stack still answers
  .16  nobody (dead)
  .53  dnsmasq, the scanner's system resolver (/etc/netns/<scanner>/resolv.conf), outside
       every scanned range; .54 the same dnsmasq, declared as site labdns's ``dns``
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from rmmkit.lab.fixtures import lab  # noqa: F401  (the shared default lab, for the proof tests)

from .daemons import start_dnsmasq, start_samba, start_snmpd, start_sshd
from .netlab import SUBNET, MiniNet

COMMUNITY = "rmkd-community-7f3a"
V3_USER, V3_AUTH, V3_PRIV = "rmkdv3", "rmkd-auth-91c2e", "rmkd-priv-44b0d"
SCOPE = f"{SUBNET}.10-{SUBNET}.17"
EXCLUDED = f"{SUBNET}.17"
OUTSIDE = f"{SUBNET}.18"
CROWD = "203.0.113"
RESOLVER, SITE_RESOLVER = f"{SUBNET}.53", f"{SUBNET}.54"
PTR = {f"{SUBNET}.11": "lnx11.mini.test", f"{SUBNET}.14": "ping14.mini.test"}


def _root_ok() -> bool:
    if os.geteuid() != 0:
        return False
    return subprocess.run(["ip", "netns", "list"], capture_output=True).returncode == 0


@dataclass
class MiniLab:
    net: MiniNet
    inventory: Path
    db: str

    @property
    def scanner(self) -> str:
        return self.net.scanner

    def rmmkit(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        """Run the rmmkit CLI inside the scanner namespace (no default route there)."""
        argv = ["ip", "netns", "exec", self.scanner, sys.executable, "-m", "rmmkit.cli.main", *args]
        proc = subprocess.run(
            argv,
            capture_output=True,
            text=True,
            timeout=120,
            env={**os.environ, "RMMKIT_NO_PLUGIN_COMMANDS": "1"},
        )
        if check and proc.returncode != 0:
            raise AssertionError(f"rmmkit {' '.join(args)} → {proc.returncode}: {proc.stderr}")
        return proc

    def scan_json(self, *args: str) -> list[dict]:
        return json.loads(self.rmmkit("scan", *args, "--format", "json", "--db", self.db).stdout)


@pytest.fixture(scope="session")
def minilab(tmp_path_factory: pytest.TempPathFactory):
    if not _root_ok():
        pytest.skip("discovery lab tests need root and network namespaces")
    net = MiniNet().up()
    try:
        crowd = net.add_host(2)
        net.exec(crowd, "ip", "route", "add", "local", f"{CROWD}.0/24", "dev", "lo")
        net.exec(net.scanner, "ip", "route", "add", f"{CROWD}.0/24", "via", f"{SUBNET}.2")
        win = net.add_host(10)
        start_samba(net, win, f"{SUBNET}.10", name="WINSRV01", workgroup="LABDOM")
        linux = net.add_host(11)
        start_sshd(net, linux, f"{SUBNET}.11")
        snmp = net.add_host(12, 13)
        start_snmpd(
            net,
            snmp,
            f"{SUBNET}.12",
            community=COMMUNITY,
            sys_name="ups-basement",
            sys_descr="APC Web/SNMP Management Card (MB:v4.1.0 PF:v6.4.6) Smart-UPS 1500",
            v3=(V3_USER, V3_AUTH, V3_PRIV),
        )
        start_snmpd(
            net,
            snmp,
            f"{SUBNET}.13",
            community=COMMUNITY,
            sys_name="printer-2f",
            sys_descr="HP ETHERNET MULTI-ENVIRONMENT, JETDIRECT, LaserJet M402",
        )
        net.add_host(14, 17, 18)
        net.add_host(15, ignore_icmp=True)
        dns = net.add_host(53, 54)
        start_dnsmasq(
            net,
            dns,
            [RESOLVER, SITE_RESOLVER],
            records=PTR,
            reverse_zones=["100.51.198.in-addr.arpa", "113.0.203.in-addr.arpa"],
        )
        net.resolv_conf(RESOLVER)
        tmp = tmp_path_factory.mktemp("rmkd")
        secret = tmp / "community"
        secret.write_text(COMMUNITY)
        secret.chmod(0o600)
        for name, value in (("v3auth", V3_AUTH), ("v3priv", V3_PRIV)):
            (tmp / name).write_text(value)
            (tmp / name).chmod(0o600)
        inventory = tmp / "inventory.yml"
        inventory.write_text(f"""credentials:
  - name: snmp-ro
    kind: snmp_community
    secret: {{source: file, key: {secret}}}
  - name: snmp-v3
    kind: snmp_v3
    user: {V3_USER}
    auth_protocol: SHA
    priv_protocol: AES
    secret: {{source: file, key: {tmp / "v3auth"}}}
    priv_secret: {{source: file, key: {tmp / "v3priv"}}}
sites:
  - name: lab
    ranges: ["{SCOPE}"]
    excludes: ["{EXCLUDED}"]
    credentials: [snmp-ro]
  - name: labdns
    ranges: ["{SCOPE}"]
    excludes: ["{EXCLUDED}"]
    dns: ["{SITE_RESOLVER}"]
  - name: labv3
    ranges: ["{SUBNET}.12-{SUBNET}.13"]
    credentials: [snmp-v3]
""")
        yield MiniLab(net, inventory, f"sqlite:///{tmp}/rmmkit.db")
    finally:
        net.down()
