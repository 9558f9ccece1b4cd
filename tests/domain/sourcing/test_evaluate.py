"""The plan evaluator: cost components from the rate table, the split penalty, arrival against the promise."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest

from overture.domain.inventory import Location, LocationKind
from overture.domain.routing import Allocation, GeoPoint, great_circle_km
from overture.domain.sourcing import (
    STRATEGIES,
    SourcingConfig,
    SourcingLine,
    SourcingRequest,
    SourcingSite,
    StrategyName,
    UnknownSite,
    Zone,
    evaluate,
)

SHIP_TO = GeoPoint(40.0, -75.0)
NOW = datetime(2026, 11, 2, 10, 0, tzinfo=UTC)
# Near: up to 100 km, 5 + 1/kg, 1 day. Far: 10 + 2/kg, 3 days.
CONFIG = SourcingConfig(
    rate_table=(Zone(100, 5.0, 1.0, 1), Zone(None, 10.0, 2.0, 3)),
    handling_by_kind={"warehouse": 1.0, "store": 3.0},
    split_penalty=5.0,
    priority_weight=0.01,
)
NEAR = Location("NEAR", "near", 40.0, -75.0)  # at the ship-to point: 0 km
FAR = Location("FAR", "far", 45.0, -75.0, kind=LocationKind.STORE, priority=200)  # about 556 km north
LINES = [SourcingLine(1, "X", 2, 1.5), SourcingLine(2, "Y", 1, 4.0)]


def request(*, promise_by: datetime | None = None, far_cutoff: time | None = None) -> SourcingRequest:
    sites = [
        SourcingSite(NEAR, {"X": 5, "Y": 5}),
        SourcingSite(FAR, {"X": 5, "Y": 5}, cutoff_utc=far_cutoff),
    ]
    return SourcingRequest(LINES, SHIP_TO, sites, NOW, promise_by=promise_by, config=CONFIG)


WHOLE_NEAR = (Allocation(1, "X", "NEAR", 2), Allocation(2, "Y", "NEAR", 1))
SPLIT = (Allocation(1, "X", "NEAR", 2), Allocation(2, "Y", "FAR", 1))


def test_one_shipment_costs_zone_base_weight_handling_and_priority() -> None:
    figures = evaluate(request(), WHOLE_NEAR)
    # 7 kg near: 5 + 1 x 7; warehouse handling 1; priority 100 x 0.01; no split.
    assert (figures.shipping, figures.handling, figures.split_penalty) == (12.0, 1.0, 0.0)
    assert figures.priority == pytest.approx(1.0)
    assert figures.cost == pytest.approx(14.0)
    assert (figures.locations, figures.shipments, figures.distance_km) == (("NEAR",), 1, 0.0)
    assert figures.arrives == date(2026, 11, 3)
    assert figures.on_time is None  # nothing was promised


def test_a_split_adds_each_shipment_and_the_split_penalty() -> None:
    figures = evaluate(request(), SPLIT)
    # Near: 5 + 1 x 3 kg; far: 10 + 2 x 4 kg. Handling 1 + 3 (a store); priorities 1 + 2; one split.
    assert figures.shipping == pytest.approx(8.0 + 18.0)
    assert (figures.handling, figures.split_penalty) == (4.0, 5.0)
    assert figures.priority == pytest.approx(3.0)
    assert figures.cost == pytest.approx(26.0 + 4.0 + 5.0 + 3.0)
    assert (figures.locations, figures.shipments) == (("FAR", "NEAR"), 2)
    assert figures.distance_km == pytest.approx(great_circle_km(SHIP_TO, GeoPoint(45.0, -75.0)), rel=1e-9)
    assert figures.arrives == date(2026, 11, 5)  # the last parcel: 3 days from the far store


def test_on_time_and_late_against_the_promise() -> None:
    promise = NOW + timedelta(days=2)
    assert evaluate(request(promise_by=promise), WHOLE_NEAR).on_time is True
    assert evaluate(request(promise_by=promise), SPLIT).on_time is False
    # Past its cut-off, the far store ships tomorrow: four days.
    late = evaluate(request(promise_by=NOW + timedelta(days=3), far_cutoff=time(9, 0)), SPLIT)
    assert (late.arrives, late.on_time) == (date(2026, 11, 6), False)
    assert evaluate(request(promise_by=NOW + timedelta(days=3)), SPLIT).on_time is True


@pytest.mark.parametrize("strategy", list(StrategyName))
def test_the_chosen_plan_evaluates_to_the_cost_it_was_chosen_for(strategy: StrategyName) -> None:
    routed = STRATEGIES[strategy](request())
    figures = evaluate(request(), routed.allocations)
    chosen = next(c for c in routed.decision.alternatives if c["outcome"] == "chosen")
    if chosen.get("components") is not None:  # nearest explains by distance, not cost
        assert figures.cost == pytest.approx(chosen["components"]["total"], abs=1e-4)
    assert figures.locations == tuple(sorted(routed.location_ids))


def test_a_plan_from_an_unknown_or_inactive_location_is_refused() -> None:
    with pytest.raises(UnknownSite, match="ELSEWHERE"):
        evaluate(request(), (Allocation(1, "X", "ELSEWHERE", 2),))
    closed = SourcingRequest(LINES, SHIP_TO, [SourcingSite(Location("NEAR", "n", 40, -75, active=False), {})], NOW)
    with pytest.raises(UnknownSite, match="NEAR"):
        evaluate(closed, WHOLE_NEAR)
    with pytest.raises(ValueError, match="no line 9"):
        evaluate(request(), (Allocation(9, "X", "NEAR", 2),))
    with pytest.raises(ValueError, match="at least one"):
        evaluate(request(), ())
