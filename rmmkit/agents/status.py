"""Agent status from a probe: installed, not_installed, outdated, in_progress, unknown.

Why separate from probing: probing is per transport (a shell script over
SSH, registry and service queries over SMB); deciding what the observations
mean is the same everywhere and is pure logic, tested without a network.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

DEFAULT_VERSION_REGEX = r"(\d+(?:\.\d+)+)"


@dataclass(frozen=True)
class Probe:
    """What a target saw for one agent; ``None`` means "not checked"."""

    file: bool | None = None  # detect.file exists
    service: str | None = None  # active | inactive | unknown (detect.service)
    version_rc: int | None = None  # exit code of detect.version_command
    version_output: str | None = None
    registry_version: str | None = None  # Windows: the value of detect.registry
    in_progress: bool = False  # a deployment marker is on the host
    os: str = ""
    arch: str = ""
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class AgentState:
    status: str
    version: str | None
    expected: str
    detail: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "status": self.status,
            "version": self.version,
            "expected": self.expected,
            "detail": self.detail,
        }


def version_key(version: str) -> tuple[tuple[int, str], ...]:
    """Sortable key: numeric parts compare as numbers (``3.10`` > ``3.9``)."""
    parts = re.split(r"[.\-+_]", version.strip().lstrip("vV"))
    return tuple((int(p), "") if p.isdigit() else (-1, p) for p in parts if p)


def parse_version(output: str | None, regex: str | None) -> str | None:
    if not output:
        return None
    match = re.search(regex or DEFAULT_VERSION_REGEX, output)
    if match is None:
        return None
    return match.group(1) if match.groups() else match.group(0)


def classify(probe: Probe, expected: str, detect: dict[str, Any]) -> AgentState:
    """Turn observations into a status; ``detect`` is the inventory's Agent.detect."""
    if probe.in_progress:
        return AgentState("in_progress", None, expected, "a deployment is running on the host")
    version = probe.registry_version or parse_version(
        probe.version_output, detect.get("version_regex")
    )
    evidence = [
        probe.file is True,
        probe.service == "active",
        probe.version_rc == 0,
        probe.registry_version is not None,
    ]
    checked = [
        probe.file is not None,
        probe.service not in (None, "unknown"),
        probe.version_rc is not None,
        "registry" in detect,
    ]
    if not any(evidence):
        if any(checked):
            return AgentState("not_installed", None, expected, "no trace of the agent")
        return AgentState("unknown", None, expected, "no detection rule could be checked")
    if version is None:
        wants_version = "version_command" in detect or "registry" in detect
        if wants_version:
            return AgentState(
                "unknown", None, expected, "the agent is present but its version could not be read"
            )
        return AgentState("installed", None, expected, "present (no version rule declared)")
    if version_key(version) < version_key(expected):
        return AgentState("outdated", version, expected, f"{version} < {expected}")
    return AgentState("installed", version, expected, f"version {version}")
