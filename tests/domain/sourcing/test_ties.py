"""The cost strategy breaks a tie in cost by the shorter distance, then by location id (issue 5)."""

from __future__ import annotations

from datetime import UTC, datetime

from overture.domain.inventory import Location
from overture.domain.routing import GeoPoint
from overture.domain.sourcing import SourcingLine, SourcingRequest, SourcingSite, route

NOW = datetime(2026, 11, 23, 15, tzinfo=UTC)
NYC = GeoPoint(40.7128, -74.0060)
LINES = [SourcingLine(1, "A", 2, 1.5)]


def _site(code: str, latitude: float, longitude: float, **stock: int) -> SourcingSite:
    return SourcingSite(Location(code, code, latitude, longitude), stock)


def _chosen(plan_alternatives: list[dict[str, object]]) -> list[object]:
    return [a["locations"] for a in plan_alternatives if a["outcome"] == "chosen"]


def test_at_equal_cost_the_nearer_location_ships_even_if_its_id_sorts_later() -> None:
    # Both warehouses are in the first rate zone (<= 250 km) with the same priority: the same cost.
    far = _site("A-PHILADELPHIA", 39.9526, -75.1652, A=5)  # about 130 km from New York
    near = _site("B-NEWARK", 40.7357, -74.1724, A=5)  # about 15 km
    plan = route(SourcingRequest(LINES, NYC, [far, near], NOW), "web")
    assert plan.location_ids == ("B-NEWARK",)
    by_id = {a["location_id"]: a for a in plan.decision.alternatives}
    assert by_id["A-PHILADELPHIA"]["components"] == by_id["B-NEWARK"]["components"]  # a true tie in cost
    assert _chosen(plan.decision.alternatives) == [["B-NEWARK"]]
    assert "farther" in by_id["A-PHILADELPHIA"]["reason"]


def test_a_cheaper_location_still_wins_over_a_nearer_one() -> None:
    cheaper = SourcingSite(Location("A-FAR", "A-FAR", 39.9526, -75.1652, priority=1), {"A": 5})
    near = _site("B-NEAR", 40.7357, -74.1724, A=5)
    assert route(SourcingRequest(LINES, NYC, [near, cheaper], NOW), "web").location_ids == ("A-FAR",)


def test_with_no_ship_to_point_a_tie_goes_to_the_first_location_id() -> None:
    sites = [_site("B", 40.7357, -74.1724, A=5), _site("A", 39.9526, -75.1652, A=5)]
    assert route(SourcingRequest(LINES, None, sites, NOW), "web").location_ids == ("A",)
