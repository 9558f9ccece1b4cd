"""Sourcing strategies: each hard constraint filters, the rate table ranks, every candidate is explained."""

from __future__ import annotations

from datetime import UTC, datetime, time
from typing import Any

import pytest

from overture.domain.inventory import InsufficientStock, Location, LocationKind
from overture.domain.routing import GeoPoint, RoutingPlan
from overture.domain.sourcing import (
    STRATEGIES,
    NoFeasiblePlan,
    SourcingConfig,
    SourcingLine,
    SourcingRequest,
    SourcingSite,
    StrategyName,
    Zone,
    route,
)

NYC = GeoPoint(40.7128, -74.0060)
PLACES = {
    "EWR": (40.7357, -74.1736),
    "PHL": (39.9526, -75.1652),
    "ORD": (41.8721, -87.6578),
    "LAX": (34.029, -118.2379),
}
NOW = datetime(2026, 11, 23, 15, 0, tzinfo=UTC)


def site(code: str, *, kind: LocationKind = LocationKind.WAREHOUSE, priority: int = 100, **stock: int) -> SourcingSite:
    lat, lon = PLACES[code]
    return SourcingSite(Location(code, code, lat, lon, kind=kind, priority=priority), stock)


def request(sites: list[SourcingSite], *lines: SourcingLine, **options: Any) -> SourcingRequest:
    return SourcingRequest(list(lines) or [SourcingLine(1, "A", 2, 1.0)], NYC, sites, NOW, **options)


def candidate(plan: RoutingPlan, *ids: str) -> dict[str, Any]:
    (found,) = [a for a in plan.decision.alternatives if a["locations"] == list(ids)]
    return found


def test_cost_prefers_the_cheaper_shipment_even_when_it_is_farther() -> None:
    near_store = site("EWR", kind=LocationKind.STORE, A=5)
    far_warehouse = site("PHL", A=5)
    config = SourcingConfig(handling_by_kind={"store": 10.0, "warehouse": 1.0})
    plan = route(request([near_store, far_warehouse], config=config), "web")
    assert plan.location_ids == ("PHL",)
    chosen, other = candidate(plan, "PHL"), candidate(plan, "EWR")
    assert chosen["outcome"] == "chosen" and other["outcome"] == "rejected" and other["constraint"] is None
    assert "nearer" in other["reason"]
    assert chosen["components"]["handling"] == 1.0 and other["components"]["handling"] == 10.0
    assert chosen["components"]["total"] < other["components"]["total"]


def test_shipping_comes_from_the_rate_table_by_zone_and_weight() -> None:
    config = SourcingConfig(rate_table=(Zone(100, 4.0, 0.5, 1), Zone(None, 20.0, 2.0, 5)), priority_weight=0)
    plan = route(request([site("EWR", A=5)], SourcingLine(1, "A", 3, 2.0), config=config), "web")
    assert candidate(plan, "EWR")["components"]["shipping"] == 4.0 + 0.5 * 6.0


def test_the_split_penalty_makes_one_farther_shipment_beat_two_near_ones() -> None:
    lines = (SourcingLine(1, "A", 1, 1.0), SourcingLine(2, "B", 1, 1.0))
    sites = [site("EWR", A=1), site("PHL", B=1), site("ORD", A=1, B=1)]
    rates = (Zone(300, 2.0, 0.1, 1), Zone(None, 30.0, 1.0, 4))  # ORD, 1,150 km away, is in the dear zone
    cheap_split = route(request(sites, *lines, config=SourcingConfig(rate_table=rates, split_penalty=0.0)), "web")
    dear_split = route(request(sites, *lines, config=SourcingConfig(rate_table=rates, split_penalty=50.0)), "web")
    assert set(cheap_split.location_ids) == {"EWR", "PHL"}
    assert dear_split.location_ids == ("ORD",)
    assert candidate(cheap_split, "EWR", "PHL")["components"]["split_penalty"] == 0.0


def test_a_location_without_the_capability_cannot_take_a_hazmat_line() -> None:
    plain = site("EWR", A=5)
    capable = SourcingSite(Location("ORD", "ORD", *PLACES["ORD"], capabilities=frozenset({"hazmat"})), {"A": 5})
    plan = route(request([plain, capable], SourcingLine(1, "A", 1, 1.0, hazmat=True)), "web")
    assert plan.location_ids == ("ORD",)
    assert candidate(plan, "EWR")["constraint"] == "capability"


