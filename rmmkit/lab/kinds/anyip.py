"""anyip: one namespace answering for a whole block (default 10.88.0.0/16).

Why a local route: ``ip route add local BLOCK dev lo`` makes the kernel treat
every address of the block as its own, so ICMP echo, sshd and snmpd bound to
0.0.0.0 answer on 65 536 addresses from one host: scale for the discovery,
SSH and SNMP benchmarks without 65 536 namespaces.
"""

from __future__ import annotations

import ipaddress

from rmmkit.lab.kinds.base import HostContext, Kind
from rmmkit.lab.kinds.linux_ssh import (
    SSH_KEYGEN,
    SSHD,
    USER_TOOLS,
    create_users,
    start_sshd,
    write_ssh_files,
)
from rmmkit.lab.kinds.snmp import SNMPD, start_snmpd, write_snmpd_conf


def known_hosts_pattern(block: str) -> str:
    """``10.88.*.*`` for 10.88.0.0/16: one known_hosts line covers the block."""
    net = ipaddress.IPv4Network(block)
    octets = str(net.network_address).split(".")
    fixed = net.prefixlen // 8
    return ".".join(octets[:fixed] + ["*"] * (4 - fixed))


class AnyIp(Kind):
    name = "anyip"
    requires = (SSHD, SSH_KEYGEN, *USER_TOOLS, SNMPD)

    def sysctls(self, ctx: HostContext) -> dict[str, str | int]:
        # No ICMP rate limit: a sweep of the block must see every echo reply.
        return {"net.ipv4.icmp_ratelimit": 0, "net.core.somaxconn": 4096}

    def prepare(self, ctx: HostContext) -> None:
        write_ssh_files(ctx, "0.0.0.0")
        write_snmpd_conf(ctx, "0.0.0.0")
        block = ctx.spec.options["block"]
        ctx.extra.update(block=block, known_host_pattern=known_hosts_pattern(block))

    def setup(self, ctx: HostContext) -> None:
        ctx.sh(f"ip route add local {ctx.spec.options['block']} dev lo")
        create_users(ctx)

    def start(self, ctx: HostContext) -> None:
        start_sshd(ctx)
        start_snmpd(ctx)
