"""Edits after release, on SQLite and PostgreSQL: the order's workflow asks the WMS to take the release
back, and only then applies the change (one unit cancelled: its stock given back, its share no longer
owed, released again with the new lines, captured on the card for what is owed and no more). When
the WMS cannot take it back, the edit is refused and nothing changes."""

from __future__ import annotations

from typing import Any

import httpx

from tests.factories import add_locations, add_skus, order_payload, stock
from tests.workflows.hub import Hub


def _wms(hub: Hub, path: str, body: dict[str, Any]) -> None:
    httpx.post(f"{hub.wms.url}{path}", json=body, timeout=5).raise_for_status()


def _released(hub: Hub) -> str:
    add_locations(hub.container, ["EWR"])
    add_skus(hub.container, "A", "B")
    stock(hub.container, "A", "EWR", 10)
    stock(hub.container, "B", "EWR", 10)
    _wms(hub, "/_config", {"auto_ship": False})
    body = order_payload(("A", 3), ("B", 1), payment_method="pm_card_visa")
    body["charges"] = [{"kind": "discount", "amount": "-4.00"}]
    order_id: str = hub.post_order(body)["id"]
    hub.wait_status(order_id, "released")
    return order_id


def test_a_unit_cancelled_after_release_is_taken_back_from_the_warehouse_first(hub: Hub) -> None:
    order_id = _released(hub)
    answer = hub.http.post(
        f"/v1/orders/{order_id}/cancel-lines", json={"lines": [{"line_no": 1, "quantity": 1}], "reason": "changed mind"}
    )
    assert answer.status_code == 200, answer.text
    # 39.96 - 4.00, less one A: 9.99 less its 1.00 of the discount
    assert answer.json()["money"]["totals"]["due"] == "26.97"
    hub.wait_status(order_id, "released")
    releases = httpx.get(f"{hub.wms.url}/_records", timeout=5).json()["releases"]
    mine = [r for r in releases if r["order_id"] == order_id]
    assert len(mine) == 2 and [line["quantity"] for line in mine[-1]["lines"]] == [2, 1]
    _wms(hub, "/_config", {"auto_ship": True})
    _wms(hub, "/_ship", {"order_id": order_id, "location_id": "EWR"})
    hub.wait_status(order_id, "completed", timeout_s=90)
    money = hub.http.get(f"/v1/orders/{order_id}/money").json()
    assert money["totals"]["captured"] == "26.97" and money["totals"]["outstanding"] == "0.00"


def test_an_edit_the_warehouse_cannot_take_back_is_refused_and_changes_nothing(hub: Hub) -> None:
    order_id = _released(hub)
    hub.sim_faults(hub.wms, operation="cancel", status=409, fail_first=100)
    answer = hub.http.post(
        f"/v1/orders/{order_id}/edits", json={"lines": [{"line_no": 2, "quantity": 3}], "reason": "wants more"}
    )
    assert answer.status_code == 409, answer.text
    assert "could not take the release back at EWR" in answer.text
    order = hub.order(order_id)
    assert order["status"] == "released" and [line["quantity"] for line in order["lines"]] == [3, 1]
    assert hub.http.get(f"/v1/orders/{order_id}/money").json()["totals"]["due"] == "35.96"


def test_an_order_made_dearer_after_authorisation_is_authorised_again_before_it_is_captured(hub: Hub) -> None:
    order_id = _released(hub)
    body = {"lines": [{"line_no": 2, "unit_price": "29.99"}], "reason": "upgraded to the large size"}
    answer = hub.http.post(f"/v1/orders/{order_id}/edits", json=body)
    assert answer.status_code == 200, answer.text
    hub.wait_status(order_id, "released")
    _wms(hub, "/_config", {"auto_ship": True})
    _wms(hub, "/_ship", {"order_id": order_id, "location_id": "EWR"})
    hub.wait_status(order_id, "completed", timeout_s=90)
    money = hub.http.get(f"/v1/orders/{order_id}/money").json()
    assert money["totals"]["outstanding"] == "0.00"
    psp = hub.psp
    assert psp is not None
    intents = httpx.get(f"{psp.url}/_records", timeout=5).json()["payment_intents"]
    # Both may be created in the same second (Stripe's ``created``): told apart by their status.
    mine = sorted(
        (i for i in intents if i.get("metadata", {}).get("order_id") == order_id),
        key=lambda i: i["status"] != "canceled",
    )
    assert [i["status"] for i in mine] == ["canceled", "succeeded"]
    assert mine[1]["amount_received"] == int(money["totals"]["captured"].replace(".", "")) > mine[0]["amount"]
