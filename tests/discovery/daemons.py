"""Real peers for discovery tests: Samba (smbd + nmbd), OpenSSH, net-snmp snmpd.

Why real daemons: the identity probes parse what real servers say (NTLM
challenges, NetBIOS node status, SSH banners, SNMP varbinds); a mock would
only echo our own assumptions back.  Each start_* first runs the doctor's
check of ``discovery-minilab`` (cached after it passes), so a missing package
fails the fixture with one line naming it instead of a failed spawn.
"""

from __future__ import annotations

import time
from pathlib import Path

from rmmkit.lab.fixtures import require

from .netlab import MiniNet, sh, wait_port


def start_samba(net: MiniNet, ns: str, ip: str, *, name: str, workgroup: str) -> None:
    require("discovery-minilab")
    root = net.tmp / f"samba-{name}"
    for sub in ("lock", "state", "cache", "private", "pid", "log", "share"):
        (root / sub).mkdir(parents=True, exist_ok=True)
    conf = root / "smb.conf"
    conf.write_text(f"""[global]
netbios name = {name}
workgroup = {workgroup}
server string = rmmkit discovery test
interfaces = {ip}/24
bind interfaces only = yes
lock directory = {root}/lock
state directory = {root}/state
cache directory = {root}/cache
private dir = {root}/private
pid directory = {root}/pid
log file = {root}/log/%m.log
ncalrpc dir = {root}/state/ncalrpc
disable spoolss = yes
load printers = no
server role = standalone server
[share]
path = {root}/share
""")
    net.spawn(ns, "smbd", "--foreground", "--no-process-group", "-s", str(conf))
    net.spawn(ns, "nmbd", "--foreground", "--no-process-group", "-s", str(conf))
    wait_port(net, ns, ip, 445)


def start_sshd(net: MiniNet, ns: str, ip: str) -> None:
    require("discovery-minilab")
    root = net.tmp / f"sshd-{ns}"
    root.mkdir(parents=True, exist_ok=True)
    key = root / "hostkey"
    if not key.exists():
        sh("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(key))
    Path("/run/sshd").mkdir(exist_ok=True)
    conf = root / "sshd_config"
    conf.write_text(
        f"ListenAddress {ip}\nPort 22\nHostKey {key}\nPidFile {root}/pid\n"
        "UsePAM no\nPasswordAuthentication no\n"
    )
    net.spawn(ns, "/usr/sbin/sshd", "-D", "-e", "-f", str(conf))
    wait_port(net, ns, ip, 22)


def start_snmpd(
    net: MiniNet,
    ns: str,
    ip: str,
    *,
    community: str,
    sys_name: str,
    sys_descr: str,
    sys_object_id: str = "",
    v3: tuple[str, str, str] | None = None,
) -> None:
    """``v3`` = (user, auth key, priv key): an authPriv SHA/AES user besides the community."""
    require("discovery-minilab")
    root = net.tmp / f"snmpd-{ns}-{ip}"
    root.mkdir(parents=True, exist_ok=True)
    conf = root / "snmpd.conf"
    lines = [
        f"rocommunity {community}",
        f"sysname {sys_name}",
        f"sysdescr {sys_descr}",
        "sysservices 6",
    ]
    if sys_object_id:
        lines.append(f"sysobjectid {sys_object_id}")
    if v3:
        user, auth, priv = v3
        lines += [f'createUser {user} SHA "{auth}" AES "{priv}"', f"rouser {user} priv"]
    conf.write_text("\n".join(lines) + "\n")
    net.spawn(
        ns,
        "snmpd",
        "-f",
        "-Lo",
        "-C",
        "-c",
        str(conf),
        "-p",
        str(root / "pid"),
        "--persistentDir=" + str(root),
        f"udp:{ip}:161",
    )
    end = time.monotonic() + 10
    while time.monotonic() < end:
        if f"{ip}:161 " in net.exec(ns, "ss", "-Hlun", check=False):
            return
        time.sleep(0.05)
    raise RuntimeError(f"snmpd did not start on {ip}")


def start_dnsmasq(
    net: MiniNet, ns: str, ips: list[str], *, records: dict[str, str], reverse_zones: list[str]
) -> None:
    """dnsmasq answering PTR (and A) for ``records`` {ip: name}; NXDOMAIN for the rest of
    ``reverse_zones`` (``100.51.198.in-addr.arpa``), never a query upstream."""
    require("discovery-minilab")
    root = net.tmp / f"dnsmasq-{ns}"
    root.mkdir(parents=True, exist_ok=True)
    conf = root / "dnsmasq.conf"
    lines = ["no-resolv", "no-hosts", "no-poll", "bind-interfaces", "pid-file=", "log-facility=-"]
    lines += [f"listen-address={ip}" for ip in ips]
    lines += [f"host-record={name},{ip}" for ip, name in records.items()]
    lines += [f"local=/{zone}/" for zone in reverse_zones]
    lines += ["local=/mini.test/", "user=nobody", "group=nogroup"]
    conf.write_text("\n".join(lines) + "\n")
    net.spawn(ns, "/usr/sbin/dnsmasq", "--keep-in-foreground", f"--conf-file={conf}")
    for ip in ips:
        wait_port(net, ns, ip, 53)
