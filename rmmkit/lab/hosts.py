"""Build one lab host (files → namespaces → users → daemons) and describe it (HostInfo).

Why separate from lab.py: this is the part that runs in parallel, one
thread per host, and the part other engineers read through ``lab.host()``.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from rmmkit.lab import netns
from rmmkit.lab.kinds import HostContext, Kind
from rmmkit.secrets.values import Secret

PRIVATE_DIRS = {
    "home": 0o755,
    "opt": 0o755,
    "tmp": 0o1777,
}  # not /root: the Python tools live there


@dataclass(frozen=True)
class UserInfo:
    name: str
    password: str = field(repr=False)  # fake, test-only
    sudo: str = "password"
    key: bool = False

    @property
    def secret(self) -> Secret:
        return Secret(self.password)


@dataclass(frozen=True)
class HostInfo:
    """What a test needs to talk to a lab host (addresses, users, kind facts)."""

    name: str
    kind: str
    address: str
    mac: str
    hostname: str
    segment: str
    netns: str
    ttl: int
    ptr: str | None
    users: tuple[UserInfo, ...]
    options: dict[str, Any]
    facts: dict[str, Any]
    daemons: tuple[dict[str, Any], ...]
    start_seconds: float

    def user(self, name: str) -> UserInfo:
        for user in self.users:
            if user.name == name:
                return user
        raise KeyError(f"host {self.name} has no user {name!r}")

    @classmethod
    def from_state(cls, data: dict[str, Any]) -> HostInfo:
        return cls(
            **{
                **data,
                "users": tuple(UserInfo(**u) for u in data["users"]),
                "daemons": tuple(data["daemons"]),
            }
        )


def mount_script(ctx: HostContext) -> str:
    """Private /etc (overlay: the kind's seed files over the real /etc) and private home/opt/tmp."""
    d = ctx.dir
    lines = [
        f"mount -t overlay lab-etc -o lowerdir={d}/etc-seed:/etc,upperdir={d}/etc-upper,"
        f"workdir={d}/etc-work /etc",
        *(f"mount --bind {d}/{name} /{name}" for name in PRIVATE_DIRS),
        f"echo {ctx.spec.hostname} > /etc/hostname",
        f"printf '127.0.1.1 {ctx.spec.hostname}\\n{ctx.spec.address} {ctx.spec.hostname}\\n'"
        " >> /etc/hosts",
    ]
    return "\n".join(lines) + "\n"


def build_host(ctx: HostContext, kind: Kind) -> float:
    """Everything after the network exists; returns the seconds this host took to be ready."""
    started = time.monotonic()
    for sub in ("etc-seed", "etc-upper", "etc-work", "log"):
        (ctx.dir / sub).mkdir(parents=True, exist_ok=True)
    for name, mode in PRIVATE_DIRS.items():
        (ctx.dir / name).mkdir(exist_ok=True)
        (ctx.dir / name).chmod(mode)
    kind.prepare(ctx)
    netns.create_host_namespaces(
        ctx.netns_name,
        ctx.mnt_file,
        ctx.uts_file,
        ctx.spec.hostname,
        mount_script(ctx) + kind.mount_script(ctx),
    )
    kind.setup(ctx)
    kind.start(ctx)
    ctx.wait_ready()
    kind.ready(ctx)
    return time.monotonic() - started


def host_record(ctx: HostContext, seconds: float) -> dict[str, Any]:
    spec = ctx.spec
    return {
        "name": spec.name,
        "kind": spec.kind,
        "address": spec.address,
        "mac": spec.mac,
        "hostname": spec.hostname,
        "segment": spec.segment,
        "netns": ctx.netns_name,
        "ttl": spec.ttl,
        "ptr": spec.ptr,
        "users": [
            {"name": u.name, "password": u.password, "sudo": u.sudo, "key": u.key}
            for u in spec.users
        ],
        "options": spec.options,
        "facts": ctx.extra,
        "daemons": [vars(d) for d in ctx.daemons],
        "start_seconds": round(seconds, 3),
    }
