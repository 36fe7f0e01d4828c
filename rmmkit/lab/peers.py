"""What the lab itself and the test suite's own peers need, beside the host kinds.

Why here and not in tests/: ``rmmkit lab doctor`` must name every package the
suite needs on a machine where nothing is installed yet (before
``scripts/bootstrap.sh``), and it cannot import the tests.  Each peer is data
like a host kind: ``name`` (for ``--kind``), ``title`` (starts the doctor's
line), ``requires``.  The fixture that starts the peer checks its entry.
"""

from __future__ import annotations

import os
from typing import ClassVar

from rmmkit.lab.kinds.dns import DNSMASQ
from rmmkit.lab.kinds.linux_ssh import SSH_KEYGEN, SSHD
from rmmkit.lab.kinds.snmp import SNMPD
from rmmkit.lab.kinds.windows_smb import NMBD, SMBD
from rmmkit.lab.requirements import Binary, File, Module, Probe, Requirement

# tests/store/store_pg.py honours the same variable.
PG_BIN = os.environ.get("RMMKIT_PG_BIN", "/usr/lib/postgresql/15/bin")
IP = Binary("ip", apt="iproute2")
NMAP = Binary("nmap", apt="nmap", why="the discovery proof compares with nmap -sn")
TCPDUMP = Binary("tcpdump", apt="tcpdump", why="the discovery tests capture what the scan sends")
PROVISION = "samba-tool cannot provision"


class Peer:
    name: ClassVar[str] = ""
    title: ClassVar[str] = ""
    requires: ClassVar[tuple[Requirement, ...]] = ()


class Namespaces(Peer):
    """What every lab needs, whatever its hosts: namespaces, veths, mounts."""

    name = "namespaces"
    title = "lab (namespaces)"
    requires = (
        IP,
        Binary("nsenter", apt="util-linux"),
        Binary("unshare", apt="util-linux"),
        Binary("findmnt", apt="util-linux"),
        Binary("mount", apt="mount"),
        Binary("umount", apt="mount"),
        Binary("hostname", apt="hostname"),
        Binary("sysctl", apt="procps"),
        Binary("sh", apt="dash"),
    )


class Tools(Peer):
    """Clients the tests and benchmarks run against the lab to compare or observe."""

    name = "tools"
    title = "tools (tests, bench)"
    requires = (
        NMAP,
        TCPDUMP,
        Binary("fping", apt="fping", why="bench/sweep.py compares with fping"),
        Binary("ping", apt="iputils-ping"),
        Binary("snmpget", apt="snmp", why="tests/lab checks the SNMP hosts"),
        Binary("snmpwalk", apt="snmp", why="tests/lab checks the SNMP hosts"),
        Binary("dig", apt="bind9-dnsutils", why="tests/lab checks the lab DNS"),
        Binary("smbclient", apt="smbclient", why="tests/lab checks the Samba hosts"),
    )


class AdDc(Peer):
    """Samba's AD domain controller + MIT kinit/kvno (tests/windows/addc.py)."""

    name = "ad-dc"
    title = "windows-smb (AD DC)"
    requires = (
        Binary("/usr/sbin/samba", apt="samba"),
        Binary("samba-tool", apt="samba-common-bin"),
        Binary("/usr/sbin/winbindd", apt="winbind", why="the DC's winbindd service"),
        Binary("kinit", apt="krb5-user", why="Kerberos tickets"),
        Binary("kvno", apt="krb5-user", why="Kerberos service tickets"),
        Binary("/usr/bin/python3", apt="python3-minimal", why="samba-tool's interpreter"),
        File(
            "/usr/lib/python3/dist-packages/samba/dsdb.cpython-*.so",
            apt="python3-samba",
            why=PROVISION,
        ),
        File("/usr/share/samba/setup/provision.ldif", apt="samba-ad-provision", why=PROVISION),
        File("/usr/lib/*/samba/ldb/samba_secrets.so", apt="samba-dsdb-modules", why=PROVISION),
        File("/usr/lib/*/samba/ldb/samba_dsdb.so", apt="samba-dsdb-modules", why=PROVISION),
        # provision sets the sysvol ACLs through smbd's acl_xattr; the DC's shares use dfs_samba4
        File("/usr/lib/*/samba/vfs/acl_xattr.so", apt="samba-vfs-modules", why=PROVISION),
        File("/usr/lib/*/samba/vfs/dfs_samba4.so", apt="samba-vfs-modules", why="the DC's shares"),
        Probe("samba_dc_probe.py", apt="python3-samba", why="Samba's own check"),
    )


class PostgreSql(Peer):
    """The throw-away PostgreSQL 15 server of the store tests (tests/store/store_pg.py)."""

    name = "postgresql"
    title = "store tests (PostgreSQL 15)"
    requires = (
        Binary(f"{PG_BIN}/postgres", apt="postgresql-15"),
        Binary(f"{PG_BIN}/initdb", apt="postgresql-15"),
        Binary(f"{PG_BIN}/pg_isready", apt="postgresql-client-15"),
        Module("psycopg", pip="psycopg", extra="postgres"),
    )


class DiscoveryMiniLab(Peer):
    """The discovery tests' own small network (tests/discovery/netlab.py, daemons.py)."""

    name = "discovery-minilab"
    title = "discovery mini-lab (tests)"
    requires = (
        IP,
        Binary("ss", apt="iproute2"),
        SMBD,
        NMBD,
        SSHD,
        SSH_KEYGEN,
        SNMPD,
        DNSMASQ,
        NMAP,
        TCPDUMP,
    )


PEERS: tuple[type[Peer], ...] = (Namespaces, Tools, AdDc, PostgreSql, DiscoveryMiniLab)
