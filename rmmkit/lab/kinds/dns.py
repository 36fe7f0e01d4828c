"""dns: dnsmasq answering A and PTR records for the hosts that declare ``ptr``.

Why only some hosts: real networks have gaps in reverse DNS, and discovery
must show a name where there is one and the address where there is none.
The scanner's resolver points here through /etc/netns/<scanner>/resolv.conf.
"""

from __future__ import annotations

import ipaddress

from rmmkit.lab.kinds.base import HostContext, Kind
from rmmkit.lab.requirements import Binary

DNSMASQ = Binary("/usr/sbin/dnsmasq", apt="dnsmasq-base")


def fqdn(name: str, domain: str) -> str:
    return name if "." in name else f"{name}.{domain}"


def reverse_zone(block: str) -> str:
    """``1.77.10.in-addr.arpa`` for 10.77.1.0/24 (whole octets only)."""
    net = ipaddress.IPv4Network(block)
    octets = str(net.network_address).split(".")[: max(1, net.prefixlen // 8)]
    return ".".join(reversed(octets)) + ".in-addr.arpa"


class Dns(Kind):
    name = "dns"
    requires = (DNSMASQ,)

    def prepare(self, ctx: HostContext) -> None:
        domain = ctx.topology.domain
        lines = [
            "no-resolv",
            "no-hosts",
            "no-poll",
            "bind-interfaces",
            "domain-needed",
            "bogus-priv",
            f"listen-address={ctx.spec.address}",
            f"local=/{domain}/",
            "user=nobody",
            "group=nogroup",
            "pid-file=",
            "log-facility=-",
        ]
        records = {}
        for host in ctx.topology.hosts:
            if host.ptr:
                name = fqdn(host.ptr, domain)
                records[host.address] = name
                lines.append(f"host-record={name},{host.address}")
        # Reverse zones of the lab stay local: no PTR means NXDOMAIN here, never a query upstream.
        blocks = [str(s.subnet) for s in ctx.topology.segments]
        blocks += [h.options["block"] for h in ctx.topology.hosts if h.kind == "anyip"]
        lines += [f"local=/{reverse_zone(block)}/" for block in blocks]
        ctx.write("dnsmasq.conf", "\n".join(lines) + "\n")
        ctx.extra.update(records=records, domain=domain)

    def start(self, ctx: HostContext) -> None:
        ctx.spawn(
            "dnsmasq",
            [
                DNSMASQ.target,
                "--keep-in-foreground",
                f"--conf-file={ctx.dir / 'dnsmasq.conf'}",
            ],
            proto="udp",
            port=53,
        )
