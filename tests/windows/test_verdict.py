"""Verdict logic over recorded rungs (pure logic: the lab tests prove the rungs themselves)."""

from __future__ import annotations

from rmmkit.windows.errors import Failure
from rmmkit.windows.verdict import Preflight, Step, problems, verdict


def failure(category: str, entry: str = "") -> Failure:
    return Failure("x", "nt", 1, "", "msg", category, ("cause",), entry)


def record(**failed: Failure) -> Preflight:
    pf = Preflight("h", "10.0.0.1")
    for name in ("ping", "tcp445", "smb_login", "admin_share", "svcctl", "wmi", "winreg"):
        f = failed.get(name)
        pf.steps.append(Step(name, "failed" if f else "ok", failure=f))
    return pf


def test_denied_everywhere_means_not_administrator() -> None:
    denied = failure("privileges", "access_denied")
    pf = record(admin_share=denied, svcctl=denied, winreg=denied, wmi=failure("host_config"))
    assert verdict(pf)[0] == "not_administrator"
    assert problems(pf) == [
        "admin_share_denied",
        "service_manager_denied",
        "wmi_blocked",
        "remote_registry_denied",
    ]


def test_a_locked_account_is_a_credential_problem_but_no_logon_server_is_not() -> None:
    assert verdict(record(smb_login=failure("credentials")))[0] == "wrong_credentials"
    assert verdict(record(smb_login=failure("host_config", "no_logon_servers")))[0] == "host_config"


def test_refused_445_without_ping_is_still_a_live_host() -> None:
    refused = Failure("tcp445", "net", "refused_445", "", "m", "host_config", ())
    silent = Failure("tcp445", "net", "timeout", "", "m", "host_config", ())
    assert verdict(record(ping=failure("host_config"), tcp445=refused))[0] == "firewall"
    assert verdict(record(ping=failure("host_config"), tcp445=silent))[0] == "unreachable"
