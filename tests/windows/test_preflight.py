"""The preflight ladder against the lab: each verdict comes from a host configured that way."""

from __future__ import annotations

import pytest

from rmmkit.lab import Lab
from rmmkit.secrets.credentials import Material
from rmmkit.windows.preflight import Preflight, preflight
from tests.windows.conftest import password

pytestmark = pytest.mark.lab


def run(lab: Lab, host: str, *materials: Material, address: str | None = None) -> Preflight:
    with lab.scanner():
        return preflight(host, address or lab.host(host).address, list(materials), timeout=2)


def statuses(pf: Preflight) -> dict[str, str]:
    return {s.name: s.status for s in pf.steps}


def test_every_rung_is_recorded_in_order(winlab: Lab, lab_admin: Material) -> None:
    pf = run(winlab, "win-srv01", lab_admin)
    assert [s.name for s in pf.steps] == [
        "ping",
        "tcp445",
        "smb_login",
        "admin_share",
        "svcctl",
        "wmi",
        "winreg",
    ]
    assert statuses(pf) == {
        "ping": "ok",
        "tcp445": "ok",
        "smb_login": "ok",
        "admin_share": "ok",
        "svcctl": "ok",
        "wmi": "failed",
        "winreg": "ok",
    }
    # Samba's endpoint mapper answers on 135 but offers no WMI: only that rung fails.
    assert pf.verdict == "partly_ready" and pf.problems == ["wmi_blocked"]
    assert pf.methods == ["service", "remote_registry"]
    assert not list(
        (winlab.dir / "hosts" / "win-srv01" / "C" / "Windows" / "Temp").glob("rmmkit-preflight-*")
    )


def test_wrong_password_is_a_credential_problem(winlab: Lab) -> None:
    pf = run(winlab, "win-srv01", password("stale", "Changed-By-Client-9"))
    assert pf.verdict == "wrong_credentials"
    login = pf.step("smb_login")
    assert login is not None and login.failure is not None
    assert login.failure.category == "credentials" and "LOGON_FAILURE" in login.failure.code_text
    assert [s.status for s in pf.steps[3:]] == ["skipped"] * 4


def test_missing_admin_share_is_host_configuration(winlab: Lab, lab_admin: Material) -> None:
    pf = run(winlab, "win-noadmin", lab_admin)
    assert pf.verdict == "host_config"
    assert "admin_share_missing" in pf.problems
    step = pf.step("admin_share")
    assert (
        step is not None and step.failure is not None and step.failure.entry == "bad_network_name"
    )
    assert pf.methods == []  # nothing can be copied, so no method can deploy


def test_remote_registry_off(winlab: Lab, lab_admin: Material) -> None:
    pf = run(winlab, "win-noreg", lab_admin)
    assert pf.step("smb_login").status == "ok"  # type: ignore[union-attr]
    assert "remote_registry_disabled" in pf.problems
    winreg = pf.step("winreg")
    assert winreg is not None and winreg.failure is not None
    assert winreg.failure.message.startswith("Could not copy setup using Remote Registry")
    assert pf.verdict == "partly_ready" or pf.verdict == "host_config"
    assert "remote_registry" not in pf.methods


def test_port_445_closed_is_firewall_not_credentials(winlab: Lab, lab_admin: Material) -> None:
    for host in ("nothing", "win-fw"):  # answers ping / drops ping; both refuse TCP 445
        pf = run(winlab, host, lab_admin)
        assert pf.verdict == "firewall", (host, pf.to_dict())
        assert pf.step("tcp445").failure.message == "The network path was not found"  # type: ignore[union-attr]


def test_silent_address_is_unreachable(winlab: Lab, lab_admin: Material) -> None:
    pf = run(winlab, "ghost", lab_admin, address="10.79.7.99")  # in the lab segment, nobody there
    assert pf.verdict == "unreachable"
    assert statuses(pf)["ping"] == "failed" and statuses(pf)["tcp445"] == "failed"


def test_peer_offers_the_service_method(winlab: Lab, peer_admin: Material) -> None:
    pf = run(winlab, "win-peer", peer_admin)
    assert statuses(pf)["svcctl"] == "ok" and "service" in pf.methods
    assert pf.step("wmi").failure.message.startswith("Could not connect")  # type: ignore[union-attr]
