"""Scope: the one gate every probe passes; netaddr's IPSet is the oracle for membership."""

from __future__ import annotations

import ipaddress

import netaddr
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rmmkit.declared.scope import Scope, parse_range, range_size
from rmmkit.errors import InputError, ScopeError


@pytest.mark.parametrize(
    ("spec", "first", "last"),
    [
        ("10.0.0.5", "10.0.0.5", "10.0.0.5"),
        ("10.0.0.10-10.0.0.200", "10.0.0.10", "10.0.0.200"),
        (" 10.0.0.10 - 10.0.0.20 ", "10.0.0.10", "10.0.0.20"),
        ("10.0.0.0/30", "10.0.0.0", "10.0.0.3"),
        ("10.0.0.7/30", "10.0.0.4", "10.0.0.7"),
        ("fd00::1-fd00::ff", "fd00::1", "fd00::ff"),
    ],
)
def test_parse_range_forms(spec: str, first: str, last: str) -> None:
    parsed = parse_range(spec)
    assert str(parsed[0]) == first and str(parsed[-1]) == last


@pytest.mark.parametrize(
    ("spec", "reason"),
    [
        ("10.0.0.300", "not a valid IP address"),
        ("10.0.0.1-10.0.0.300", "not a valid IP address"),
        ("10.0.0.9-10.0.0.1", "starts after it ends"),
        ("10.0.0.0/33", "not a valid range"),
        ("10.1", "not a valid IP address"),
        ("10.0.0.1-fd00::1", "mixes IPv4 and IPv6"),
        ("", "is not a range"),
    ],
)
def test_parse_range_refuses(spec: str, reason: str) -> None:
    with pytest.raises(InputError, match=reason):
        parse_range(spec)


def test_excludes_are_subtracted_and_iteration_is_ordered() -> None:
    scope = Scope(["127.0.0.1-127.0.0.8", "127.0.0.20/31"], ["127.0.0.3", "127.0.0.5-127.0.0.6"])
    expected = [
        "127.0.0.1",
        "127.0.0.2",
        "127.0.0.4",
        "127.0.0.7",
        "127.0.0.8",
        "127.0.0.20",
        "127.0.0.21",
    ]
    assert list(scope) == expected
    assert scope.size == len(scope) == 7
    assert not scope.allows("127.0.0.3") and scope.allows("127.0.0.4")
    assert "127.0.0.21" in scope and "127.0.0.22" not in scope


def test_check_raises_scope_error_and_bad_input_is_refused() -> None:
    scope = Scope(["127.0.0.1-127.0.0.8"])
    scope.check("127.0.0.8")
    with pytest.raises(ScopeError, match="outside the declared ranges"):
        scope.check("127.0.0.9")
    assert not scope.allows("not an address")
    assert not scope.allows("127.0.0.1.5")
    assert scope.allows(ipaddress.ip_address("127.0.0.2"))
    assert scope.allows(netaddr.IPAddress("127.0.0.2"))
    assert scope.allows(int(ipaddress.ip_address("127.0.0.2")))


def test_ipv6_and_ipv4_do_not_mix() -> None:
    scope = Scope(["::1", "127.0.0.1"])
    assert scope.allows("::1") and scope.allows("127.0.0.1")
    assert not scope.allows("::2")
    assert not scope.allows("::ffff:127.0.0.1")  # a mapped address is not the IPv4 one


def test_cap_is_enforced() -> None:
    with pytest.raises(ScopeError, match="more than the cap of 100"):
        Scope(["10.0.0.0/24"], cap=100)
    assert Scope(["10.0.0.0/25"], cap=128).size == 128
    assert range_size("10.0.0.0/16") == 65536


def test_union_merges_adjacent_intervals() -> None:
    merged = Scope(["127.0.0.1-127.0.0.4"]) | Scope(["127.0.0.5-127.0.0.9", "127.0.0.20"])
    assert merged.intervals() == [(4, 0x7F000001, 0x7F000009), (4, 0x7F000014, 0x7F000014)]
    assert merged.size == 10


_octet = st.integers(0, 255)
_address = st.builds(lambda a, b: f"10.0.{a}.{b}", _octet, _octet)


@settings(max_examples=60, deadline=None)
@given(
    ranges=st.lists(st.tuples(_address, _address), min_size=1, max_size=4),
    excludes=st.lists(_address, max_size=4),
    probes=st.lists(_address, min_size=1, max_size=20),
)
def test_membership_matches_netaddr(ranges, excludes, probes) -> None:
    specs = ["-".join(sorted(pair, key=lambda a: int(ipaddress.ip_address(a)))) for pair in ranges]
    oracle = netaddr.IPSet()
    for first, last in (s.split("-") for s in specs):
        oracle.add(netaddr.IPRange(first, last))
    for address in excludes:
        oracle.remove(address)
    scope = Scope(specs, excludes)
    assert scope.size == oracle.size
    for probe in probes:
        assert scope.allows(probe) == (probe in oracle)


def test_covers_whole_ranges_only() -> None:
    scope = Scope(["10.0.0.1-10.0.0.50", "10.0.0.51-10.0.0.60", "10.0.1.0/30"])
    assert scope.covers("10.0.0.40-10.0.0.60")  # adjacent declarations merge
    assert scope.covers("10.0.1.0/30") and scope.covers("10.0.0.1")
    assert not scope.covers("10.0.0.55-10.0.0.61")
    assert not scope.covers("10.0.0.60-10.0.1.0")  # the gap between .61 and 10.0.1.0
    assert not scope.covers("fd00::1")
