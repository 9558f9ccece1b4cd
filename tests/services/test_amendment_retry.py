"""A person's amendment applied twice (its activity retried after the first attempt committed) edits
and places the order once: one amendment decision, one set of reservations, no error."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from overture.bootstrap import Container
from overture.domain.orders import LineEdit
from overture.services.amendments import Amendment, amend_order
from tests.factories import add_locations, add_skus, order_payload, stock


def _held_for_an_unknown_sku(client: TestClient, container: Container) -> dict[str, Any]:
    add_locations(container, ["EWR"])
    add_skus(container, "WIDGET")
    stock(container, "WIDGET", "EWR", 10)
    response = client.post("/v1/orders", json=order_payload(("WIDGT", 3)))
    assert response.status_code == 201, response.text
    order = dict(client.get(f"/v1/orders/{response.json()['id']}").json())
    assert order["status"] == "on_hold", order["status"]
    return order


def _amend(container: Container, order_id: str, amendment: Amendment) -> str:
    plan = amend_order(container.uow, order_id, amendment, geocoder=container.geocoder, clock=container.clock)
    return str(plan.status)


@pytest.mark.parametrize("edits", [(LineEdit(1, sku="WIDGET"),), (LineEdit(1, sku="WIDGET", quantity=3),)])
def test_the_same_amendment_twice_places_the_order_once(
    client: TestClient, container: Container, edits: tuple[LineEdit, ...]
) -> None:
    order = _held_for_an_unknown_sku(client, container)
    amendment = Amendment("alice", "typo in the SKU", "unknown_sku", edits, key="exc_test_1")

    first = _amend(container, order["id"], amendment)
    second = _amend(container, order["id"], amendment)

    assert first == second != "on_hold"
    after = client.get(f"/v1/orders/{order['id']}").json()
    assert [line["sku"] for line in after["lines"]] == ["WIDGET"]
    assert sum(r["quantity"] for r in after["reservations"] if r["status"] == "active") == 3
    kinds = [entry.get("kind") for entry in after["timeline"] if entry["type"] == "decision"]
    assert kinds.count("amendment") == 1, after["timeline"]


def test_a_different_key_is_a_new_amendment(client: TestClient, container: Container) -> None:
    order = _held_for_an_unknown_sku(client, container)
    _amend(container, order["id"], Amendment("alice", "typo", "unknown_sku", (LineEdit(1, sku="WIDGET"),), key="k1"))
    _amend(container, order["id"], Amendment("bob", "one more", "unknown_sku", (LineEdit(1, quantity=4),), key="k2"))

    after = client.get(f"/v1/orders/{order['id']}").json()
    assert after["lines"][0]["quantity"] == 4
    assert sum(r["quantity"] for r in after["reservations"] if r["status"] == "active") == 4
