"""Load and validate a lab topology (YAML → JSON Schema → Topology dataclasses).

Why not :mod:`rmmkit.declared.loader`: a topology is no inventory or playbook, but it
is read by the same marked YAML reader (:mod:`rmmkit.declared.marked_yaml`), so an
unquoted MAC or time stays text, a duplicate key is refused, and a
JSON-Schema error path maps back to file:line:column.
"""

from __future__ import annotations

import ipaddress
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jsonschema

from rmmkit.declared.marked_yaml import MarkedDict, load_yaml, locate
from rmmkit.declared.yaml_limits import decode_yaml
from rmmkit.errors import (
    DuplicateName,
    Location,
    SchemaViolation,
    UnknownReference,
)

# Shipped inside the package like the other schemas; schemas/topology.json links here.
SCHEMA_PATH = Path(__file__).resolve().parents[1] / "schemas" / "topology.json"
DEFAULT_TOPOLOGY = Path(__file__).with_name("data") / "default.yml"
WINDOWS_KINDS = {"windows-smb"}


@dataclass(frozen=True)
class User:
    name: str
    password: str = field(repr=False)
    sudo: str = "password"
    key: bool = False
    admin: bool = False  # windows-smb: member of BUILTIN\Administrators


@dataclass(frozen=True)
class Segment:
    name: str
    subnet: ipaddress.IPv4Network
    scanner: str


@dataclass(frozen=True)
class HostSpec:
    """One declared host; ``options`` keeps kind-specific keys (recording, agent, v3 …)."""

    name: str
    kind: str
    segment: str
    address: str
    mac: str
    hostname: str
    ttl: int
    ptr: str | None
    users: tuple[User, ...]
    options: dict[str, Any]
    location: Location


@dataclass(frozen=True)
class Topology:
    name: str
    domain: str
    segments: tuple[Segment, ...]
    hosts: tuple[HostSpec, ...]
    source: str

    def segment(self, name: str) -> Segment:
        return next(s for s in self.segments if s.name == name)


def _schema() -> dict[str, Any]:
    return json.loads(SCHEMA_PATH.read_text())  # type: ignore[no-any-return]


def load(source: str | Path | dict[str, Any]) -> Topology:
    """Parse a topology file (or an already-built dict, for tests) and validate it."""
    if isinstance(source, dict):
        return _build(source, "<dict>")
    path = Path(source)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise SchemaViolation(
            f"cannot read topology: {exc.strerror}", location=Location(str(path))
        ) from exc
    return _build(load_yaml(decode_yaml(data, str(path)), str(path)), str(path))


def _build(data: Any, source: str) -> Topology:
    def loc(path: list[Any]) -> Location:
        if isinstance(data, MarkedDict):
            return Location(source, *locate(data, path))
        return Location(source)

    validator = jsonschema.Draft202012Validator(_schema())
    errors = sorted(validator.iter_errors(data), key=lambda e: list(e.absolute_path))
    if errors:
        err = jsonschema.exceptions.best_match(errors)
        where = "/".join(str(p) for p in err.absolute_path) or "top level"
        raise SchemaViolation(
            f"{where}: {err.message}",
            location=loc(list(err.absolute_path)),
            expected=err.schema.get("description") if isinstance(err.schema, dict) else None,
        )
    segments: list[Segment] = []
    for i, seg in enumerate(data["segments"]):
        try:
            subnet = ipaddress.IPv4Network(seg["subnet"])
        except ValueError as exc:
            raise SchemaViolation(
                f"segment {seg['name']}: {exc}",
                location=loc(["segments", i, "subnet"]),
                expected="a network address with prefix, e.g. 10.77.1.0/24",
            ) from exc
        if ipaddress.IPv4Address(seg["scanner"]) not in subnet:
            raise SchemaViolation(
                f"scanner address {seg['scanner']} outside {subnet}",
                location=loc(["segments", i, "scanner"]),
            )
        segments.append(Segment(seg["name"], subnet, seg["scanner"]))
    _unique([s.name for s in segments], "segment", lambda i: loc(["segments", i, "name"]))
    by_name = {s.name: s for s in segments}
    hosts = tuple(_host(h, i, by_name, segments[0].name, loc) for i, h in enumerate(data["hosts"]))
    _unique([h.name for h in hosts], "host", lambda i: loc(["hosts", i, "name"]))
    _unique(
        [h.address for h in hosts] + [s.scanner for s in segments],
        "address",
        lambda i: loc(["hosts", i, "address"]),
    )
    _unique([h.mac.lower() for h in hosts], "MAC", lambda i: loc(["hosts", i, "mac"]))
    return Topology(
        data.get("name", "lab"), data.get("domain", "lab.test"), tuple(segments), hosts, source
    )


def _host(
    h: dict[str, Any], i: int, segments: dict[str, Segment], first: str, loc: Any
) -> HostSpec:
    seg_name = h.get("segment", first)
    if seg_name not in segments:
        raise UnknownReference(
            f"host {h['name']}: unknown segment {seg_name!r}",
            location=loc(["hosts", i, "segment"]),
            expected=", ".join(segments),
        )
    if h["name"] == "scanner":
        raise SchemaViolation(
            "host name 'scanner' is reserved for the scanner namespace",
            location=loc(["hosts", i, "name"]),
            expected="another host name",
        )
    if ipaddress.IPv4Address(h["address"]) not in segments[seg_name].subnet:
        raise SchemaViolation(
            f"host {h['name']}: {h['address']} is outside segment {seg_name}",
            location=loc(["hosts", i, "address"]),
            expected=str(segments[seg_name].subnet),
        )
    if h["kind"] == "anyip" and "block" not in h:
        raise SchemaViolation(
            f"host {h['name']}: anyip needs a block",
            location=loc(["hosts", i]),
            expected="block: 10.88.0.0/16",
        )
    users = tuple(
        User(
            u["name"],
            u["password"],
            u.get("sudo", "password"),
            u.get("key", False),
            u.get("admin", False),
        )
        for u in h.get("users", [])
    )
    known = {"name", "kind", "segment", "address", "mac", "hostname", "ttl", "ptr", "users"}
    return HostSpec(
        name=h["name"],
        kind=h["kind"],
        segment=seg_name,
        address=h["address"],
        mac=h.get("mac") or _default_mac(h["address"]),
        hostname=h.get("hostname", h["name"]),
        ttl=h.get("ttl", 128 if h["kind"] in WINDOWS_KINDS else 64),
        ptr=h.get("ptr"),
        users=users,
        options={k: v for k, v in h.items() if k not in known},
        location=loc(["hosts", i]),
    )


def _default_mac(address: str) -> str:
    """A locally administered MAC derived from the address (stable across runs)."""
    a, b, c, d = (int(x) for x in address.split("."))
    return f"02:72:{a:02x}:{b:02x}:{c:02x}:{d:02x}"


def _unique(values: list[str], what: str, where: Any) -> None:
    seen: set[str] = set()
    for i, value in enumerate(values):
        if value in seen:
            raise DuplicateName(f"duplicate {what} {value!r}", location=where(i))
        seen.add(value)
