"""Declared state as frozen dataclasses (inventory, playbook) and resolved hosts.

Why frozen: the loader validates once; everything downstream (runner,
actions, reports) may share these objects across threads without copying.
Every declaration keeps the :class:`~rmmkit.errors.Location` it came from so
errors found later (unknown references, conflicts) still point at file:line.

The constructors live in :mod:`rmmkit.declared.build`, which the loader
calls once the document passed its checks; this module only defines shapes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from rmmkit.errors import Location

NOWHERE = Location("<memory>")


@dataclass(frozen=True)
class SecretRef:
    """Where a secret *value* comes from; never the value itself."""

    source: str  # registered secret source name: vault, env, file, keyring, …
    key: str  # name inside that source (vault record, env var name, file path, keyring entry)
    options: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Credential:
    """A named credential: kind, user, and references to its secrets."""

    name: str
    kind: str  # password | ntlm_hash | kerberos | ssh_key | snmp_community | snmp_v3
    user: str = ""
    domain: str = ""
    secret: SecretRef | None = None  # password / hash / community / key passphrase
    extra: dict[str, Any] = field(default_factory=dict)  # e.g. key_file, auth_protocol, priv_secret
    location: Location = NOWHERE


@dataclass(frozen=True)
class HostKeyPolicy:
    """``ssh_host_keys`` as declared on a site or a host, and the file:line it came from.

    Why the location: a host key recorded without a human's say-so must name
    the declaration that allowed it (in the task result and the store).
    """

    mode: str  # strict | accept_new
    location: Location = NOWHERE


@dataclass(frozen=True)
class Site:
    """One client location: ranges, excludes, credentials, vars, packages."""

    name: str
    ranges: tuple[str, ...] = ()
    excludes: tuple[str, ...] = ()
    credentials: tuple[str, ...] = ()  # tried in declared order ("additional credentials")
    vars: dict[str, Any] = field(default_factory=dict)
    packages: tuple[str, ...] = ()  # assigned packages
    blocked_packages: tuple[str, ...] = ()  # inherited packages this site refuses
    dns: tuple[str, ...] = ()  # resolvers for reverse DNS (empty: the machine's own)
    ssh_host_keys: HostKeyPolicy | None = None  # None: not declared (strict)
    location: Location = NOWHERE


@dataclass(frozen=True)
class Host:
    """A statically declared host."""

    name: str
    address: str
    site: str = ""
    groups: tuple[str, ...] = ()
    vars: dict[str, Any] = field(default_factory=dict)
    credentials: tuple[str, ...] = ()
    ssh_host_keys: HostKeyPolicy | None = None  # wins over the site's
    location: Location = NOWHERE


@dataclass(frozen=True)
class Group:
    name: str
    hosts: tuple[str, ...] = ()
    vars: dict[str, Any] = field(default_factory=dict)
    location: Location = NOWHERE


@dataclass(frozen=True)
class Installer:
    os: str  # windows | linux | macos
    arch: str  # x86_64 | arm64 | any
    path: str  # local path or URL of the installer
    sha256: str


@dataclass(frozen=True)
class Agent:
    """An installable monitoring agent and how to detect it."""

    name: str
    version: str
    installers: tuple[Installer, ...] = ()
    commands: dict[str, str] = field(default_factory=dict)  # install, update, uninstall
    detect: dict[str, Any] = field(default_factory=dict)  # service, file, registry, version_command
    location: Location = NOWHERE


@dataclass(frozen=True)
class Policy:
    name: str
    category: str
    type: str
    settings: dict[str, Any] = field(default_factory=dict)
    location: Location = NOWHERE


@dataclass(frozen=True)
class Package:
    name: str
    policies: tuple[str, ...] = ()
    location: Location = NOWHERE


@dataclass(frozen=True)
class Inventory:
    path: str
    sites: dict[str, Site] = field(default_factory=dict)
    hosts: dict[str, Host] = field(default_factory=dict)
    groups: dict[str, Group] = field(default_factory=dict)
    agents: dict[str, Agent] = field(default_factory=dict)
    policies: dict[str, Policy] = field(default_factory=dict)
    packages: dict[str, Package] = field(default_factory=dict)
    credentials: dict[str, Credential] = field(default_factory=dict)
    vars: dict[str, Any] = field(default_factory=dict)
    default_packages: tuple[str, ...] = ()  # inherited by every site unless it blocks them
    settings: dict[str, Any] = field(default_factory=dict)  # e.g. max_range_size


@dataclass(frozen=True)
class Targets:
    sites: tuple[str, ...] = ()
    ranges: tuple[str, ...] = ()
    groups: tuple[str, ...] = ()
    hosts: tuple[str, ...] = ()
    location: Location = NOWHERE


@dataclass(frozen=True)
class Task:
    name: str
    action: str
    args: dict[str, Any] = field(default_factory=dict)  # raw; templated per host at run time
    when: str | None = None  # a Jinja2 expression evaluated per host
    tags: tuple[str, ...] = ()
    vars: dict[str, Any] = field(default_factory=dict)
    timeout: float | None = None
    location: Location = NOWHERE


@dataclass(frozen=True)
class OutputSpec:
    type: str  # registered output name: table, json, jsonl, …
    options: dict[str, Any] = field(default_factory=dict)
    location: Location = NOWHERE


@dataclass(frozen=True)
class Playbook:
    path: str
    name: str
    targets: Targets = field(default_factory=Targets)
    tasks: tuple[Task, ...] = ()
    outputs: tuple[OutputSpec, ...] = ()
    schedule: dict[str, Any] | None = None
    vars: dict[str, Any] = field(default_factory=dict)
    location: Location = NOWHERE
    inventory: str | None = None  # default inventory path (resolved against the playbook's folder)


@dataclass(frozen=True)
class EffectivePolicy:
    """A policy as it reaches a host, with the package and site it came through."""

    policy: Policy
    package: str
    via_site: str


@dataclass(frozen=True)
class Observed:
    """What the latest scan saw at a discovered host's address: the evidence agent routing reads.

    Why typed and frozen: the choice of transport (``rmmkit.agents.routing``) and
    ``rmmkit inventory show`` must read the same few facts, not a free-form row.
    """

    os: str = ""  # the scan's classified OS ("Windows Server 2019 …", "Samba (…)", "Linux (…)")
    resource_type: str = ""  # desktop, server, ups, printer, firewall, router, switch, snmp, icmp …
    open_ports: tuple[int, ...] = ()
    ttl: int | None = None
    ssh_banner: str = ""
    smb: bool = False  # SMB negotiate + NTLM challenge answered
    smb_build: int | None = None  # the NTLM challenge's OS build (0: Samba)
    netbios: str = ""  # NetBIOS node status name
    snmp: bool = False  # an SNMP agent answered
    scan_id: str = ""


@dataclass(frozen=True)
class ResolvedHost:
    """A host with everything that applies to it, and where each value came from.

    ``origins`` maps a dotted key (``vars.foo``, ``credentials``, ``packages.p1``)
    to a human-readable origin (``site:hq (inventories/x.yml:12)``).
    """

    name: str
    address: str
    site: str = ""
    groups: tuple[str, ...] = ()
    vars: dict[str, Any] = field(default_factory=dict)
    credentials: tuple[Credential, ...] = ()
    packages: tuple[str, ...] = ()
    policies: tuple[EffectivePolicy, ...] = ()
    discovered: bool = False  # came from a scan row, not a static declaration
    origins: dict[str, str] = field(default_factory=dict)
    observed: Observed | None = None  # what the scan saw (discovered hosts with a scan row)
