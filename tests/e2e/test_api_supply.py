"""The supply endpoints and the order's priority field through the API: bad input names the field."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from overture.bootstrap import Container
from tests.factories import add_locations, add_skus, order_payload

GOOD = {"reference": "PO-1", "sku": "A", "location_id": "EWR", "quantity": 5, "expected_at": "2030-01-10T12:00:00Z"}


def _fields(response: Any) -> list[str]:
    """Fields named by the error; schema errors carry the API's "body." prefix, the service's checks do not."""
    return [f["field"].removeprefix("body.") for f in response.json()["error"]["fields"]]


@pytest.fixture
def network(client: TestClient, container: Container) -> TestClient:
    add_locations(container, ["EWR", "ATL"])
    add_skus(container, "A")
    return client


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"quantity": 0}, "lines[0].quantity"),
        ({"quantity": "5"}, "lines[0].quantity"),
        ({"expected_at": "2030-01-10T12:00:00"}, "lines[0].expected_at"),  # no time zone
        ({"kind": "gift"}, "lines[0].kind"),
        ({"kind": "transfer"}, "lines[0].from_location_id"),  # a transfer comes from somewhere
        ({"from_location_id": "ATL"}, "lines[0].from_location_id"),  # a purchase order does not
        ({"sku": "NOPE"}, "lines[0].sku"),
        ({"location_id": "NOPE"}, "lines[0].location_id"),
        ({"reference": " "}, "lines[0].reference"),
    ],
)
def test_bad_supply_lines_are_422_naming_the_field(network: TestClient, change: dict[str, Any], field: str) -> None:
    response = network.post("/v1/supply", json={"lines": [GOOD | change]})
    assert response.status_code == 422, response.text
    assert field in _fields(response)
    assert network.get("/v1/supply").json()["items"] == []  # nothing recorded


def test_supply_is_listed_by_sku_and_received_once(network: TestClient) -> None:
    transfer = GOOD | {"kind": "transfer", "reference": "TR-1", "from_location_id": "ATL", "quantity": 2}
    created = network.post("/v1/supply", json={"lines": [GOOD, transfer]}).json()["items"]
    assert [(s["kind"], s["status"], s["outstanding"]) for s in created] == [
        ("purchase_order", "open", 5),
        ("transfer", "open", 2),
    ]
    assert len(network.get("/v1/supply", params={"sku": "A"}).json()["items"]) == 2
    assert network.get("/v1/supply", params={"sku": "B"}).json()["items"] == []
    supply_id = created[1]["id"]
    received = network.post(f"/v1/supply/{supply_id}/receipts", json={"quantity": 2}).json()
    assert received["supply"]["status"] == "received"
    assert network.get("/v1/inventory/A").json()["totals"]["on_hand"] == 2
    again = network.post(f"/v1/supply/{supply_id}/receipts", json={"quantity": 1})
    assert again.status_code == 422 and _fields(again) == ["supply_id"]
    zero = network.post(f"/v1/supply/{created[0]['id']}/receipts", json={"quantity": 0})
    assert zero.status_code == 422 and _fields(zero) == ["quantity"]
    missing = network.post("/v1/supply/sup_nope/receipts", json={"quantity": 1})
    assert missing.status_code == 404
    assert network.get("/v1/supply", params={"status": "bogus"}).status_code == 422


@pytest.mark.parametrize("priority", [0, -1, "high", 1.5])
def test_an_order_priority_below_one_or_not_an_integer_is_422(network: TestClient, priority: object) -> None:
    response = network.post("/v1/orders", json=order_payload(("A", 1), priority=priority))
    assert response.status_code == 422, response.text
    assert _fields(response) == ["priority"]


def test_an_order_keeps_its_priority(network: TestClient) -> None:
    order = network.post("/v1/orders", json=order_payload(("A", 1), priority=4)).json()
    assert network.get(f"/v1/orders/{order['id']}").json()["priority"] == 4
