"""The preflight record (every rung) and its verdict: credentials versus host configuration.

Why apart from the ladder: deciding what the recorded rungs mean is pure
logic, tested without a network, and read by the CLI, the action and the
docs; the ladder only climbs and records.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from rmmkit.windows.errors import Failure


@dataclass
class Step:
    name: str
    status: str  # ok | failed | skipped
    seconds: float = 0.0
    detail: str = ""
    failure: Failure | None = None

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "step": self.name,
            "status": self.status,
            "seconds": round(self.seconds, 3),
            "detail": self.detail,
        }
        if self.failure is not None:
            out.update(
                code=self.failure.code_text,
                message=self.failure.message,
                category=self.failure.category,
                causes=list(self.failure.causes),
            )
        return out


@dataclass
class Preflight:
    host: str
    address: str
    steps: list[Step] = field(default_factory=list)
    credential: str = ""
    verdict: str = ""
    summary: str = ""
    problems: list[str] = field(default_factory=list)
    methods: list[str] = field(default_factory=list)

    def step(self, name: str) -> Step | None:
        return next((s for s in self.steps if s.name == name), None)

    def ok(self, name: str) -> bool:
        s = self.step(name)
        return s is not None and s.status == "ok"

    def to_dict(self) -> dict[str, Any]:
        return {
            "host": self.host,
            "address": self.address,
            "credential": self.credential,
            "verdict": self.verdict,
            "summary": self.summary,
            "problems": self.problems,
            "methods": self.methods,
            "steps": [s.to_dict() for s in self.steps],
        }


VERDICTS = {
    "ready": "every rung answered: deploy can use {methods}",
    "partly_ready": "deploy can use {methods}; blocked: {problems}",
    "unreachable": "no answer to ping or TCP 445: the host is off, or a firewall drops everything",
    "firewall": "the host is up but TCP 445 is closed: a firewall blocks it or "
    "File and Printer sharing is off",
    "wrong_credentials": "the host refused the credential(s): fix the user name or secret",
    "not_administrator": "the account logs in but is not an administrator on the host",
    "host_config": "the credential works but the host's configuration blocks "
    "deployment: {problems}",
}
_PROBLEM_WORDS = {"admin_share": "ADMIN$ (missing share or no write access)",
                  "svcctl": "the service manager", "wmi": "WMI (TCP 135 / DCOM)",
                  "winreg": "the Remote Registry service"}  # fmt: skip


def problems(pf: Preflight) -> list[str]:
    """One code per failed rung above the login (``admin_share_missing``, ``wmi_blocked``, …)."""
    out = []
    for step in pf.steps:
        if step.status != "failed" or step.name not in _PROBLEM_WORDS:
            continue
        category = step.failure.category if step.failure else ""
        entry = step.failure.entry if step.failure else ""
        if category == "privileges":
            out.append(f"{_PROBLEM_CODES[step.name]}_denied")
        elif step.name == "admin_share" and entry == "bad_network_name":
            out.append("admin_share_missing")
        elif step.name == "winreg":
            out.append("remote_registry_disabled")
        elif step.name == "wmi":
            out.append("wmi_blocked")
        else:
            out.append(f"{_PROBLEM_CODES[step.name]}_unavailable")
    return out


_PROBLEM_CODES = {"admin_share": "admin_share", "svcctl": "service_manager", "wmi": "wmi",
                  "winreg": "remote_registry"}  # fmt: skip


def verdict(pf: Preflight) -> tuple[str, str]:
    """(verdict, one-line summary) from the recorded rungs."""

    def failed(name: str) -> Step | None:
        s = pf.step(name)
        return s if s is not None and s.status == "failed" else None

    tcp = failed("tcp445")
    if tcp:
        refused = bool(tcp.failure and str(tcp.failure.code).startswith("refused"))
        key = "firewall" if pf.ok("ping") or refused else "unreachable"
        return key, VERDICTS[key]
    login = failed("smb_login")
    if login:
        category = login.failure.category if login.failure else ""
        key = "wrong_credentials" if category == "credentials" else "host_config"
        return key, VERDICTS[key].format(problems=login.detail)
    problems = [n for n in ("admin_share", "svcctl", "wmi", "winreg") if failed(n)]
    words = ", ".join(_PROBLEM_WORDS[n] for n in problems)
    methods = ", ".join(pf.methods)
    if not problems:
        return "ready", VERDICTS["ready"].format(methods=methods)
    denied = [
        n for n in problems if (s := failed(n)) and s.failure and s.failure.category == "privileges"
    ]
    if pf.methods:
        return "partly_ready", VERDICTS["partly_ready"].format(methods=methods, problems=words)
    if denied and len(denied) == len([n for n in problems if n != "wmi"]):
        return "not_administrator", VERDICTS["not_administrator"]
    return "host_config", VERDICTS["host_config"].format(problems=words)
