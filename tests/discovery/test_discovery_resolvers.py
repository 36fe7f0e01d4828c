"""Pure logic of the resolver choice and of the scope's resolver allowance (port 53 only)."""

from __future__ import annotations

import asyncio
from types import SimpleNamespace

import pytest

from rmmkit.declared.scope import Scope
from rmmkit.discovery.classify import classify
from rmmkit.discovery.identity import Evidence
from rmmkit.discovery.rate import TokenBucket
from rmmkit.discovery.rdns import SYSTEM, ReverseDns, choose_resolvers
from rmmkit.errors import InputError, ScopeError

SITE = SimpleNamespace(name="hq", dns=("10.9.0.53",), location="inv.yml:4:5")


def _system() -> tuple[str, ...]:
    return ("10.1.0.53", "fd00::53")


def test_scope_admits_a_resolver_on_port_53_only():
    scope = Scope(["10.0.0.0/24"], ["10.0.0.7"], resolvers=["10.9.0.53", "10.0.0.7"])
    assert scope.allows_dns("10.9.0.53") and scope.allows_dns("10.9.0.53", 53)
    assert not scope.allows_dns("10.9.0.53", 22)
    assert not scope.allows("10.9.0.53")  # never a probe target
    assert scope.allows_dns("10.0.0.7") and not scope.allows("10.0.0.7")  # excluded: DNS only
    assert scope.allows_dns("10.0.0.5")  # an address of the scope may be asked too
    assert not scope.allows_dns("10.9.0.54") and not scope.allows_dns("not an ip")
    with pytest.raises(ScopeError, match="port 80"):
        scope.check_dns("10.9.0.53", 80)
    assert len(scope) == 255 and "10.9.0.53" not in list(scope)


def test_union_keeps_resolvers_and_repr_names_them():
    merged = Scope(["10.0.0.0/30"], resolvers=["10.9.0.53"]) | Scope(
        ["10.0.1.0/30"], resolvers=["10.9.0.53", "fd00::53"]
    )
    assert merged.resolvers == ("10.9.0.53", "fd00::53")
    assert merged.allows_dns("fd00::53") and "10.9.0.53" in repr(merged)


def test_resolver_choice_order():
    got = choose_resolvers(True, ["10.2.0.53"], site=SITE, system=_system)
    assert (got.servers, got.origin) == (("10.2.0.53",), "--dns")
    got = choose_resolvers(True, None, site=SITE, system=_system)
    assert (got.servers, got.origin) == (("10.9.0.53",), "site hq")
    got = choose_resolvers(True, None, site=None, system=_system)
    assert (got.servers, got.origin) == (("10.1.0.53", "fd00::53"), SYSTEM)
    assert "10.1.0.53, fd00::53" in got.describe()
    off = choose_resolvers(False, ["10.2.0.53"], site=SITE, system=_system)
    assert off.servers == () and "off" in off.describe()
    empty = choose_resolvers(True, [], site=SITE, system=_system)
    assert empty.servers == () and "empty dns" in empty.describe()
    none = choose_resolvers(True, None, system=lambda: ())
    assert none.servers == () and "no resolver" in none.describe()


def test_bad_resolver_is_one_clear_input_error():
    with pytest.raises(InputError, match=r"--dns: 'dc01' is not an IP address"):
        choose_resolvers(True, ["dc01"])
    bad_site = SimpleNamespace(name="hq", dns=("10.0.0.300",), location="inv.yml:4:5")
    with pytest.raises(InputError, match=r"inv.yml:4:5: site hq: dns"):
        choose_resolvers(True, None, site=bad_site)


def test_reverse_dns_refuses_a_resolver_the_scope_does_not_admit():
    """Nothing is sent: the refused resolver never reaches dnspython."""
    scope = Scope(["10.0.0.0/24"], resolvers=["10.9.0.53"])
    rdns = ReverseDns(
        ["10.9.0.53", "10.8.0.53"], bucket=TokenBucket(10), timeout=1, check_dns=scope.check_dns
    )
    assert (rdns.servers, rdns.refused) == (["10.9.0.53"], ["10.8.0.53"])
    assert rdns._resolver.nameservers[0].address == "10.9.0.53"
    assert rdns._resolver.nameservers[0].port == 53
    nobody = ReverseDns(["10.8.0.53"], bucket=TokenBucket(10), timeout=1, check_dns=scope.check_dns)
    assert not nobody.active


def test_each_lookup_draws_a_token_from_the_scan_budget():
    class Answer(list):
        nameserver = "10.9.0.53"

    rdns = ReverseDns(["10.9.0.53"], bucket=TokenBucket(1000), timeout=1)

    async def fake(ip, lifetime):
        return Answer([SimpleNamespace(target=SimpleNamespace(to_text=lambda **_: "pc1.x"))])

    rdns._resolver.resolve_address = fake
    got = asyncio.run(rdns.lookup("10.0.0.1"))
    assert got == ("pc1.x", "10.9.0.53") and rdns.bucket.taken == 1


def test_hostname_source_names_the_resolver():
    ev = Evidence("10.0.0.1", "icmp", rdns="pc1.example.test", rdns_server="10.9.0.53")
    got = classify(ev)
    assert (got.hostname, got.sources["hostname"]) == (
        "pc1.example.test",
        "reverse dns (10.9.0.53)",
    )
