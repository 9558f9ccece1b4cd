"""Backorders on a real store (SQLite and PostgreSQL): orders for a SKU with no stock wait for two
purchase orders with promise dates; receipts fill them by priority then age, partly where the stock
runs out, and the orders still waiting get their promise dates worked out again."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi.testclient import TestClient

from overture.bootstrap import Container
from overture.services import fulfilment
from tests.factories import add_locations, add_skus, order_payload

SOON = datetime(2030, 1, 10, 12, 0, tzinfo=UTC)
LATE = SOON + timedelta(days=7)


def _supply(client: TestClient) -> dict[str, str]:
    lines = [
        {"reference": "PO-LATE", "sku": "GIZMO", "location_id": "EWR", "quantity": 10, "expected_at": LATE.isoformat()},
        {"reference": "PO-SOON", "sku": "GIZMO", "location_id": "EWR", "quantity": 5, "expected_at": SOON.isoformat()},
    ]
    response = client.post("/v1/supply", json={"lines": lines})
    assert response.status_code == 201, response.text
    return {item["reference"]: item["id"] for item in response.json()["items"]}


def _place(client: TestClient, quantity: int, priority: int) -> dict[str, Any]:
    response = client.post("/v1/orders", json=order_payload(("GIZMO", quantity), priority=priority))
    assert response.status_code == 201, response.text
    return dict(response.json())


def _order(client: TestClient, order_id: str) -> dict[str, Any]:
    return dict(client.get(f"/v1/orders/{order_id}").json())


def _line(client: TestClient, order_id: str) -> tuple[str, int, str | None]:
    order = _order(client, order_id)
    (line,) = order["lines"]
    promised = line["promised_at"]
    return line["status"], line["backordered"], None if promised is None else promised[:10]


def _reserved(client: TestClient, order_id: str) -> int:
    return sum(r["quantity"] for r in _order(client, order_id)["reservations"] if r["status"] == "active")


def test_backorders_are_promised_then_filled_by_priority_then_age(client: TestClient, container: Container) -> None:
    add_locations(container, ["EWR"])
    add_skus(container, "GIZMO")
    supply = _supply(client)
    # Placed oldest first: (quantity, priority).
    o1 = _place(client, 2, 1)["id"]
    o2 = _place(client, 3, 1)["id"]
    assert _line(client, o2) == ("backordered", 3, SOON.date().isoformat())  # o1 2 + o2 3 = the 5 due soon
    o3 = _place(client, 2, 2)["id"]  # a key account: goes ahead of both, pushing o2 to the later PO
    o4 = _place(client, 1, 1)["id"]
    o5 = _place(client, 1, 3)["id"]  # the most important, and the newest
    held = _place(client, 12, 1)

    # Queue: o5 (p3) 1, o3 (p2) 2, o1 2 = the 5 due soon; o2 3 and o4 1 from the 10 due later.
    soon, late = SOON.date().isoformat(), LATE.date().isoformat()
    expected = {o3: soon, o5: soon, o1: soon, o2: late, o4: late}
    for order_id, date in expected.items():
        order = _order(client, order_id)
        assert order["status"] == "backordered"
        assert _line(client, order_id)[2] == date, order_id
        (decision,) = [d for d in order["decisions"] if d["outcome"] == "backordered"]
        assert "GIZMO" in decision["reason"] and "purchase_order" in decision["reason"]
    # 9 of the 15 expected are promised: 6 remain, too few for 12.
    assert held["status"] == "on_hold"
    (exception,) = _order(client, held["id"])["exceptions"]
    assert exception["type"] == "insufficient_stock"
    assert "no inbound supply expected" in exception["reason"]

    # 4 of the 5 arrive: o5 and o3 are filled; o1 gets 1 of its 2 and keeps its place in the queue.
    response = client.post(f"/v1/supply/{supply['PO-SOON']}/receipts", json={"quantity": 4})
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["completed_orders"] == [o5, o3]  # queue order, not creation order
    assert body["partly_filled_orders"] == [o1]
    assert body["supply"]["status"] == "open" and body["supply"]["outstanding"] == 1
    for order_id in (o3, o5):
        order = _order(client, order_id)
        assert order["status"] == "routed"
        assert order["lines"][0]["status"] == "allocated"
        assert any(d["outcome"] == "backorder_filled" and "PO-SOON" in d["reason"] for d in order["decisions"])
    assert [_reserved(client, o) for o in (o3, o5, o1, o2, o4)] == [2, 1, 1, 0, 0]
    # Recomputed: o1 owes 1, which is the 1 still due soon; o2 and o4 wait for the later PO.
    assert _line(client, o1) == ("backordered", 1, soon)
    assert _line(client, o2) == ("backordered", 3, late)
    assert _line(client, o4) == ("backordered", 1, late)

    # The last unit: the older order o1 completes before anyone newer gets anything.
    body = client.post(f"/v1/supply/{supply['PO-SOON']}/receipts", json={"quantity": 1}).json()
    assert body["completed_orders"] == [o1] and body["supply"]["status"] == "received"
    assert _order(client, o1)["status"] == "routed"
    inventory = client.get("/v1/inventory/GIZMO").json()["totals"]
    assert (inventory["on_hand"], inventory["reserved"]) == (5, 5)

    # A plain receipt fills too: 3 at EWR complete o2 (older) before o4.
    entries = [{"sku": "GIZMO", "location_id": "EWR", "quantity": 3, "reference": "RCV-9"}]
    body = client.post("/v1/inventory/receipts", json={"entries": entries}).json()
    assert body["completed_orders"] == [o2]
    assert _line(client, o4) == ("backordered", 1, late)


def test_cancelling_a_partly_filled_backorder_passes_its_units_to_the_next_in_line(
    client: TestClient, container: Container
) -> None:
    add_locations(container, ["EWR"])
    add_skus(container, "GIZMO")
    supply = _supply(client)
    first = _place(client, 4, 1)["id"]
    second = _place(client, 4, 1)["id"]
    third = _place(client, 3, 1)["id"]
    soon, late = SOON.date().isoformat(), LATE.date().isoformat()
    assert [_line(client, o)[2] for o in (first, second, third)] == [soon, late, late]
    client.post(f"/v1/supply/{supply['PO-SOON']}/receipts", json={"quantity": 3})
    assert [_reserved(client, o) for o in (first, second, third)] == [3, 0, 0]

    fulfilment.cancel(container.uow, first, reason="customer changed their mind", clock=container.clock)

    assert _order(client, first)["status"] == "cancelled"
    assert _reserved(client, first) == 0
    # Its 3 units go to the second order (which still owes 1); the third moves up to the 2 still due soon.
    assert _line(client, second) == ("backordered", 1, soon)
    assert _reserved(client, second) == 3
    assert _line(client, third) == ("backordered", 3, late)
    totals = client.get("/v1/inventory/GIZMO").json()["totals"]
    assert (totals["on_hand"], totals["reserved"]) == (3, 3)


def test_stock_on_hand_is_reserved_now_and_only_the_rest_is_backordered(
    client: TestClient, container: Container
) -> None:
    add_locations(container, ["EWR"])
    add_skus(container, "GIZMO", "BOLT")
    _supply(client)
    entries = [
        {"sku": "GIZMO", "location_id": "EWR", "quantity": 2},
        {"sku": "BOLT", "location_id": "EWR", "quantity": 5},
    ]
    client.post("/v1/inventory/receipts", json={"entries": entries})
    order = client.post("/v1/orders", json=order_payload(("BOLT", 1), ("GIZMO", 5))).json()
    assert order["status"] == "backordered"
    detail = _order(client, order["id"])
    assert [(x["status"], x["backordered"]) for x in detail["lines"]] == [("allocated", 0), ("backordered", 3)]
    assert sorted((r["sku"], r["quantity"]) for r in detail["reservations"]) == [("BOLT", 1), ("GIZMO", 2)]


def test_a_serialized_sku_is_held_not_backordered(client: TestClient, container: Container) -> None:
    add_locations(container, ["EWR"])
    client.post("/v1/skus", json=[{"sku": "GIZMO", "serialized": True}])
    _supply(client)
    order = _place(client, 1, 1)
    assert order["status"] == "on_hold"
    (exception,) = _order(client, order["id"])["exceptions"]
    assert "serialized" in exception["reason"]


def _notes(client: TestClient, order_id: str) -> list[str]:
    return [e["note"] for e in _order(client, order_id)["timeline"] if e["type"] == "note"]


def test_a_late_purchase_order_moves_the_promises_it_carried_and_says_so(
    client: TestClient, container: Container
) -> None:
    add_locations(container, ["EWR"])
    add_skus(container, "GIZMO")
    supply = _supply(client)
    first = _place(client, 4, 1)["id"]  # the 5 due soon cover it
    second = _place(client, 4, 1)["id"]  # 1 left soon: it waits for the later PO
    later = (LATE + timedelta(days=3)).isoformat()

    # PO-SOON slips past PO-LATE: the queue now fills first from PO-LATE's 10.
    response = client.patch(f"/v1/supply/{supply['PO-SOON']}", json={"expected_at": later})

    assert response.status_code == 200, response.text
    assert response.json()["supply"]["expected_at"][:10] == later[:10]
    moved = {m["order_id"]: (m["before"][:10], m["after"][:10]) for m in response.json()["promises_moved"]}
    assert moved == {first: (SOON.date().isoformat(), LATE.date().isoformat())}
    assert _line(client, first)[2] == LATE.date().isoformat()
    assert _line(client, second)[2] == LATE.date().isoformat()
    [note] = _notes(client, first)
    assert "promise moved from" in note and "PO-SOON" in note and later[:10] in note
    assert _notes(client, second) == []


def test_cancelling_the_only_supply_withdraws_the_promise_with_the_reason(
    client: TestClient, container: Container
) -> None:
    add_locations(container, ["EWR"])
    add_skus(container, "GIZMO")
    supply = _supply(client)
    big = _place(client, 12, 1)["id"]  # needs both POs: promised the later one's date
    assert _line(client, big) == ("backordered", 12, LATE.date().isoformat())

    response = client.post(f"/v1/supply/{supply['PO-LATE']}/cancel", json={"reason": "supplier out of business"})

    assert response.status_code == 200, response.text
    assert response.json()["supply"]["status"] == "cancelled"
    assert response.json()["promises_moved"] == [
        {"order_id": big, "line_no": 1, "before": response.json()["promises_moved"][0]["before"], "after": None}
    ]
    assert _line(client, big) == ("backordered", 12, None)
    [note] = _notes(client, big)
    assert "promise withdrawn" in note and "PO-LATE" in note and "supplier out of business" in note
    # Cancelled is final: a second cancel and a receipt are refused and name the field.
    again = client.post(f"/v1/supply/{supply['PO-LATE']}/cancel", json={})
    assert again.status_code == 422 and "cancelled, not open" in again.text, again.text
    receipt = client.post(f"/v1/supply/{supply['PO-LATE']}/receipts", json={"quantity": 1})
    assert receipt.status_code == 422 and "cancelled, not open" in receipt.text, receipt.text


def test_an_impossible_supply_change_is_refused_and_names_the_field(client: TestClient, container: Container) -> None:
    add_locations(container, ["EWR"])
    add_skus(container, "GIZMO")
    supply = _supply(client)
    client.post(f"/v1/supply/{supply['PO-SOON']}/receipts", json={"quantity": 3})

    below = client.patch(f"/v1/supply/{supply['PO-SOON']}", json={"quantity": 2})
    nothing = client.patch(f"/v1/supply/{supply['PO-SOON']}", json={})
    unknown = client.post("/v1/supply/sup_nope/cancel", json={})

    assert below.status_code == 422 and below.json()["error"]["fields"][0]["field"] == "quantity", below.text
    assert "below the 3 already received" in below.text
    assert nothing.status_code == 422 and "nothing to change" in nothing.text, nothing.text
    assert unknown.status_code == 404, unknown.text
