"""The backlog plan and applying it respect each location's daily capacity (issue 14), on SQLite and
PostgreSQL: what a location took today is read as routing counts it, both solvers plan within what is
left, and applying a plan at a location out of capacity is refused and changes nothing."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from overture.bootstrap import Container
from overture.domain.backlog import violations
from overture.domain.inventory import Location
from overture.domain.routing import Allocation
from overture.services import inventory
from overture.services.amendments import Amendment, amend_order
from overture.services.backlog import reallocate_backlog
from overture.services.placement import PlanCannotBeKept
from tests.factories import add_skus, order_payload, stock


def _capped_hub(client: TestClient, container: Container, *, capacity: int, held: int) -> list[str]:
    """WH-1 (Newark, ``capacity`` orders a day) took one order today; ``held`` orders wait for A."""
    location = Location("WH-1", "Newark", 40.7357, -74.1736, postal_code="07102", daily_capacity=capacity)
    inventory.add_location(container.uow, location, clock=container.clock)
    add_skus(container, "A", "B")
    stock(container, "B", "WH-1", 1)
    assert client.post("/v1/orders", json=order_payload(("B", 1))).json()["status"] == "routed"
    waiting = [client.post("/v1/orders", json=order_payload(("A", 1))).json() for _ in range(held)]
    assert {o["status"] for o in waiting} == {"on_hold"}
    stock(container, "A", "WH-1", 100)
    return [o["id"] for o in waiting]


def test_the_backlog_plans_no_more_orders_at_a_location_than_it_can_take_today(
    client: TestClient, container: Container
) -> None:
    held = _capped_hub(client, container, capacity=4, held=6)
    result = reallocate_backlog(
        container.uow, held, geocoder=container.geocoder, clock=container.clock, time_limit_s=3.0, num_workers=1
    )
    [location] = result.backlog.locations
    assert location.capacity_left == 3  # 4 a day, one taken today
    assert (result.greedy.orders_filled, result.optimised.orders_filled) == (3, 3)
    assert violations(result.backlog, result.optimised.allocations) == []


def test_applying_a_plan_at_a_location_out_of_capacity_is_refused_and_changes_nothing(
    client: TestClient, container: Container
) -> None:
    [order_id] = _capped_hub(client, container, capacity=1, held=1)
    exception_id = container.views.open_exceptions_by_order("insufficient_stock")[order_id]
    amendment = Amendment(
        "planner", "", "insufficient_stock", key=exception_id, planned=(Allocation(1, "A", "WH-1", 1),), plan="plan"
    )
    why = r"location WH-1 has no shipping capacity left today \(daily capacity 1, 1 taken\)"
    with pytest.raises(PlanCannotBeKept, match=why):
        amend_order(container.uow, order_id, amendment, geocoder=container.geocoder, clock=container.clock)
    after = client.get(f"/v1/orders/{order_id}").json()
    assert after["status"] == "on_hold"
    assert [r for r in after["reservations"] if r["status"] == "active"] == []


def test_applying_a_plan_within_capacity_still_places_the_order(client: TestClient, container: Container) -> None:
    [order_id] = _capped_hub(client, container, capacity=2, held=1)
    exception_id = container.views.open_exceptions_by_order("insufficient_stock")[order_id]
    amendment = Amendment(
        "planner", "", "insufficient_stock", key=exception_id, planned=(Allocation(1, "A", "WH-1", 1),), plan="plan"
    )
    amend_order(container.uow, order_id, amendment, geocoder=container.geocoder, clock=container.clock)
    assert client.get(f"/v1/orders/{order_id}").json()["status"] == "routed"
