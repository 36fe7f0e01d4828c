"""A real Kerberos peer: Samba's Active Directory domain controller inside a lab host.

Why: the Kerberos ticket-cache credential must be proven against a real KDC
and a server that accepts its tickets.  ``samba-tool domain provision`` makes
a fresh domain in ~4 s (local files only); ``samba`` then serves the KDC
(TCP/UDP 88), LDAP and SMB inside ``win-dc``'s namespaces.  Tickets come the
way an administrator gets them: MIT ``kinit`` (password on stdin) and ``kvno``
for a service ticket, run in the scanner namespace with their own krb5.conf.
Everything here is test-side; rmmkit itself only reads the cache bytes.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from rmmkit.lab import Lab, doctor, netns

REALM = "RMMKIT.LAB"
DOMAIN = "RMMKIT"
DC_NAME = "dc1"
DC_PASSWORD = "Lab-Dc-Passw0rd!"  # fake, test-only; reaches samba-tool and kinit on argv/stdin
# The services a file-serving KDC needs; no DNS, replication or NTP signing in the lab.
SERVICES = "s3fs, rpc, ldap, cldap, kdc, winbindd"


@dataclass
class DomainController:
    lab: Lab
    address: str
    root: Path  # provisioned domain: etc/, private/, state/ …
    krb5_conf: Path
    pids: list[int]

    def ticket_cache(self, path: Path, *services: str) -> Path:
        """``kinit administrator`` (+ ``kvno`` each service) into the FILE cache ``path``."""
        env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "KRB5_CONFIG": str(self.krb5_conf),
            "KRB5CCNAME": f"FILE:{path}",
        }
        prefix = ["ip", "netns", "exec", self.lab.scanner_ns]
        kinit = subprocess.run(
            [*prefix, "kinit", f"administrator@{REALM}"],
            input=DC_PASSWORD + "\n",
            env=env,
            capture_output=True,
            text=True,
            timeout=30,
        )
        if kinit.returncode != 0:
            raise RuntimeError(f"kinit failed: {kinit.stderr.strip()}")
        if services:
            kvno = subprocess.run(
                [*prefix, "kvno", *services], env=env, capture_output=True, text=True, timeout=30
            )
            if kvno.returncode != 0:
                raise RuntimeError(f"kvno failed: {kvno.stderr.strip()}")
        path.chmod(0o600)
        return path


def _provision(root: Path, address: str) -> Path:
    shutil.rmtree(root, ignore_errors=True)
    subprocess.run(
        [
            "samba-tool",
            "domain",
            "provision",
            f"--targetdir={root}",
            f"--realm={REALM}",
            f"--domain={DOMAIN}",
            "--server-role=dc",
            "--dns-backend=NONE",
            f"--adminpass={DC_PASSWORD}",
            f"--host-name={DC_NAME}",
            f"--option=interfaces={address}",
            "--option=bind interfaces only=yes",
        ],
        check=True,
        capture_output=True,
        timeout=120,
    )
    conf = root / "etc" / "smb.conf"
    text = re.sub(
        r"(?m)^\s*server services = .*$", f"\tserver services = {SERVICES}", conf.read_text()
    )
    text = re.sub(r"(?m)^\s*log file = .*$", f"\tlog file = {root}/log.%m", text)
    conf.write_text(text)
    return conf


def _wait_listening(lab: Lab, address: str, proc: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 60
    with lab.scanner():
        while True:
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"samba AD DC did not start: {log.read_text()[-600:]}")
            try:
                for port in (88, 445):
                    socket.create_connection((address, port), 0.5).close()
                return
            except OSError:
                time.sleep(0.1)


def start(lab: Lab, host: str = "win-dc") -> DomainController:
    """Provision a domain and start ``samba`` in ``host``'s namespaces (stopped by :func:`stop`)."""
    report = doctor.check(doctor.units(["ad-dc"]))  # the addc fixture checked it already
    if not report.ok:
        raise RuntimeError("\n".join([*report.lines(), report.summary()]))
    info = lab.host(host)
    root = lab.dir / "hosts" / host / "addc"  # the host's /tmp is private: keep it in the lab dir
    conf = _provision(root, info.address)
    krb5_conf = root / "krb5-client.conf"
    krb5_conf.write_text(
        f"[libdefaults]\n default_realm = {REALM}\n dns_lookup_kdc = false\n"
        f" dns_lookup_realm = false\n rdns = false\n"
        f"[realms]\n {REALM} = {{\n  kdc = {info.address}\n }}\n"
    )
    ns = lab.dir / "ns"
    prefix = netns.enter_argv(info.netns, ns / f"{host}.mnt", ns / f"{host}.uts")
    log = root / "samba.out"
    # /run/samba (pid files, the winbindd pipe) is shared by every lab host; a standalone
    # smbd that finds a domain's winbindd pipe there maps its users wrongly.  The DC gets
    # its own, bound over it inside its mount namespace only.
    own_run = root / "run-samba"
    own_run.mkdir()
    subprocess.run([*prefix, "mount", "--bind", str(own_run), "/run/samba"], check=True)
    proc = netns.spawn(
        ["samba", "--foreground", "--no-process-group", "-s", str(conf)], prefix, log
    )
    dc = DomainController(lab, info.address, root, krb5_conf, [proc.pid])
    try:
        _wait_listening(lab, info.address, proc, log)
    except BaseException:
        stop(dc)
        raise
    return dc


def stop(dc: DomainController, host: str = "win-dc") -> None:
    """Stop samba and every helper it forked (smbd, winbindd, prefork workers), by PID."""
    ns_name = dc.lab.host(host).netns
    with contextlib.suppress(Exception):
        netns.stop_pids(sorted(set(dc.pids) | set(netns.pids_in_netns(ns_name))), ns_name)
