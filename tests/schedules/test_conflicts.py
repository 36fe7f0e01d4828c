"""Conflicts agree with a brute-force check over expanded addresses and minutes."""

from __future__ import annotations

import dataclasses
import datetime as dt
import ipaddress

import netaddr
from hypothesis import given, settings
from hypothesis import strategies as st

from rmmkit.declared.models import Inventory, Playbook, Site, Targets
from rmmkit.declared.schedule import Schedule, parse_schedule
from rmmkit.declared.schedule_block import read_schedule_block
from rmmkit.schedules.catalog import _addresses
from rmmkit.schedules.conflicts import (
    Planned,
    as_yaml,
    estimate_duration,
    find_conflicts,
    suggest_slots,
)
from rmmkit.schedules.rrules import runs_between

from .conftest import Project, daily, make_schedule

Z = dt.UTC
BASE = int(ipaddress.IPv4Address("10.0.0.0"))


def text_range(first: int, last: int, as_cidr: bool) -> str:
    """A range as start-end text, or (when it is one) as a CIDR block."""
    if as_cidr:
        nets = list(
            ipaddress.summarize_address_range(
                ipaddress.IPv4Address(BASE + first), ipaddress.IPv4Address(BASE + last)
            )
        )
        if len(nets) == 1:
            return str(nets[0])
    return f"{ipaddress.IPv4Address(BASE + first)}-{ipaddress.IPv4Address(BASE + last)}"


def expand(spec: str) -> set[int]:
    if "-" in spec:
        a, b = spec.split("-")
        return set(range(int(ipaddress.IPv4Address(a)), int(ipaddress.IPv4Address(b)) + 1))
    return {int(a) for a in ipaddress.IPv4Network(spec)}


spans = st.tuples(st.integers(0, 63), st.integers(0, 15), st.booleans()).map(
    lambda t: text_range(t[0], min(63, t[0] + t[1]), t[2])
)
site_specs = st.tuples(st.lists(spans, min_size=1, max_size=2), st.lists(spans, max_size=2))
hhmm = st.builds(
    lambda h, m: f"{h:02d}:{m:02d}", st.integers(0, 23), st.sampled_from([0, 10, 30, 45])
)
timing = st.tuples(
    hhmm,
    st.one_of(
        st.none(),
        st.sampled_from([{"every": "2h"}, {"every": "5h"}, {"every": "2d"}]),
        st.lists(hhmm, min_size=1, max_size=2, unique=True).map(lambda c: {"custom": c}),
    ),
    st.integers(1, 180),
)


def planned_from(
    name: str, site_spec: tuple[list[str], list[str]], time_spec: tuple
) -> tuple[Planned, set[int]]:
    ranges, excludes = site_spec
    site = Site(name, tuple(ranges), tuple(excludes))
    playbook = Playbook(path=name, name=name, targets=Targets(sites=(name,)))
    _sites, addresses = _addresses(playbook, Inventory(path="inv", sites={name: site}))
    brute = set().union(*(expand(r) for r in ranges)) - set().union(*(expand(x) for x in excludes))
    start, recurrence, minutes = time_spec
    data: dict = {"frequency": "daily", "start": {"date": "2026-05-01", "time": start}}
    if recurrence:
        data["recurrence"] = recurrence
    schedule = make_schedule(data, name)
    return Planned(schedule, name, addresses, dt.timedelta(minutes=minutes)), brute


