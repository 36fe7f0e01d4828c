"""Pure logic: address keys and ranges; owner liveness against real processes."""

from __future__ import annotations

import ipaddress
import os
import subprocess
import sys

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rmmkit.errors import InputError
from rmmkit.store import owner
from rmmkit.store.addresses import ip_key, parse_ranges

addresses = st.one_of(st.ip_addresses(v=4), st.ip_addresses(v=6)).map(str)


@given(addresses, addresses)
def test_ip_keys_sort_like_addresses(a: str, b: str) -> None:
    def as_v6_int(text: str) -> int:
        addr = ipaddress.ip_address(text)
        return int(addr) + (0xFFFF << 32) if addr.version == 4 else int(addr)

    assert (ip_key(a) < ip_key(b)) == (as_v6_int(a) < as_v6_int(b))
    assert len(ip_key(a)) == 32


@given(st.ip_addresses(v=4), st.integers(min_value=8, max_value=32))
def test_cidr_range_contains_exactly_its_addresses(
    addr: ipaddress.IPv4Address, prefix: int
) -> None:
    net = ipaddress.ip_network(f"{addr}/{prefix}", strict=False)
    ((lo, hi),) = parse_ranges(str(net))
    assert lo <= ip_key(str(addr)) <= hi
    if net.broadcast_address < ipaddress.IPv4Address("255.255.255.255"):
        assert ip_key(str(net.broadcast_address + 1)) > hi
    if net.network_address > ipaddress.IPv4Address("0.0.0.0"):
        assert ip_key(str(net.network_address - 1)) < lo


@pytest.mark.parametrize(
    "bad", ["10.0.0.300", "10.0.0.9-10.0.0.1", "10.0.0.1-fd00::1", "10.0.0.0/33", "ten"]
)
def test_bad_ranges_name_what_was_expected(bad: str) -> None:
    with pytest.raises(InputError, match=r"bad IP range .*\(expected a\.b\.c\.d"):
        parse_ranges(bad)


def test_this_process_is_alive_and_an_exited_one_is_dead() -> None:
    me = owner.Owner.current()
    assert owner.owner_is_dead(me.token, heartbeat=0.0, now=1e12) == (False, "")
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    token = me.token.replace(f"/{os.getpid()}/", f"/{child.pid}/")
    dead, why = owner.owner_is_dead(token, heartbeat=0.0, now=0.0)
    assert dead and f"process {child.pid} is gone" in why


def test_reused_pid_and_reboot_are_dead() -> None:
    mid, boot, pid, start = owner.Owner.current().token.split("/")
    assert owner.owner_is_dead(f"{mid}/{boot}/{pid}/{int(start) + 1}", 0.0, 0.0)[0]
    assert owner.owner_is_dead(f"{mid}/another-boot/{pid}/{start}", 0.0, 0.0)[0]


def test_other_machine_is_dead_only_after_the_lease() -> None:
    token = "another-machine/boot/123/456"
    assert not owner.owner_is_dead(token, heartbeat=1000.0, now=1000.0 + 30)[0]
    dead, why = owner.owner_is_dead(token, heartbeat=1000.0, now=1000.0 + 61)
    assert dead and "no heartbeat for 61 s" in why
