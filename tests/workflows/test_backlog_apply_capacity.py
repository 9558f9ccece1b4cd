"""Applying the backlog plan through the workflows places no more orders at a location than its daily
capacity allows (issue 14: a plan released 1,242 orders from a location that takes 100 a day)."""

from __future__ import annotations

import pytest

from overture.domain.inventory import Location
from overture.services import inventory
from tests.factories import add_skus, order_payload, stock
from tests.workflows.hub import Hub


@pytest.mark.parametrize("solver", ["cp-sat", "greedy"])
def test_applying_the_plan_places_no_more_orders_at_a_location_than_its_capacity(hub: Hub, solver: str) -> None:
    location = Location("WH-1", "Newark", 40.7357, -74.1736, postal_code="07102", daily_capacity=2)
    inventory.add_location(hub.container.uow, location, clock=hub.container.clock)
    add_skus(hub.container, "A")
    held = [hub.post_order(order_payload(("A", 1)))["id"] for _ in range(4)]
    hub.wait_for(lambda: len(hub.container.views.open_exceptions_by_order("insufficient_stock")) == 4, what="4 held")
    stock(hub.container, "A", "WH-1", 50)

    body = {"time_limit_s": 3, "apply": True, "actor": "planner", "solver": solver}
    response = hub.http.post("/v1/backlog/plan", json=body)

    assert response.status_code == 200, response.text
    assert len(response.json()["plans"][solver]["allocations"]) == 2
    applied = response.json()["applied"]
    assert [a["status"] for a in applied] == ["accepted", "accepted"]
    placed = {a["order_id"] for a in applied}
    for order_id in placed:
        hub.wait_status(order_id, "completed")
    assert {hub.order(o)["status"] for o in set(held) - placed} == {"on_hold"}