def covered_minutes(p: Planned, window_start: dt.datetime, window_end: dt.datetime) -> set[int]:
    out: set[int] = set()
    minutes = int(p.duration.total_seconds() // 60)
    for run in runs_between(p.schedule, window_start - p.duration, window_end):
        first = int(run.timestamp() // 60)
        out.update(m for m in range(first, first + minutes) if m * 60 >= window_start.timestamp())
    return out


@settings(max_examples=80, deadline=None)
@given(site_specs, site_specs, timing, timing, st.integers(0, 47))
def test_conflict_detection_agrees_with_brute_force(sa, sb, ta, tb, hours_in) -> None:
    a, addr_a = planned_from("a", sa, ta)
    b, addr_b = planned_from("b", sb, tb)
    assert {int(ip) for ip in a.addresses} == addr_a  # CIDR/start-end/excludes expanded right
    now = dt.datetime(2026, 5, 1, tzinfo=Z) + dt.timedelta(hours=hours_in)
    horizon = dt.timedelta(days=3)
    window_start = max(now, a.start, b.start)
    window_end = window_start + horizon
    shared_time = covered_minutes(a, window_start, window_end) & covered_minutes(
        b, window_start, window_end
    )
    expected = bool(addr_a & addr_b) and bool(shared_time)
    found = find_conflicts([a, b], now, horizon)
    assert bool(found) == expected
    if found:
        assert {int(ip) for ip in found[0].shared} == addr_a & addr_b
        ra, rb = found[0].first
        first_a, first_b = (ra, rb) if found[0].earlier is a else (rb, ra)
        assert first_a < first_b + b.duration and first_b < first_a + a.duration


def test_cidr_and_start_end_ranges_across_sites_overlap() -> None:
    hq = Site("hq", ("192.0.2.0/25",))
    branch = Site("branch", ("192.0.2.100-192.0.2.140",), excludes=("192.0.2.100-192.0.2.127",))
    inv = Inventory(path="i", sites={"hq": hq, "branch": branch})
    _, a = _addresses(Playbook("a", "a", Targets(sites=("hq",))), inv)
    _, b = _addresses(Playbook("b", "b", Targets(sites=("branch",))), inv)
    assert not (a & b)  # the branch excludes exactly the part that hq covers
    _, c = _addresses(Playbook("c", "c", Targets(ranges=("192.0.2.120-192.0.2.130",))), inv)
    # A bare range loses every site's excludes: 120-127 are excluded by branch.
    assert c == netaddr.IPSet(netaddr.IPRange("192.0.2.128", "192.0.2.130"))
    assert not (a & c) and (b & c)


def test_same_range_at_the_same_time_conflicts_and_disjoint_time_does_not() -> None:
    addresses = netaddr.IPSet(["10.1.0.0/24"])
    a = Planned(daily("02:00", date="2026-01-01"), "a", addresses, dt.timedelta(hours=1))
    b = Planned(daily("02:30", date="2026-01-01"), "b", addresses, dt.timedelta(minutes=10))
    c = Planned(daily("03:00", date="2026-01-01"), "c", addresses, dt.timedelta(minutes=10))
    now = dt.datetime(2026, 1, 1, tzinfo=Z)
    conflicts = find_conflicts([a, b, c], now, dt.timedelta(days=7))
    assert [(x.earlier.playbook, x.later.playbook) for x in conflicts] == [("a", "b")]
    # The window is [02:30 Jan 1, +7 days]: the clashes of Jan 1 … Jan 8, both included.
    assert conflicts[0].overlaps == 8


def test_suggested_slots_are_free_and_paste_back(project: Project) -> None:
    addresses = netaddr.IPSet(["10.1.0.0/24"])
    busy = [
        Planned(daily(t, date="2026-01-01"), t, addresses, dt.timedelta(minutes=50))
        for t in ("01:00", "02:00", "03:00")
    ]
    later = Planned(daily("02:20", date="2026-01-02"), "later", addresses, dt.timedelta(minutes=20))
    now = dt.datetime(2026, 1, 1, tzinfo=Z)
    everything = [*busy, later]
    assert find_conflicts(everything, now)
    slots = suggest_slots(later, everything, now, count=3)
    assert len(slots) == 3
    for slot in slots:
        moved = Planned(slot, "later", addresses, later.duration)
        assert not find_conflicts([*busy, moved], now)
        path = project.playbook("pasted", as_yaml(slot), ranges=["10.1.0.0/24"])
        raw, marks, where = read_schedule_block(path)
        pasted = parse_schedule(raw, schedule_id=slot.id, marks=marks, location=where)
        assert dataclasses.replace(pasted, location=slot.location) == slot


def test_estimated_duration_prefers_declared_then_history_then_size(tmp_path, monkeypatch) -> None:
    from rmmkit.store import open_store

    addresses = netaddr.IPSet(["10.1.0.0/24"])  # 256 addresses
    declared = daily("02:00", estimated_duration="45m")
    plain: Schedule = daily("02:00")
    assert estimate_duration(declared, addresses)[1] == "declared"
    assert estimate_duration(plain, addresses, rate=1.0) == (dt.timedelta(seconds=256), "size")
    store = open_store(f"sqlite:///{tmp_path / 'db.sqlite'}", tmp_path)
    try:
        assert estimate_duration(plain, addresses, store, sites=["hq"], rate=1.0)[1] == "size"
        clock = [1000.0]
        monkeypatch.setattr(store, "now", lambda: clock[0])
        due = dt.datetime(2026, 1, 1, 2, tzinfo=Z)
        assert store.claim_schedule_run(plain.id, due)
        clock[0] += 600  # the run took ten minutes
        store.finish_schedule_run(plain.id, due, "ok")
        monkeypatch.undo()
        assert estimate_duration(plain, addresses, store, sites=["hq"]) == (
            dt.timedelta(minutes=10),
            "history",
        )
    finally:
        store.close()
