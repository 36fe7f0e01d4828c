"""Topology validation: bad input gets one line with file:line and what was expected."""

from __future__ import annotations

from pathlib import Path

import pytest

from rmmkit.errors import DuplicateName, SchemaViolation, UnknownReference, YamlSyntaxError
from rmmkit.lab import topology

DEFAULT_TEXT = topology.DEFAULT_TOPOLOGY.read_text()
HEADER = "segments:\n  - {name: lan, subnet: 10.77.1.0/24, scanner: 10.77.1.1}\nhosts:\n"


def load(tmp_path: Path, text: str) -> topology.Topology:
    path = tmp_path / "topo.yml"
    path.write_text(text)
    return topology.load(path)


def test_default_topology_is_valid_and_rich() -> None:
    topo = topology.load(topology.DEFAULT_TOPOLOGY)
    kinds = {h.kind for h in topo.hosts}
    assert kinds == {
        "linux-ssh",
        "windows-smb",
        "snmp",
        "ping-only",
        "dead",
        "filtered",
        "anyip",
        "dns",
    }
    assert sum(h.kind == "linux-ssh" for h in topo.hosts) >= 10
    assert all(h.ttl == 128 for h in topo.hosts if h.kind == "windows-smb")
    assert any(h.ptr for h in topo.hosts) and not all(h.ptr for h in topo.hosts)


def test_defaults(tmp_path: Path) -> None:
    topo = load(
        tmp_path,
        HEADER + "  - {name: a, kind: windows-smb, address: 10.77.1.5}\n"
        "  - {name: b, kind: ping-only, address: 10.77.1.6}\n",
    )
    a, b = topo.hosts
    assert (a.ttl, b.ttl) == (128, 64)
    assert a.segment == "lan" and a.hostname == "a"
    assert a.mac != b.mac and a.mac.startswith("02:")  # locally administered, stable


@pytest.mark.parametrize(
    ("body", "error", "line", "text"),
    [
        ("  - {name: a, kind: toaster, address: 10.77.1.5}\n", SchemaViolation, 4, "toaster"),
        (
            "  - {name: a, kind: ping-only, address: 10.77.2.5}\n",
            SchemaViolation,
            4,
            "outside segment lan",
        ),
        (
            "  - {name: a, kind: ping-only, address: 10.77.1.5, segment: dmz}\n",
            UnknownReference,
            4,
            "dmz",
        ),
        (
            "  - {name: a, kind: ping-only, address: 10.77.1.5}\n"
            "  - {name: b, kind: ping-only, address: 10.77.1.5}\n",
            DuplicateName,
            5,
            "10.77.1.5",
        ),
        (
            "  - {name: a, kind: ping-only, address: 10.77.1.5}\n"
            "  - {name: a, kind: ping-only, address: 10.77.1.6}\n",
            DuplicateName,
            5,
            "'a'",
        ),
        ("  - {name: a, kind: anyip, address: 10.77.1.5}\n", SchemaViolation, 4, "block"),
        (
            "  - {name: scanner, kind: ping-only, address: 10.77.1.5}\n",
            SchemaViolation,
            4,
            "reserved",
        ),
        (
            "  - name: a\n    kind: linux-ssh\n    address: 10.77.1.5\n    users: [{name: x}]\n",
            SchemaViolation,
            7,
            "password",
        ),
    ],
)
def test_errors_point_at_the_line(
    tmp_path: Path, body: str, error: type, line: int, text: str
) -> None:
    with pytest.raises(error) as info:
        load(tmp_path, HEADER + body)
    message = str(info.value)
    assert f"topo.yml:{line}:" in message and text in message
    assert "\n" not in message


def test_yaml_syntax_error(tmp_path: Path) -> None:
    with pytest.raises(YamlSyntaxError, match=r"topo.yml:4:\d+: YAML syntax error"):
        load(tmp_path, HEADER + "  - {name: a, kind: x}}\n")


def test_unquoted_mac_stays_text_and_duplicate_keys_are_refused(tmp_path: Path) -> None:
    # YAML 1.1 reads 52:54:00:12:34:56 as a base-60 integer; the lab reads it as written.
    good = load(tmp_path, DEFAULT_TEXT.replace('"00:50:56:01:00:53"', "52:54:00:12:34:56", 1))
    assert "52:54:00:12:34:56" in {host.mac for host in good.hosts}
    with pytest.raises(DuplicateName, match=r"topo.yml:\d+:\d+: duplicate key 'name'"):
        load(tmp_path, DEFAULT_TEXT.replace("name: ns1,", "name: ns1, name: ns2,", 1))
