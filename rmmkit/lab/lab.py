"""The Lab API: up (parallel), down (exactly what was made), status, exec, host info.

Why one class for CLI and pytest: ``rmmkit lab up`` and the ``lab`` fixture
run the same code, so what a test proves is what a user gets.
"""

from __future__ import annotations

import contextlib
import shlex
import subprocess
import time
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from rmmkit.errors import LabError
from rmmkit.lab import doctor, netns, network, topology
from rmmkit.lab.hosts import HostInfo, build_host, host_record
from rmmkit.lab.kinds import HostContext, get_kind
from rmmkit.lab.kinds.linux_ssh import keygen
from rmmkit.lab.state import StateFile, check_name, netns_name, running_labs


class Lab:
    """A running lab, described by its state file."""

    def __init__(self, state: StateFile) -> None:
        self._state = state

    # --- life cycle ---------------------------------------------------------------
    @classmethod
    def up(
        cls,
        topo: str | Path | dict[str, Any] | None = None,
        *,
        name: str | None = None,
        workers: int = 8,
    ) -> Lab:
        """Build every namespace and start every daemon; on failure, tear down what was made."""
        t0 = time.monotonic()
        spec = topology.load(topo if topo is not None else topology.DEFAULT_TOPOLOGY)
        lab_name = check_name(name or spec.name)
        # Missing packages: one line each with the fix, before anything is created.
        doctor.ensure(doctor.check(doctor.topology_units(spec)), f"lab {lab_name} cannot be built")
        state = StateFile.create(lab_name)
        lab = cls(state)
        try:
            lab._build(spec, lab_name, workers, t0)
        except BaseException as exc:
            with contextlib.suppress(Exception):
                lab.down()
            if isinstance(exc, LabError):
                raise
            if isinstance(exc, Exception):
                raise LabError(
                    f"lab {lab_name} could not be built: {type(exc).__name__}: {exc}"
                ) from exc
            raise
        return lab

    @classmethod
    def attach(cls, name: str) -> Lab:
        return cls(StateFile.open(name))

    @staticmethod
    def running() -> list[str]:
        return running_labs()

    def _build(self, spec: topology.Topology, lab_name: str, workers: int, t0: float) -> None:
        state = self._state
        state.data.update(topology=spec.source, domain=spec.domain)
        state.record("mounts", str(state.dir / "ns"))
        netns.make_private_dir(state.dir / "ns")
        ssh_dir = state.dir / "ssh"
        ssh_dir.mkdir(mode=0o700)
        keygen(str(ssh_dir / "id_ed25519"), f"rmmkit-lab-{lab_name}")
        public_key = (ssh_dir / "id_ed25519.pub").read_text()
        scanner = network.build_segments(spec, state, lab_name)
        contexts: list[tuple[HostContext, Any]] = []
        for index, host in enumerate(spec.hosts):
            kind = get_kind(host.kind)
            ctx = HostContext(host, spec, state.dir, netns_name(lab_name, host.name), public_key)
            if kind.has_namespace:
                network.attach_host(spec, state, lab_name, host, index, kind.sysctls(ctx))
                state.record("mounts", str(ctx.mnt_file))
                state.record("mounts", str(ctx.uts_file))
            else:
                ctx.netns_name = ""
            contexts.append((ctx, kind))
        network.scanner_routes(spec, scanner)
        dns = next((h for h in spec.hosts if h.kind == "dns"), None)
        if dns is not None:
            network.write_resolv_conf(state, scanner, dns.address, spec.domain)
        t_net = time.monotonic()

        def one(item: tuple[HostContext, Any]) -> None:
            ctx, kind = item
            seconds = build_host(ctx, kind) if kind.has_namespace else 0.0
            state.set_host(ctx.spec.name, host_record(ctx, seconds))

        with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
            for future in [pool.submit(one, item) for item in contexts]:
                future.result()
        self._write_known_hosts([c for c, _ in contexts])
        state.data.update(
            scanner_ns=scanner,
            ssh_key=str(ssh_dir / "id_ed25519"),
            known_hosts=str(ssh_dir / "known_hosts"),
            timings=_timings(state.data["hosts"], t_net - t0, time.monotonic() - t0),
        )
        state.save()

    def _write_known_hosts(self, contexts: list[HostContext]) -> None:
        lines = []
        for ctx in contexts:
            key = ctx.extra.get("known_host_pub")
            if key:
                pattern = ctx.extra.get("known_host_pattern", ctx.spec.address)
                lines.append(f"{pattern} {key[0]} {key[1]}")
        (self._state.dir / "ssh" / "known_hosts").write_text("\n".join(lines) + "\n")

    def down(self) -> None:
        """Stop every daemon by PID, unmount, delete namespaces and files; check nothing is left."""
        data = self._state.data
        for host in data.get("hosts", {}).values():
            if host.get("netns"):
                netns.stop_pids([d["pid"] for d in host.get("daemons", [])], host["netns"])
        for name in data.get("netns", []):  # helpers a daemon forked (samba-dcerpcd, rpcd_*)
            netns.stop_pids(netns.pids_in_netns(name), name)
        for mount in reversed(data.get("mounts", [])):
            netns.unmount(Path(mount))
        for name in reversed(data.get("netns", [])):
            netns.del_netns(name)
        for path in data.get("paths", []):
            netns.run(["rm", "-rf", "--one-file-system", path], check=False)
        netns.run(["rm", "-rf", "--one-file-system", str(self._state.dir)], check=False)
        left = [n for n in data.get("netns", []) if netns.netns_exists(n)]
        if left or self._state.dir.exists():
            raise LabError(f"lab {data.get('name')}: left behind {left or [str(self._state.dir)]}")

    # --- inspection ---------------------------------------------------------------
    @property
    def name(self) -> str:
        return str(self._state.data["name"])

    @property
    def dir(self) -> Path:
        return self._state.dir

    @property
    def scanner_ns(self) -> str:
        return str(self._state.data["scanner_ns"])

    @property
    def ssh_key(self) -> Path:
        """Private key authorized for every user declared with ``key: true``."""
        return Path(self._state.data["ssh_key"])

    @property
    def known_hosts(self) -> Path:
        """known_hosts for all SSH hosts; hosts with ``stale_known_host`` get an old key."""
        return Path(self._state.data["known_hosts"])

    @property
    def timings(self) -> dict[str, Any]:
        return dict(self._state.data.get("timings", {}))

    @property
    def hosts(self) -> list[HostInfo]:
        return [HostInfo.from_state(h) for h in self._state.data["hosts"].values()]

    def host(self, name: str) -> HostInfo:
        try:
            return HostInfo.from_state(self._state.data["hosts"][name])
        except KeyError:
            raise LabError(
                f"lab {self.name} has no host {name!r}",
                causes=[f"hosts: {', '.join(self._state.data['hosts'])}"],
            ) from None

    def by_kind(self, kind: str) -> list[HostInfo]:
        return [h for h in self.hosts if h.kind == kind]

    def status(self) -> list[dict[str, Any]]:
        """One row per host: is its namespace there, are its daemons alive."""
        rows = []
        for info in self.hosts:
            inode = netns.netns_inode(info.netns) if info.netns else None
            alive = [d["label"] for d in info.daemons if netns.pid_in_netns(d["pid"], inode)]
            dead = [d["label"] for d in info.daemons if d["label"] not in alive]
            ok = (info.kind == "dead" or inode is not None) and not dead
            rows.append(
                {
                    "host": info.name,
                    "kind": info.kind,
                    "address": info.address,
                    "mac": info.mac,
                    "hostname": info.hostname,
                    "state": "up" if ok else "DEGRADED",
                    "daemons": ",".join(alive) + (f" (dead: {','.join(dead)})" if dead else ""),
                }
            )
        return rows

    # --- running things inside ------------------------------------------------------
    def exec(
        self,
        cmd: str | Sequence[str],
        host: str | None = None,
        *,
        input: str | None = None,
        timeout: float = 120,
        check: bool = False,
    ) -> subprocess.CompletedProcess[str]:
        """Run a command in the scanner (default) or inside a host; a string runs through sh -c."""
        argv = ["sh", "-c", cmd] if isinstance(cmd, str) else list(cmd)
        if host is None:
            prefix = ["ip", "netns", "exec", self.scanner_ns]
        else:
            info = self.host(host)
            if not info.netns:
                raise LabError(f"host {host} ({info.kind}) has no namespace to run in")
            ns_dir = self.dir / "ns"
            prefix = netns.enter_argv(info.netns, ns_dir / f"{host}.mnt", ns_dir / f"{host}.uts")
        try:
            proc = subprocess.run(
                [*prefix, *argv],
                input=input,
                capture_output=True,
                text=True,
                timeout=timeout,
                check=False,
            )
        except subprocess.TimeoutExpired as exc:
            raise LabError(
                f"lab exec timed out after {timeout:g}s: {shlex.join(argv)[:80]}"
            ) from exc
        if check and proc.returncode != 0:
            raise LabError(
                f"lab exec failed ({proc.returncode}): {shlex.join(argv)[:80]}: "
                f"{proc.stderr.strip()[-200:]}"
            )
        return proc

    @contextlib.contextmanager
    def scanner(self) -> Iterator[None]:
        """Run in-process code (pysnmp, paramiko, impacket) from the scanner, in this thread."""
        with netns.entered(self.scanner_ns):
            yield


def _timings(hosts: dict[str, Any], network_s: float, total_s: float) -> dict[str, Any]:
    per_kind: dict[str, list[float]] = {}
    for host in hosts.values():
        per_kind.setdefault(host["kind"], []).append(host["start_seconds"])
    return {
        "network_seconds": round(network_s, 2),
        "total_seconds": round(total_s, 2),
        "per_kind": {
            k: {
                "hosts": len(v),
                "max_seconds": round(max(v), 2),
                "mean_seconds": round(sum(v) / len(v), 2),
            }
            for k, v in sorted(per_kind.items())
        },
    }
