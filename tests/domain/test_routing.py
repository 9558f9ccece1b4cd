"""Nearest-location routing: distances, single-location wins, fewest-location splits, explanations."""

from __future__ import annotations

import itertools
import math
import random
from collections import defaultdict
from collections.abc import Mapping, Sequence
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from overture.domain.inventory import InsufficientStock, Location, Shortage
from overture.domain.routing import (
    GeoPoint,
    LineDemand,
    LocationStock,
    RoutingPlan,
    great_circle_km,
    route_nearest,
)

NYC = GeoPoint(40.7128, -74.0060)
LA = GeoPoint(34.0522, -118.2437)
# Warehouses at real places, in increasing distance from NYC: EWR, ORD, ATL, DFW, LAX.
PLACES = {
    "EWR": (40.7357, -74.1736),
    "ORD": (41.8721, -87.6578),
    "ATL": (33.7525, -84.3915),
    "DFW": (32.7876, -96.7994),
    "LAX": (34.0290, -118.2379),
}


def at(code: str, *, priority: int = 100, active: bool = True, **available: int) -> LocationStock:
    lat, lon = PLACES[code]
    return LocationStock(Location(code, code, lat, lon, priority=priority, active=active), available)


def demand(*lines: tuple[str, int]) -> list[LineDemand]:
    return [LineDemand(n, sku, quantity) for n, (sku, quantity) in enumerate(lines, start=1)]


def alternative(plan: RoutingPlan, location_id: str) -> dict[str, Any]:
    (entry,) = [a for a in plan.decision.alternatives if a["location_id"] == location_id]
    return entry


def allocated(plan: RoutingPlan) -> list[tuple[int, str, str, int]]:
    return [(a.line_no, a.sku, a.location_id, a.quantity) for a in plan.allocations]


# --- great-circle distance ------------------------------------------------------------------


def test_new_york_to_los_angeles_is_about_3936_km() -> None:
    assert great_circle_km(NYC, LA) == pytest.approx(3936, rel=0.01)


def test_london_to_paris_is_about_344_km() -> None:
    assert great_circle_km(GeoPoint(51.5074, -0.1278), GeoPoint(48.8566, 2.3522)) == pytest.approx(344, rel=0.01)


def test_distance_is_zero_to_itself_and_symmetric() -> None:
    assert great_circle_km(NYC, NYC) == 0
    assert great_circle_km(NYC, LA) == pytest.approx(great_circle_km(LA, NYC))


def test_antipodes_are_half_the_circumference_apart() -> None:
    assert great_circle_km(GeoPoint(0, 0), GeoPoint(0, 180)) == pytest.approx(math.pi * 6371.0088, rel=1e-9)
    assert great_circle_km(GeoPoint(90, 0), GeoPoint(-90, 0)) == pytest.approx(math.pi * 6371.0088, rel=1e-9)


# --- single location ------------------------------------------------------------------------


def test_nearest_location_that_fills_everything_wins() -> None:
    plan = route_nearest(demand(("A", 2), ("B", 1)), NYC, [at("LAX", A=9, B=9), at("EWR", A=2, B=1)])
    assert allocated(plan) == [(1, "A", "EWR", 2), (2, "B", "EWR", 1)]
    assert plan.decision.outcome == "single_location"
    assert alternative(plan, "EWR")["outcome"] == "chosen"


def test_farther_location_that_could_fill_loses_with_a_farther_reason() -> None:
    plan = route_nearest(demand(("A", 2)), NYC, [at("LAX", A=9), at("EWR", A=2)])
    lax = alternative(plan, "LAX")
    assert lax["outcome"] == "rejected"
    assert lax["fills_all_lines"] is True
    assert "farther" in lax["reason"]
    assert lax["distance_km"] > alternative(plan, "EWR")["distance_km"]


def test_nearer_location_missing_stock_is_rejected_with_its_shortage() -> None:
    plan = route_nearest(demand(("A", 3), ("B", 1)), NYC, [at("EWR", A=1, B=1), at("ORD", A=3, B=1)])
    assert plan.location_ids == ("ORD",)
    ewr = alternative(plan, "EWR")
    assert ewr["outcome"] == "rejected"
    assert ewr["missing"] == {"A": 2}
    assert "A short 2" in ewr["reason"]


def test_a_sku_on_two_lines_is_judged_on_its_total() -> None:
    plan = route_nearest(demand(("A", 2), ("A", 2)), NYC, [at("EWR", A=3), at("ORD", A=4)])
    assert plan.location_ids == ("ORD",)
    assert alternative(plan, "EWR")["missing"] == {"A": 1}


# --- splits ---------------------------------------------------------------------------------


