"""A location ruled out for today's capacity is named with its limit (issue 14): the candidate's reason,
and the unroutable decision's, say capacity rather than "not enough stock"."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from overture.domain.inventory import Location
from overture.domain.routing import GeoPoint
from overture.domain.sourcing import (
    NoFeasiblePlan,
    SourcingConfig,
    SourcingLine,
    SourcingRequest,
    SourcingSite,
    StrategyName,
    route,
    said,
)

NYC = GeoPoint(40.7128, -74.0060)
NOW = datetime(2026, 11, 23, 15, 0, tzinfo=UTC)
FULL = "location WH-1 has no shipping capacity left today (daily capacity 100, 100 taken)"


def _full_site(**stock: int) -> SourcingSite:
    return SourcingSite(Location("WH-1", "WH-1", 40.73, -74.17, daily_capacity=100), stock, capacity_left=0)


def _request(*sites: SourcingSite, strategy: StrategyName = StrategyName.COST) -> SourcingRequest:
    config = SourcingConfig(default_strategy=strategy)
    return SourcingRequest([SourcingLine(1, "A", 2, 1.0)], NYC, list(sites), NOW, config=config)


def test_a_location_out_of_capacity_is_explained_with_its_limit_and_what_it_took() -> None:
    other = SourcingSite(Location("WH-2", "WH-2", 41.87, -87.65), {"A": 5})
    plan = route(_request(_full_site(A=5), other), "web")
    rejected = next(a for a in plan.decision.alternatives if a["locations"] == ["WH-1"])
    assert (rejected["constraint"], rejected["reason"]) == ("capacity", FULL)


@pytest.mark.parametrize("strategy", list(StrategyName))
def test_an_order_held_by_capacity_says_capacity_not_stock(strategy: StrategyName) -> None:
    with pytest.raises(NoFeasiblePlan) as caught:
        route(_request(_full_site(A=5), strategy=strategy), "web")
    assert caught.value.held_back == (FULL,)
    assert FULL in caught.value.decision.reason


def test_what_a_capacity_rule_took_is_read_from_the_left_over_when_the_limit_was_lowered() -> None:
    lowered = SourcingSite(Location("WH-1", "WH-1", 40.73, -74.17, daily_capacity=80), {"A": 5}, capacity_left=-20)
    with pytest.raises(NoFeasiblePlan) as caught:
        route(_request(lowered), "web")
    assert caught.value.held_back == (
        "location WH-1 has no shipping capacity left today (daily capacity 80, 100 taken)",
    )


def test_a_location_out_of_capacity_without_the_stock_is_not_named() -> None:
    with pytest.raises(NoFeasiblePlan) as caught:
        route(_request(_full_site(B=5)), "web")
    assert caught.value.held_back == ()
    assert "capacity" not in caught.value.decision.reason


def test_many_held_back_locations_are_counted_past_the_first_five() -> None:
    held = [f"location L{n} has no shipping capacity left today (daily capacity 1, 1 taken)" for n in range(7)]
    assert said(held) == "; ".join(held[:5]) + "; and 2 more location(s) held back"
