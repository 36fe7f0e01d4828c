"""``rmmkit windows`` from the scanner namespace: verdicts, exit codes, no secret in output."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from rmmkit.lab import Lab
from rmmkit.secrets.canary import Canaries, assert_no_canary


def rmmkit(
    lab: Lab | None, *args: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    prefix = ["ip", "netns", "exec", lab.scanner_ns] if lab is not None else []
    return subprocess.run(
        [*prefix, "rmmkit", *args],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "RMMKIT_NO_PLUGIN_COMMANDS": "1", **(env or {})},
    )


@pytest.mark.lab
def test_preflight_cli_verdicts_and_exit_codes(winlab: Lab) -> None:
    srv, noadmin = winlab.host("win-srv01"), winlab.host("win-noadmin")
    good = rmmkit(
        winlab,
        "windows",
        "preflight",
        srv.address,
        noadmin.address,
        "--user",
        "WORKGROUP/administrator",
        "--password-env",
        "WINPW",
        "--format",
        "json",
        env={"WINPW": srv.users[0].password},
    )
    assert good.returncode == 2, good.stderr  # win-noadmin cannot be deployed to
    verdicts = {r["address"]: r["verdict"] for r in json.loads(good.stdout)}
    assert verdicts == {srv.address: "partly_ready", noadmin.address: "host_config"}
    assert srv.users[0].password not in good.stdout + good.stderr

    canary = Canaries(1)
    bad = rmmkit(
        winlab,
        "windows",
        "preflight",
        srv.address,
        "--user",
        "administrator",
        "--password-env",
        "WINPW",
        env={"WINPW": canary.values[0]},
    )
    assert bad.returncode == 2
    assert (
        "wrong_credentials" in bad.stdout
        and "likely cause: Incorrect login credentials" in bad.stdout
    )
    assert_no_canary(bad.stdout + bad.stderr, canary, where="rmmkit windows preflight output")


def test_explain_and_bad_input() -> None:
    out = rmmkit(None, "windows", "explain", "nt:0xC00000BE")
    assert out.returncode == 0 and "The network path was not found" in out.stdout
    assert "likely cause: Firewall is ON." in out.stdout
    unknown = rmmkit(None, "windows", "explain", "nt:0x1234")
    assert (
        unknown.returncode == 3
        and "expected" in unknown.stderr
        and "Traceback" not in unknown.stderr
    )
    nocred = rmmkit(None, "windows", "preflight", "127.0.0.1")
    assert nocred.returncode == 3 and "--password-env" in nocred.stderr


@pytest.mark.lab
def test_preflight_with_inventory_credentials_and_scope(winlab: Lab, inventory: Path) -> None:
    srv = winlab.host("win-srv01").address
    out = rmmkit(
        winlab,
        "windows",
        "preflight",
        srv,
        "--credential",
        "peer-admin",
        "--credential",
        "lab-admin",
        "-i",
        str(inventory),
        "--format",
        "json",
    )
    assert out.returncode == 0, out.stderr
    (result,) = json.loads(out.stdout)
    assert result["credential"] == "lab-admin" and result["verdict"] == "partly_ready"
    outside = rmmkit(
        winlab,
        "windows",
        "preflight",
        "10.79.8.5",
        "--credential",
        "lab-admin",
        "-i",
        str(inventory),
    )
    assert outside.returncode == 3 and "outside the declared ranges" in outside.stderr
