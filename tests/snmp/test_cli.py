"""``rmmkit snmp get|walk|identify``: secrets from the environment, errors in one line."""

from __future__ import annotations

import json
import subprocess
import sys

from click.testing import CliRunner

from rmmkit.cli.main import load_commands

from .conftest import V2C_COMMUNITY, V3_AUTH, V3_PRIV, V3_USER
from .recordings import RECORDINGS, load


def invoke(args, env):
    return CliRunner().invoke(load_commands(), args, env=env)


def test_get_and_walk_v2c(snmpd_agent, engine):
    env = {"RMKS_COMMUNITY": V2C_COMMUNITY}
    common = ["--community-env", "RMKS_COMMUNITY", "--port", str(snmpd_agent.port)]
    common += ["--engine", engine]
    got = invoke(["snmp", "get", snmpd_agent.host, "1.3.6.1.2.1.1.7.0", *common], env)
    assert got.exit_code == 0, got.output
    assert got.stdout.strip() == "1.3.6.1.2.1.1.7.0 = 72"  # sysServices set in the snmpd.conf
    walked = invoke(["snmp", "walk", snmpd_agent.host, "1.3.6.1.2.1.1", *common], env)
    assert walked.exit_code == 0 and "1.3.6.1.2.1.1.7.0 = 72" in walked.stdout


def test_identify_v3_json(snmpd_agent):
    env = {"RMKS_AUTH": V3_AUTH, "RMKS_PRIV": V3_PRIV}
    args = [
        "snmp",
        "identify",
        snmpd_agent.host,
        "--version",
        "3",
        "--user",
        V3_USER,
        "--auth-env",
        "RMKS_AUTH",
        "--priv-env",
        "RMKS_PRIV",
        "--auth-protocol",
        "SHA-256",
        "--port",
        str(snmpd_agent.port),
        "--format",
        "json",
        "--poll",
    ]
    result = invoke(args, env)
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["class"] == "linux" and data["secure"] is True
    assert data["tab"]["os_version"].startswith("Linux")


def test_identify_recording_table(snmpsim_agent):
    env = {"RMKS_COMMUNITY": "printer-hp"}
    args = [
        "snmp",
        "identify",
        snmpsim_agent.host,
        "--community-env",
        "RMKS_COMMUNITY",
        "--port",
        str(snmpsim_agent.port),
        "--poll",
    ]
    result = invoke(args, env)
    assert result.exit_code == 0, result.output
    rec = load(RECORDINGS["printer-hp"][0])
    assert rec["1.3.6.1.2.1.25.3.2.1.3.2"].text in result.stdout
    assert "v3 authPriv is recommended" in result.stderr


def test_wrong_community_exit_code_and_one_line(snmpd_agent, engine):
    cmd = [
        sys.executable,
        "-m",
        "rmmkit.cli.main",
        "snmp",
        "get",
        snmpd_agent.host,
        "1.3.6.1.2.1.1.2.0",
        "--community-env",
        "RMKS_COMMUNITY",
        "--port",
        str(snmpd_agent.port),
        "--timeout",
        "0.3",
        "--retries",
        "0",
        "--engine",
        engine,
    ]
    env = {"RMKS_COMMUNITY": "wrong-one", "PATH": "/usr/bin:/bin", "RMMKIT_NO_PLUGIN_COMMANDS": "1"}
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env, check=False)
    assert proc.returncode == 2
    first = proc.stderr.splitlines()[0]
    assert first.startswith("rmmkit: error: SNMP v2c") and "wrong community or host down" in first
    assert "Traceback" not in proc.stderr and "wrong-one" not in proc.stderr


def test_missing_community_is_input_error():
    result = invoke(["snmp", "get", "127.0.0.1", "1.3.6.1.2.1.1.2.0"], {})
    assert result.exit_code != 0
    assert "needs a community" in str(result.exception)
