"""Properties of every sourcing strategy over random networks and orders (hypothesis).

- no location is ever given more of a SKU than it has available;
- every chosen plan meets every hard constraint: capability, capacity, promise date, and the
  allocations fill each line exactly;
- routing is reproducible: the same request gives the same plan and the same costs.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, datetime, time, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from overture.domain.inventory import Location, LocationKind
from overture.domain.routing import GeoPoint, RoutingPlan
from overture.domain.sourcing import (
    STRATEGIES,
    NoFeasiblePlan,
    SourcingLine,
    SourcingRequest,
    SourcingSite,
    StrategyName,
)
from overture.domain.sourcing.sites import arrival_date, distance_km

SKUS = ("A", "B", "C", "D")
NOW = datetime(2026, 11, 23, 15, 0, tzinfo=UTC)

sites_st = st.lists(
    st.builds(
        lambda n, lat, lon, kind, hazmat, stock, capacity, cutoff: SourcingSite(
            Location(f"L{n}", f"L{n}", lat, lon, kind=kind, capabilities=frozenset({"hazmat"} if hazmat else ())),
            stock,
            capacity_left=capacity,
            cutoff_utc=cutoff,
        ),
        st.integers(0, 99),
        st.floats(25, 49),
        st.floats(-124, -67),
        st.sampled_from(list(LocationKind)),
        st.booleans(),
        st.dictionaries(st.sampled_from(SKUS), st.integers(0, 6)),
        st.one_of(st.none(), st.integers(0, 3)),
        st.one_of(st.none(), st.sampled_from([time(9), time(17)])),
    ),
    min_size=1,
    max_size=12,
    unique_by=lambda s: s.location.id,
)
lines_st = st.lists(
    st.tuples(st.sampled_from(SKUS), st.integers(1, 5), st.floats(0, 20), st.booleans()), min_size=1, max_size=4
).map(lambda rows: [SourcingLine(n, sku, q, w, hazmat=h) for n, (sku, q, w, h) in enumerate(rows, start=1)])
request_st = st.builds(
    SourcingRequest,
    lines=lines_st,
    ship_to=st.one_of(st.none(), st.builds(GeoPoint, st.floats(25, 49), st.floats(-124, -67))),
    sites=sites_st,
    now=st.just(NOW),
    promise_by=st.one_of(st.none(), st.integers(0, 6).map(lambda d: NOW + timedelta(days=d))),
)


def _route(request: SourcingRequest, name: StrategyName) -> RoutingPlan | None:
    try:
        return STRATEGIES[name](request)
    except NoFeasiblePlan:
        return None


@settings(max_examples=150, deadline=None)
@given(request_st, st.sampled_from(list(StrategyName)))
def test_no_location_is_given_more_than_it_has(request: SourcingRequest, name: StrategyName) -> None:
    plan = _route(request, name)
    if plan is None:
        return
    taken: dict[tuple[str, str], int] = defaultdict(int)
    for a in plan.allocations:
        taken[(a.location_id, a.sku)] += a.quantity
    by_id = {s.location.id: s for s in request.sites}
    for (location_id, sku), quantity in taken.items():
        assert quantity <= by_id[location_id].available.get(sku, 0)


@settings(max_examples=150, deadline=None)
@given(request_st, st.sampled_from(list(StrategyName)))
def test_every_chosen_plan_meets_every_hard_constraint(request: SourcingRequest, name: StrategyName) -> None:
    plan = _route(request, name)
    if plan is None:
        return
    by_id = {s.location.id: s for s in request.sites}
    lines = {line.line_no: line for line in request.lines}
    filled: dict[int, int] = defaultdict(int)
    for a in plan.allocations:
        site, line = by_id[a.location_id], lines[a.line_no]
        filled[a.line_no] += a.quantity
        assert line.needs <= site.location.capabilities
        assert site.capacity_left is None or site.capacity_left > 0
        if request.promise_by is not None:
            location = site.location
            zone = request.config.zone(distance_km(request.ship_to, location.latitude, location.longitude))
            assert arrival_date(request, site, zone) <= request.promise_by.date()
    assert filled == {n: line.quantity for n, line in lines.items()}


@settings(max_examples=100, deadline=None)
@given(request_st, st.sampled_from(list(StrategyName)))
def test_the_same_request_gives_the_same_plan_and_costs(request: SourcingRequest, name: StrategyName) -> None:
    first, again = _route(request, name), _route(request, name)
    reordered = _route(
        SourcingRequest(request.lines, request.ship_to, list(reversed(request.sites)), request.now, request.promise_by),
        name,
    )
    if first is None:
        assert again is None and reordered is None
        return
    assert again is not None and reordered is not None
    assert first.allocations == again.allocations == reordered.allocations
    assert first.decision == again.decision
    assert sorted(map(repr, first.decision.alternatives)) == sorted(map(repr, reordered.decision.alternatives))
