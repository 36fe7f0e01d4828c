"""Validated YAML data → the frozen dataclasses of :mod:`rmmkit.declared.models`.

Why separate from the checks: by the time these run the document matched the
schema and every reference resolved, so builders only copy and convert; each
declaration keeps its ``Location`` so later errors still point at file:line.
"""

from __future__ import annotations

from typing import Any

from rmmkit.declared.marked_yaml import MarkedDict, MarkedList
from rmmkit.declared.models import (
    Agent,
    Credential,
    Group,
    Host,
    HostKeyPolicy,
    Installer,
    Inventory,
    OutputSpec,
    Package,
    Playbook,
    Policy,
    SecretRef,
    Site,
    Targets,
    Task,
)
from rmmkit.errors import Location

SECRET_REF_KEYS = ("priv_secret", "ccache", "key")  # key: an SSH private key


def plain(value: Any) -> Any:
    """Marked containers → plain dict/list (downstream code never sees marks)."""
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain(v) for v in value]
    return value


def where(filename: str, node: Any) -> Location:
    if isinstance(node, MarkedDict | MarkedList):
        return Location(filename, *node.start)
    return Location(filename)


def secret_ref(raw: dict[str, Any] | None) -> SecretRef | None:
    if not raw:
        return None
    return SecretRef(str(raw["source"]), str(raw["key"]), plain(raw.get("options") or {}))


def credential(raw: dict[str, Any], filename: str) -> Credential:
    extra: dict[str, Any] = {}
    for key in ("key_file", "auth_protocol", "priv_protocol", "spn", "kdc"):
        if key in raw:
            extra[key] = raw[key]
    for key in SECRET_REF_KEYS:
        if key in raw:
            extra[key] = secret_ref(raw[key])
    return Credential(
        name=raw["name"],
        kind=raw["kind"],
        user=raw.get("user", ""),
        domain=raw.get("domain", ""),
        secret=secret_ref(raw.get("secret")),
        extra=extra,
        location=where(filename, raw),
    )


def _names(raw: dict[str, Any], key: str) -> tuple[str, ...]:
    return tuple(raw.get(key) or ())


def host_key_policy(raw: dict[str, Any], filename: str) -> HostKeyPolicy | None:
    """``ssh_host_keys`` of a site or host, located at its own key (file:line:column)."""
    mode = raw.get("ssh_host_keys")
    if mode is None:
        return None
    mark = getattr(raw, "key_marks", {}).get("ssh_host_keys")
    return HostKeyPolicy(str(mode), Location(filename, *mark) if mark else where(filename, raw))


def site(raw: dict[str, Any], filename: str) -> Site:
    return Site(
        name=raw["name"],
        ranges=_names(raw, "ranges"),
        excludes=_names(raw, "excludes"),
        credentials=_names(raw, "credentials"),
        vars=plain(raw.get("vars") or {}),
        packages=_names(raw, "packages"),
        blocked_packages=_names(raw, "blocked_packages"),
        dns=_names(raw, "dns"),
        ssh_host_keys=host_key_policy(raw, filename),
        location=where(filename, raw),
    )


def host(raw: dict[str, Any], filename: str, site_name: str) -> Host:
    return Host(
        name=raw["name"],
        address=raw["address"],
        site=site_name,
        groups=_names(raw, "groups"),
        vars=plain(raw.get("vars") or {}),
        credentials=_names(raw, "credentials"),
        ssh_host_keys=host_key_policy(raw, filename),
        location=where(filename, raw),
    )


def group(raw: dict[str, Any], filename: str, members: tuple[str, ...]) -> Group:
    return Group(
        name=raw["name"],
        hosts=members,
        vars=plain(raw.get("vars") or {}),
        location=where(filename, raw),
    )


def agent(raw: dict[str, Any], filename: str) -> Agent:
    installers = tuple(
        Installer(os=i["os"], arch=i.get("arch", "any"), path=i["path"], sha256=i["sha256"].lower())
        for i in raw.get("installers") or ()
    )
    return Agent(
        name=raw["name"],
        version=str(raw["version"]),
        installers=installers,
        commands=plain(raw.get("commands") or {}),
        detect=plain(raw.get("detect") or {}),
        location=where(filename, raw),
    )


def policy(raw: dict[str, Any], filename: str, settings: dict[str, Any]) -> Policy:
    return Policy(
        name=raw["name"],
        category=raw["category"],
        type=raw["type"],
        settings=settings,
        location=where(filename, raw),
    )


def package(raw: dict[str, Any], filename: str) -> Package:
    return Package(
        name=raw["name"], policies=_names(raw, "policies"), location=where(filename, raw)
    )


def inventory(
    data: dict[str, Any],
    filename: str,
    host_sites: dict[str, str],
    group_members: dict[str, tuple[str, ...]],
    policy_settings: dict[str, dict[str, Any]],
) -> Inventory:
    return Inventory(
        path=filename,
        sites={raw["name"]: site(raw, filename) for raw in data.get("sites") or ()},
        hosts={
            raw["name"]: host(raw, filename, host_sites.get(raw["name"], ""))
            for raw in data.get("hosts") or ()
        },
        groups={
            raw["name"]: group(raw, filename, group_members[raw["name"]])
            for raw in data.get("groups") or ()
        },
        agents={raw["name"]: agent(raw, filename) for raw in data.get("agents") or ()},
        policies={
            raw["name"]: policy(raw, filename, policy_settings[raw["name"]])
            for raw in data.get("policies") or ()
        },
        packages={raw["name"]: package(raw, filename) for raw in data.get("packages") or ()},
        credentials={
            raw["name"]: credential(raw, filename) for raw in data.get("credentials") or ()
        },
        vars=plain(data.get("vars") or {}),
        default_packages=_names(data, "default_packages"),
        settings=plain(data.get("settings") or {}),
    )


def task(raw: dict[str, Any], filename: str) -> Task:
    timeout = raw.get("timeout")
    return Task(
        name=raw["name"],
        action=raw["action"],
        args=plain(raw.get("args") or {}),
        when=raw.get("when"),
        tags=_names(raw, "tags"),
        vars=plain(raw.get("vars") or {}),
        timeout=float(timeout) if timeout is not None else None,
        location=where(filename, raw),
    )


def playbook(
    data: dict[str, Any],
    filename: str,
    targets_raw: dict[str, Any],
    outputs_raw: list[dict[str, Any]],
    variables: dict[str, Any],
    inventory_path: str | None,
) -> Playbook:
    targets = Targets(
        sites=_names(targets_raw, "sites"),
        ranges=_names(targets_raw, "ranges"),
        groups=_names(targets_raw, "groups"),
        hosts=_names(targets_raw, "hosts"),
        location=where(filename, data.get("targets")),
    )
    outputs = tuple(
        OutputSpec(
            type=raw["type"],
            options={k: v for k, v in raw.items() if k != "type"},
            location=where(filename, original),
        )
        for raw, original in zip(outputs_raw, data.get("outputs") or (), strict=True)
    )
    return Playbook(
        path=filename,
        name=data["name"],
        targets=targets,
        tasks=tuple(task(raw, filename) for raw in data["tasks"]),
        outputs=outputs,
        schedule=plain(data["schedule"]) if data.get("schedule") is not None else None,
        vars=variables,
        location=where(filename, data),
        inventory=inventory_path,
    )
