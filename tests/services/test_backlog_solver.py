"""CP-SAT respects each location's daily capacity (issue 14), in the fill solve and the cost solve:
a plan once released 1,242 orders from a location that takes 100 a day."""

from __future__ import annotations

from overture.domain.backlog import Backlog, BacklogLine, BacklogOrder, StockLocation, greedy, violations
from overture.domain.routing import GeoPoint
from overture.services.backlog_solver import SolverSettings, optimise

NEAR = GeoPoint(40.7, -74.0)
FAR = GeoPoint(34.0, -118.2)
ONE_WORKER = SolverSettings(time_limit_s=10.0, num_workers=1, random_seed=0, candidates_per_line=3)


def _orders(count: int, *lines: tuple[str, int]) -> tuple[BacklogOrder, ...]:
    shaped = tuple(BacklogLine(n, sku, q) for n, (sku, q) in enumerate(lines or (("A", 1),), start=1))
    return tuple(BacklogOrder(f"o{n:03d}", shaped, NEAR, age_hours=n) for n in range(count))


def _solve(backlog: Backlog) -> dict[str, set[str]]:
    plan = optimise(backlog, greedy(backlog), ONE_WORKER)
    assert violations(backlog, plan.allocations) == []
    return {o: {a.location_id for a in chosen} for o, chosen in plan.allocations.items()}


def test_cp_sat_takes_no_more_orders_from_a_location_than_its_capacity_left() -> None:
    capped = StockLocation("WH-1", NEAR, {"A": 5_000}, capacity_left=100)
    where = _solve(Backlog(_orders(300), (capped,)))
    assert len(where) == 100


def test_cp_sat_ships_the_rest_from_farther_locations_once_the_near_one_is_full() -> None:
    capped = StockLocation("WH-1", NEAR, {"A": 50}, capacity_left=3)
    far = StockLocation("WH-2", FAR, {"A": 50})
    where = _solve(Backlog(_orders(8), (capped, far)))
    assert len(where) == 8
    assert sum(locs == {"WH-1"} for locs in where.values()) == 3  # the cheap location, filled to its capacity


def test_cp_sat_counts_an_order_of_several_lines_once_per_location() -> None:
    capped = StockLocation("WH-1", NEAR, {"A": 50, "B": 50}, capacity_left=2)
    where = _solve(Backlog(_orders(4, ("A", 1), ("B", 1)), (capped,)))
    assert len(where) == 2 and all(locs == {"WH-1"} for locs in where.values())


def test_cp_sat_leaves_a_location_out_of_capacity_unused() -> None:
    full = StockLocation("WH-1", NEAR, {"A": 50}, capacity_left=0)
    far = StockLocation("WH-2", FAR, {"A": 1})
    assert _solve(Backlog(_orders(3), (full, far))) == {"o002": {"WH-2"}}
