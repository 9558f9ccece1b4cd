"""The shortcuts that make routing fast must not change what it decides.

- ``round1``/``round4`` give exactly ``round(x, 1)``/``round(x, 4)`` (same float, same sign of zero);
- the per-location facts kept between orders (keyed on the Location object, which production shares
  between orders while SourcingSite objects are new each time) follow a location replaced by a new
  object, and stock and capacity are read afresh for every order.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime

from hypothesis import example, given, settings
from hypothesis import strategies as st

from overture.domain.inventory import Location
from overture.domain.routing import GeoPoint
from overture.domain.sourcing import SourcingLine, SourcingRequest, SourcingSite, route
from overture.domain.sourcing import sites as sites_module
from overture.domain.sourcing.rounding import round1, round4

NOW = datetime(2026, 11, 23, 15, tzinfo=UTC)
NYC = GeoPoint(40.7128, -74.0060)


def _same(a: float, b: float) -> bool:
    return (math.isnan(a) and math.isnan(b)) or (a == b and math.copysign(1, a) == math.copysign(1, b))


@settings(max_examples=3000, deadline=None)
@given(st.floats(allow_nan=True, allow_infinity=True))
@example(0.15)  # 0.1499999...: x * 10 rounds to the tie 1.5, the exact value does not
@example(0.25)
@example(2.675)
@example(-0.04)  # rounds to -0.0
@example(1e300)
@example(5e-324)
def test_round1_and_round4_are_round(x: float) -> None:
    assert _same(round1(x), round(x, 1)), x
    assert _same(round4(x), round(x, 4)), x


@settings(max_examples=2000, deadline=None)
@given(st.integers(-(10**9), 10**9), st.sampled_from([0.0, 1e-12, -1e-12, 5e-17, -5e-17]))
def test_rounding_near_ties(n: int, nudge: float) -> None:
    for x in (n / 20 + nudge, n / 20_000 + nudge, (n + 0.5) / 10, (n + 0.5) / 10_000):
        assert _same(round1(x), round(x, 1)), x
        assert _same(round4(x), round(x, 4)), x


def _site(code: str, latitude: float, *, capacity: int | None = None, **stock: int) -> SourcingSite:
    return SourcingSite(Location(code, code, latitude, -74.0), stock, capacity_left=capacity)


def test_a_network_changed_in_place_is_seen_by_the_next_order() -> None:
    sites = [_site("NEAR", 40.8, A=5), _site("FAR", 44.0, A=5)]
    lines = [SourcingLine(1, "A", 1, 1.0)]
    assert route(SourcingRequest(lines, NYC, sites, NOW), "web").location_ids == ("NEAR",)
    sites[0] = _site("NEAR", 40.8, capacity=0, A=5)  # same list, a new site in it
    plan = route(SourcingRequest(lines, NYC, sites, NOW), "web")
    assert plan.location_ids == ("FAR",)
    assert [a["constraint"] for a in plan.decision.alternatives if a["locations"] == ["NEAR"]] == ["capacity"]
    sites.append(_site("AAA", 40.75, A=5))  # a site added in place
    assert route(SourcingRequest(lines, NYC, sites, NOW), "web").location_ids == ("AAA",)


def test_stock_is_read_for_every_order_even_on_the_same_network() -> None:
    stock = {"A": 5}
    sites = [SourcingSite(Location("NEAR", "NEAR", 40.8, -74.0), stock), _site("FAR", 44.0, A=5)]
    lines = [SourcingLine(1, "A", 2, 1.0)]
    assert route(SourcingRequest(lines, NYC, sites, NOW), "web").location_ids == ("NEAR",)
    stock["A"] = 1  # the same mapping, drawn down by an earlier order
    assert route(SourcingRequest(lines, NYC, sites, NOW), "web").location_ids == ("FAR",)


def test_fresh_sites_around_shared_locations_see_each_orders_stock_and_capacity() -> None:
    """As production builds requests: the same Location objects, new SourcingSite objects every order."""
    near, far = Location("NEAR", "NEAR", 40.8, -74.0), Location("FAR", "FAR", 44.0, -74.0)
    lines = [SourcingLine(1, "A", 2, 1.0)]

    def routed(near_stock: int, near_capacity: int | None) -> tuple[str, ...]:
        sites = [SourcingSite(far, {"A": 5}), SourcingSite(near, {"A": near_stock}, capacity_left=near_capacity)]
        return route(SourcingRequest(lines, NYC, sites, NOW), "web").location_ids

    assert routed(5, None) == ("NEAR",)
    assert routed(1, None) == ("FAR",)
    assert routed(5, 0) == ("FAR",)
    assert routed(5, 3) == ("NEAR",)


def test_a_location_reloaded_as_a_new_object_is_seen_with_its_new_facts() -> None:
    lines = [SourcingLine(1, "A", 1, 1.0)]
    near = Location("X", "X", 40.8, -74.0)
    other = SourcingSite(Location("Y", "Y", 42.0, -74.0), {"A": 5})
    assert route(SourcingRequest(lines, NYC, [SourcingSite(near, {"A": 5}), other], NOW), "web").location_ids == ("X",)
    moved = Location("X", "X", 47.0, -74.0)  # the location cache reloaded it: same id, moved far away
    plan = route(SourcingRequest(lines, NYC, [SourcingSite(moved, {"A": 5}), other], NOW), "web")
    assert plan.location_ids == ("Y",)
    inactive = Location("Y", "Y", 42.0, -74.0, active=False)
    plan = route(
        SourcingRequest(lines, NYC, [SourcingSite(moved, {"A": 5}), SourcingSite(inactive, {"A": 5})], NOW), "web"
    )
    assert plan.location_ids == ("X",)


def test_the_per_location_cache_is_bounded() -> None:
    lines = [SourcingLine(1, "A", 1, 1.0)]
    for n in range(sites_module._FACTS_MAX + 10):  # e.g. many reloads of the location cache
        location = Location(f"L{n}", f"L{n}", 40.8, -74.0)
        route(SourcingRequest(lines, NYC, [SourcingSite(location, {"A": 1})], NOW), "web")
    assert len(sites_module._FACTS) <= sites_module._FACTS_MAX