def test_split_uses_the_fewest_locations_even_when_the_nearest_two_do_not_cover() -> None:
    # Taking locations nearest-first would need EWR + ORD + LAX; EWR + LAX alone suffice.
    stock = [at("EWR", X=5), at("ORD", Y=5), at("LAX", Y=5, Z=5)]
    plan = route_nearest(demand(("X", 5), ("Y", 5), ("Z", 5)), NYC, stock)
    assert plan.decision.outcome == "split"
    assert plan.location_ids == ("EWR", "LAX")
    assert allocated(plan) == [(1, "X", "EWR", 5), (2, "Y", "LAX", 5), (3, "Z", "LAX", 5)]
    assert "not needed in the chosen split" in alternative(plan, "ORD")["reason"]


def test_among_equally_small_splits_the_nearest_in_total_is_chosen() -> None:
    stock = [at("EWR", A=1), at("LAX", B=1), at("ORD", B=1), at("DFW", A=1)]
    plan = route_nearest(demand(("A", 1), ("B", 1)), NYC, stock)
    assert set(plan.location_ids) == {"EWR", "ORD"}


def test_a_line_goes_whole_to_a_chosen_location_that_can_take_it() -> None:
    # EWR is nearer and holds 2 B, but LAX can take the B line whole, so the line is not split.
    plan = route_nearest(demand(("A", 4), ("B", 6)), NYC, [at("EWR", A=4, B=2), at("LAX", B=6)])
    assert allocated(plan) == [(1, "A", "EWR", 4), (2, "B", "LAX", 6)]


def test_a_line_is_split_only_when_no_chosen_location_can_take_it_whole() -> None:
    plan = route_nearest(demand(("A", 10)), NYC, [at("EWR", A=6), at("LAX", A=6)])
    assert allocated(plan) == [(1, "A", "EWR", 6), (1, "A", "LAX", 4)]


# --- shortages, unknown ship-to, candidate lists --------------------------------------------


def test_insufficient_stock_lists_every_short_sku_with_the_network_total() -> None:
    stock = [at("EWR", A=2, C=1), at("LAX", A=1), at("ORD", active=False, A=50, B=50)]
    with pytest.raises(InsufficientStock) as raised:
        route_nearest(demand(("A", 5), ("B", 5), ("C", 1)), NYC, stock)
    assert raised.value.shortages == [Shortage("A", 5, 3), Shortage("B", 5, 0)]


def test_unknown_ship_to_falls_back_to_priority() -> None:
    stock = [at("EWR", priority=50, A=1), at("LAX", priority=10, A=1), at("ORD", priority=30, A=1)]
    plan = route_nearest(demand(("A", 1)), None, stock)
    assert plan.location_ids == ("LAX",)
    assert "priority" in plan.decision.reason
    assert plan.decision.inputs["ship_to"] is None
    assert all(a["distance_km"] is None for a in plan.decision.alternatives)


def test_unknown_ship_to_breaks_priority_ties_by_location_id() -> None:
    plan = route_nearest(demand(("A", 1)), None, [at("ORD", A=1), at("ATL", A=1), at("LAX", A=1)])
    assert plan.location_ids == ("ATL",)


def test_every_active_location_is_listed_once_and_inactive_ones_never() -> None:
    stock = [at("EWR", active=False, A=9), at("ORD", A=1), at("ATL"), at("DFW", A=9), at("LAX", A=9)]
    plan = route_nearest(demand(("A", 5)), NYC, stock)
    assert plan.location_ids == ("DFW",)
    assert sorted(a["location_id"] for a in plan.decision.alternatives) == ["ATL", "DFW", "LAX", "ORD"]


def test_alternatives_are_listed_nearest_first_with_distances() -> None:
    stock = [at(code, A=1) for code in ("LAX", "DFW", "ATL", "ORD", "EWR")]
    plan = route_nearest(demand(("A", 1)), NYC, stock)
    assert [a["location_id"] for a in plan.decision.alternatives] == ["EWR", "ORD", "ATL", "DFW", "LAX"]


# --- properties -----------------------------------------------------------------------------

SKUS = ["S0", "S1", "S2", "S3", "S4"]


@st.composite
def networks(draw: st.DrawFn) -> list[LocationStock]:
    skus = SKUS[: draw(st.integers(1, 5))]
    stock = []
    for i in range(draw(st.integers(1, 8))):
        location = Location(
            id=f"L{i}",
            name=f"L{i}",
            latitude=draw(st.floats(-89, 89)),
            longitude=draw(st.floats(-179, 179)),
            priority=draw(st.integers(1, 3)),
            active=draw(st.integers(0, 4)) > 0,  # mostly active
        )
        available = {sku: draw(st.integers(0, 8)) for sku in skus if draw(st.booleans())}
        stock.append(LocationStock(location, available))
    return stock


lines_strategy = st.lists(st.tuples(st.sampled_from(SKUS), st.integers(1, 10)), min_size=1, max_size=5).map(
    lambda pairs: demand(*pairs)
)
ship_to_strategy = st.none() | st.builds(GeoPoint, st.floats(-89, 89), st.floats(-179, 179))