def test_a_location_out_of_capacity_today_is_ruled_out() -> None:
    full = SourcingSite(Location("EWR", "EWR", *PLACES["EWR"]), {"A": 5}, capacity_left=0)
    plan = route(request([full, site("ORD", A=5)]), "web")
    assert plan.location_ids == ("ORD",)
    assert candidate(plan, "EWR")["constraint"] == "capacity"


def test_past_the_cut_off_a_location_cannot_meet_a_next_day_promise() -> None:
    late = SourcingSite(Location("EWR", "EWR", *PLACES["EWR"]), {"A": 5}, cutoff_utc=time(14, 0))
    early = SourcingSite(Location("PHL", "PHL", *PLACES["PHL"]), {"A": 5}, cutoff_utc=time(16, 0))
    promise = datetime(2026, 11, 24, 23, 0, tzinfo=UTC)  # tomorrow: one transit day, leaving today
    plan = route(request([late, early], promise_by=promise), "web")
    assert plan.location_ids == ("PHL",)
    assert candidate(plan, "EWR")["constraint"] == "promise_date"


def test_when_the_constraints_leave_too_little_stock_the_order_is_unroutable_with_reasons() -> None:
    full = SourcingSite(Location("EWR", "EWR", *PLACES["EWR"]), {"A": 5}, capacity_left=0)
    with pytest.raises(NoFeasiblePlan) as caught:
        route(request([full]), "web")
    assert isinstance(caught.value, InsufficientStock)
    assert caught.value.decision.alternatives[0]["constraint"] == "capacity"


def test_fewest_splits_takes_one_location_even_if_a_split_is_cheaper() -> None:
    lines = (SourcingLine(1, "A", 1, 1.0), SourcingLine(2, "B", 1, 1.0))
    sites = [site("EWR", A=1), site("PHL", B=1), site("LAX", A=1, B=1)]
    config = SourcingConfig(split_penalty=0.0, default_strategy=StrategyName.FEWEST_SPLITS)
    assert route(request(sites, *lines, config=config), "web").location_ids == ("LAX",)


def test_priority_list_takes_the_best_priority_that_fills_the_order() -> None:
    sites = [site("EWR", priority=50, A=5), site("LAX", priority=1, A=5)]
    config = SourcingConfig(strategies={"edi": StrategyName.PRIORITY_LIST})
    assert route(request(sites, config=config), "edi").location_ids == ("LAX",)
    assert route(request(sites, config=config), "web").location_ids == ("EWR",)


def test_nearest_is_route_nearest_with_the_constraints_applied() -> None:
    full = SourcingSite(Location("EWR", "EWR", *PLACES["EWR"]), {"A": 5}, capacity_left=0)
    config = SourcingConfig(default_strategy=StrategyName.NEAREST)
    plan = route(request([full, site("PHL", A=5), site("ORD", A=5)], config=config), "web")
    assert plan.location_ids == ("PHL",)
    assert plan.decision.inputs["strategy"] == "nearest"
    assert candidate(plan, "EWR")["constraint"] == "capacity"
    assert candidate(plan, "ORD")["outcome"] == "rejected" and candidate(plan, "ORD")["constraint"] is None


def test_when_no_single_location_fills_the_order_the_split_candidates_are_listed() -> None:
    lines = (SourcingLine(1, "A", 1, 1.0), SourcingLine(2, "B", 1, 1.0))
    plan = route(request([site("EWR", A=1), site("PHL", B=1)], *lines), "web")
    assert candidate(plan, "EWR")["constraint"] == "stock"
    assert candidate(plan, "EWR", "PHL")["outcome"] == "chosen"
    assert plan.decision.outcome == "split"


def test_ties_are_broken_by_location_id() -> None:
    twins = [SourcingSite(Location(code, code, *PLACES["EWR"]), {"A": 5}) for code in ("B2", "A1")]
    for strategy in STRATEGIES.values():
        assert strategy(request(twins)).location_ids == ("A1",)


def test_the_configuration_round_trips_through_its_document() -> None:
    config = SourcingConfig(strategies={"web": StrategyName.NEAREST}, split_penalty=2.5)
    assert SourcingConfig.from_document(config.to_document()) == config
    assert SourcingConfig.from_document({}) == SourcingConfig()


def test_a_rate_table_must_end_with_an_open_zone() -> None:
    with pytest.raises(ValueError, match="last zone"):
        SourcingConfig(rate_table=(Zone(100, 1, 1, 1),))
