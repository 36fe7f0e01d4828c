"""filtered hosts: ICMP echo ignored, a few TCP ports served.

The listener survives clients that reset at once (every TCP connect probe
does); an unhandled EPIPE/ECONNRESET once killed it mid-suite.

Why a sysctl and not a firewall rule: nft/iptables are not part of the lab's
package set; ``icmp_echo_ignore_all`` makes the kernel itself drop echo
requests, so ping-based discovery misses the host while a TCP probe finds it.
"""

from __future__ import annotations

import sys

from rmmkit.lab.kinds.base import HostContext, Kind

LISTENER = """\
import socket, sys
srv = socket.create_server((sys.argv[1], int(sys.argv[2])), backlog=128)
while True:
    try:
        conn, _ = srv.accept()
    except OSError:
        continue
    try:
        conn.sendall(b"HTTP/1.0 200 OK\\r\\nServer: rmmkit-lab\\r\\n"
                     b"Content-Length: 3\\r\\n\\r\\nok\\n")
    except OSError:
        pass  # a port scanner resets the connection at once: keep serving
    finally:
        conn.close()
"""


class Filtered(Kind):
    name = "filtered"

    def sysctls(self, ctx: HostContext) -> dict[str, str | int]:
        return {"net.ipv4.icmp_echo_ignore_all": 1}

    def prepare(self, ctx: HostContext) -> None:
        ctx.write("listener.py", LISTENER)

    def start(self, ctx: HostContext) -> None:
        for port in ctx.spec.options.get("tcp_ports", [8080]):
            ctx.spawn(
                f"tcp{port}",
                [sys.executable, "-I", str(ctx.dir / "listener.py"), ctx.spec.address, str(port)],
                proto="tcp",
                port=port,
            )