def _totals(lines: Sequence[LineDemand]) -> dict[str, int]:
    totals: dict[str, int] = defaultdict(int)
    for line in lines:
        totals[line.sku] += line.quantity
    return dict(totals)


def _covers(stock: Sequence[LocationStock], wanted: Mapping[str, int]) -> bool:
    return all(sum(s.available.get(sku, 0) for s in stock) >= q for sku, q in wanted.items())


def _fewest_needed(active: Sequence[LocationStock], wanted: Mapping[str, int]) -> int:
    """Brute force over every subset: the true minimum number of locations."""
    for size in range(1, len(active) + 1):
        if any(_covers(combo, wanted) for combo in itertools.combinations(active, size)):
            return size
    raise AssertionError("network does not cover the demand")


@settings(max_examples=400, deadline=None)
@given(stock=networks(), lines=lines_strategy, ship_to=ship_to_strategy)
def test_routing_properties_on_random_networks(
    stock: list[LocationStock], lines: list[LineDemand], ship_to: GeoPoint | None
) -> None:
    active = [s for s in stock if s.location.active]
    wanted = _totals(lines)
    short = {sku: sum(s.available.get(sku, 0) for s in active) for sku in wanted}
    short = {sku: total for sku, total in short.items() if total < wanted[sku]}

    if short:
        with pytest.raises(InsufficientStock) as raised:
            route_nearest(lines, ship_to, stock)
        assert {(s.sku, s.requested, s.available) for s in raised.value.shortages} == {
            (sku, wanted[sku], total) for sku, total in short.items()
        }
        return

    plan = route_nearest(lines, ship_to, stock)
    availability = {s.location.id: s.available for s in active}

    per_line: dict[int, int] = defaultdict(int)
    per_position: dict[tuple[str, str], int] = defaultdict(int)
    for a in plan.allocations:
        assert a.quantity > 0
        assert a.location_id in availability, "allocated at an inactive or unknown location"
        assert a.sku == lines[a.line_no - 1].sku
        per_line[a.line_no] += a.quantity
        per_position[(a.location_id, a.sku)] += a.quantity
    assert per_line == {line.line_no: line.quantity for line in lines}
    for (location_id, sku), quantity in per_position.items():
        assert quantity <= availability[location_id].get(sku, 0)

    assert len(plan.location_ids) == _fewest_needed(active, wanted)
    fillers = [s for s in active if _covers([s], wanted)]
    if fillers:
        assert len(plan.location_ids) == 1
        assert plan.decision.outcome == "single_location"

    listed = [a["location_id"] for a in plan.decision.alternatives]
    assert sorted(listed) == sorted(availability)


@settings(max_examples=200, deadline=None)
@given(stock=networks(), lines=lines_strategy, ship_to=ship_to_strategy, seed=st.integers(0, 2**32))
def test_routing_is_deterministic_and_ignores_the_order_locations_are_listed_in(
    stock: list[LocationStock], lines: list[LineDemand], ship_to: GeoPoint | None, seed: int
) -> None:
    try:
        first = route_nearest(lines, ship_to, stock)
    except InsufficientStock as error:
        with pytest.raises(InsufficientStock) as again:
            route_nearest(lines, ship_to, stock)
        assert again.value.shortages == error.shortages
        return
    assert route_nearest(lines, ship_to, stock) == first
    shuffled = list(stock)
    random.Random(seed).shuffle(shuffled)
    assert route_nearest(lines, ship_to, shuffled).allocations == first.allocations


@st.composite
def large_networks(draw: st.DrawFn) -> list[LocationStock]:
    """Over 100 useful locations: too many pairs to enumerate, so routing takes its greedy fallback."""
    stock = []
    for i in range(draw(st.integers(101, 130))):
        location = Location(f"L{i:03d}", f"L{i}", draw(st.floats(-89, 89)), draw(st.floats(-179, 179)))
        stock.append(LocationStock(location, {sku: draw(st.integers(1, 3)) for sku in SKUS[:3]}))
    return stock


@settings(max_examples=40, deadline=None)
@given(
    stock=large_networks(),
    lines=st.lists(st.tuples(st.sampled_from(SKUS[:3]), st.integers(1, 12)), min_size=1, max_size=4),
)
def test_greedy_fallback_on_large_networks_still_fills_every_line_within_availability(
    stock: list[LocationStock], lines: list[tuple[str, int]]
) -> None:
    order = demand(*lines)
    plan = route_nearest(order, NYC, stock)
    availability = {s.location.id: s.available for s in stock}
    per_line: dict[int, int] = defaultdict(int)
    per_position: dict[tuple[str, str], int] = defaultdict(int)
    for a in plan.allocations:
        per_line[a.line_no] += a.quantity
        per_position[(a.location_id, a.sku)] += a.quantity
    assert per_line == {line.line_no: line.quantity for line in order}
    assert all(q <= availability[loc][sku] for (loc, sku), q in per_position.items())
    if any(_covers([s], _totals(order)) for s in stock):
        assert len(plan.location_ids) == 1
