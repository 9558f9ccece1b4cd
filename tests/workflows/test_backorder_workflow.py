"""A backordered order's workflow waits for stock, durably, and resumes when a receipt fills it:
API -> backordered -> supply receipt through the API -> signal -> release -> ship -> completed."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from overture.store.tables import inventory_positions
from tests.factories import add_locations, add_skus, order_payload
from tests.workflows.hub import Hub


def _announce(hub: Hub, quantity: int) -> str:
    expected = (datetime.now(UTC) + timedelta(days=5)).isoformat()
    line = {"reference": "PO-77", "sku": "A", "location_id": "EWR", "quantity": quantity, "expected_at": expected}
    response = hub.http.post("/v1/supply", json={"lines": [line]})
    assert response.status_code == 201, response.text
    supply_id: str = response.json()["items"][0]["id"]
    return supply_id


def _position(hub: Hub) -> tuple[int, int]:
    p = inventory_positions.c
    with hub.container.engine.connect() as c:
        row = c.execute(sa.select(p.on_hand, p.reserved).where(p.sku == "A", p.location_id == "EWR")).one()
    return row.on_hand, row.reserved


def test_backordered_orders_resume_when_the_receipt_fills_them_in_priority_order(hub: Hub) -> None:
    add_locations(hub.container, ["EWR"])
    add_skus(hub.container, "A")
    supply_id = _announce(hub, 3)
    older = hub.post_order(order_payload(("A", 2)))["id"]
    urgent = hub.post_order(order_payload(("A", 2), priority=2))["id"]
    for order_id in (older, urgent):
        assert hub.wait_status(order_id, "backordered")["lines"][0]["backordered"] == 2

    received = hub.http.post(f"/v1/supply/{supply_id}/receipts", json={"quantity": 3})
    assert received.status_code == 201, received.text
    assert received.json()["completed_orders"] == [urgent]  # priority beats age; the older gets 1 of its 2

    order = hub.wait_status(urgent, "completed", timeout_s=90)
    statuses = [t["status"] for t in order["timeline"] if t["type"] == "status"]
    assert statuses == [
        "validated",
        "backordered",
        "reserved",
        "routed",
        "released",
        "shipped",
        "invoiced",
        "completed",
    ]
    waiting = hub.order(older)
    assert waiting["status"] == "backordered"
    assert waiting["lines"][0]["backordered"] == 1

    # Still waiting, the older order can be cancelled: its one reserved unit goes back.
    response = hub.http.post(f"/v1/orders/{older}/cancel", json={"reason": "too slow", "actor": "cs@shop"})
    assert response.status_code == 200, response.text
    assert response.json()["outcome"] == "cancelled"
    hub.wait_status(older, "cancelled")
    assert _position(hub) == (1, 0)  # 3 received, 2 shipped, the older order's 1 given back
