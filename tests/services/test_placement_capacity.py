"""A hold caused by a location's daily capacity names capacity, the location and the limit (issue 14), in
the exception's reason and details and in the routing decision; on SQLite and PostgreSQL."""

from __future__ import annotations

from fastapi.testclient import TestClient

from overture.bootstrap import Container
from overture.domain.inventory import Location
from overture.services import inventory
from tests.factories import add_skus, order_payload, stock

FULL = "location WH-1 has no shipping capacity left today (daily capacity 1, 1 taken)"


def test_a_hold_for_capacity_names_the_location_and_its_limit(client: TestClient, container: Container) -> None:
    location = Location("WH-1", "Newark", 40.7357, -74.1736, postal_code="07102", daily_capacity=1)
    inventory.add_location(container.uow, location, clock=container.clock)
    add_skus(container, "A")
    stock(container, "A", "WH-1", 10)
    assert client.post("/v1/orders", json=order_payload(("A", 1))).json()["status"] == "routed"

    held = client.post("/v1/orders", json=order_payload(("A", 1))).json()
    assert (held["status"], held["exceptions"]) == ("on_hold", ["insufficient_stock"])
    exception = next(e for e in client.get("/v1/exceptions").json()["items"] if e["order_id"] == held["id"])
    assert exception["reason"].startswith(f"no location can ship it now: {FULL}; ")
    assert "not enough stock" not in exception["reason"]
    assert exception["details"]["held_back"] == [FULL]
    routing = client.get(f"/v1/orders/{held['id']}/routing").json()["decisions"][-1]
    assert FULL in routing["reason"]
