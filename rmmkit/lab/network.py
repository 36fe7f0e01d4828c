"""Wire a topology: one bridge namespace per segment, the scanner, a veth per host.

Why the bridge lives in its own namespace: no interface of the lab ever
exists in the root namespace, so the lab cannot leak a packet to a real
network and cannot collide with another engineer's interface names.
"""

from __future__ import annotations

from pathlib import Path

from rmmkit.lab import netns
from rmmkit.lab.state import StateFile, netns_name
from rmmkit.lab.topology import HostSpec, Topology

QUIET_IPV6 = {"net.ipv6.conf.all.disable_ipv6": 1, "net.ipv6.conf.default.disable_ipv6": 1}
NETNS_ETC = Path("/etc/netns")


def make_ns(state: StateFile, name: str, sysctls: dict[str, str | int] | None = None) -> None:
    state.record("netns", name)  # recorded first: a crash below still gets cleaned up
    netns.add_netns(name)
    netns.sysctl(name, {**QUIET_IPV6, **(sysctls or {})})


def build_segments(topo: Topology, state: StateFile, lab: str) -> str:
    """Create the scanner and one bridge per segment; return the scanner namespace name."""
    scanner = netns_name(lab, "scanner")
    # Unprivileged ICMP sockets for every group: ping/fping/icmplib work without raw sockets.
    make_ns(state, scanner, {"net.ipv4.ping_group_range": "0 2147483647"})
    for index, seg in enumerate(topo.segments):
        switch = netns_name(lab, f"seg_{seg.name}")
        make_ns(state, switch)
        netns.ip_batch(switch, ["link add br0 type bridge stp_state 0", "link set br0 up"])
        netns.add_veth(f"eth{index}", scanner, "scan", switch)
        netns.ip_batch(switch, ["link set scan master br0", "link set scan up"])
        netns.ip_batch(
            scanner,
            [
                f"addr add {seg.scanner}/{seg.subnet.prefixlen} dev eth{index}",
                f"link set eth{index} up",
            ],
        )
    return scanner


def attach_host(
    topo: Topology,
    state: StateFile,
    lab: str,
    host: HostSpec,
    index: int,
    sysctls: dict[str, str | int],
) -> str:
    """The host's namespace with eth0 (its MAC) on the segment bridge and a route back."""
    name = netns_name(lab, host.name)
    seg = topo.segment(host.segment)
    switch = netns_name(lab, f"seg_{seg.name}")
    make_ns(state, name, {"net.ipv4.ip_default_ttl": host.ttl, **sysctls})
    port = f"v{index}"
    netns.add_veth("eth0", name, port, switch, mac=host.mac)
    netns.ip_batch(switch, [f"link set {port} master br0", f"link set {port} up"])
    netns.ip_batch(
        name,
        [
            f"addr add {host.address}/{seg.subnet.prefixlen} dev eth0",
            "link set eth0 up",
            f"route add default via {seg.scanner}",
        ],
    )
    return name


def scanner_routes(topo: Topology, scanner: str) -> None:
    """Routes to anyip blocks and black-hole neighbours for dead hosts; never a default route."""
    commands = []
    for host in topo.hosts:
        seg_index = [s.name for s in topo.segments].index(host.segment)
        if host.kind == "anyip":
            commands.append(f"route add {host.options['block']} via {host.address}")
        elif host.kind == "dead" and host.options.get("dead_mode", "blackhole") == "blackhole":
            commands.append(
                f"neigh replace {host.address} lladdr {host.mac} dev eth{seg_index} nud permanent"
            )
    netns.ip_batch(scanner, commands)


def write_resolv_conf(state: StateFile, scanner: str, nameserver: str, domain: str) -> None:
    """``ip netns exec`` bind-mounts /etc/netns/<ns>/resolv.conf over /etc/resolv.conf."""
    directory = NETNS_ETC / scanner
    state.record("paths", str(directory))
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "resolv.conf").write_text(
        f"search {domain}\nnameserver {nameserver}\noptions timeout:1 attempts:2\n"
    )
