"""The greedy baseline and the plan checker respect each location's daily capacity (issue 14): a
location takes at most ``capacity_left`` more orders today, an order counting once per location."""

from __future__ import annotations

from overture.domain.backlog import Backlog, BacklogLine, BacklogOrder, StockLocation, greedy, violations
from overture.domain.routing import Allocation, GeoPoint

NEAR = GeoPoint(40.7, -74.0)
FAR = GeoPoint(34.0, -118.2)


def _orders(count: int, *lines: tuple[str, int]) -> tuple[BacklogOrder, ...]:
    shaped = tuple(BacklogLine(n, sku, q) for n, (sku, q) in enumerate(lines or (("A", 1),), start=1))
    return tuple(BacklogOrder(f"o{n:02d}", shaped, NEAR, age_hours=count - n) for n in range(count))


def _where(allocations: dict[str, tuple[Allocation, ...]] | object) -> dict[str, set[str]]:
    assert isinstance(allocations, dict)
    return {o: {a.location_id for a in chosen} for o, chosen in allocations.items()}


def test_greedy_takes_no_more_orders_from_a_location_than_its_capacity_left() -> None:
    capped = StockLocation("WH-1", NEAR, {"A": 1_000}, capacity_left=3)
    plan = greedy(Backlog(_orders(10), (capped,)))
    assert plan.orders_filled == 3
    assert sorted(plan.allocations) == ["o00", "o01", "o02"]  # the oldest, as the queue serves them


def test_greedy_sends_the_orders_past_a_full_location_to_the_next_one() -> None:
    capped = StockLocation("WH-1", NEAR, {"A": 1_000}, capacity_left=2)
    far = StockLocation("WH-2", FAR, {"A": 1_000})
    where = _where(greedy(Backlog(_orders(5), (capped, far))).allocations)
    assert sorted(o for o, locs in where.items() if locs == {"WH-1"}) == ["o00", "o01"]
    assert sorted(o for o, locs in where.items() if locs == {"WH-2"}) == ["o02", "o03", "o04"]


def test_greedy_uses_no_location_whose_capacity_is_used_up_or_overdrawn() -> None:
    for left in (0, -5):
        capped = StockLocation("WH-1", NEAR, {"A": 1_000}, capacity_left=left)
        assert greedy(Backlog(_orders(3), (capped,))).orders_filled == 0


def test_a_split_order_takes_capacity_at_each_of_its_locations() -> None:
    only_a = StockLocation("WH-1", NEAR, {"A": 10}, capacity_left=1)
    only_b = StockLocation("WH-2", NEAR, {"B": 10}, capacity_left=1)
    plan = greedy(Backlog(_orders(2, ("A", 1), ("B", 1)), (only_a, only_b)))
    assert _where(plan.allocations) == {"o00": {"WH-1", "WH-2"}}


def test_violations_name_a_location_given_more_orders_than_its_capacity() -> None:
    capped = StockLocation("WH-1", NEAR, {"A": 1_000}, capacity_left=1)
    backlog = Backlog(_orders(2), (capped,))
    plan = {o.id: (Allocation(1, "A", "WH-1", 1),) for o in backlog.orders}
    assert violations(backlog, plan) == ["WH-1: 2 orders planned, capacity for 1 more today"]
    assert violations(backlog, {"o00": plan["o00"]}) == []
