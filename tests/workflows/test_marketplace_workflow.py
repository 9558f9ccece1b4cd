"""A marketplace order through the whole hub, on SQLite and PostgreSQL: captured over the API, split once
authorised, each sub-order a child workflow; one seller accepts and ships, another refuses and its line
goes to the next offer, whose seller ships; each shipment is captured at the payment provider as it
goes, and the order completes with every seller's ledger to the cent."""

from __future__ import annotations

from typing import Any

import httpx

from overture.services.retry import read_only
from tests.factories import order_payload
from tests.services.marketplace.builders import approved_seller, kinds, offer
from tests.workflows.hub import Hub


def _seller(hub: Hub, seller_id: str, path: str, body: dict[str, Any] | None = None) -> Any:
    headers = {"x-seller-id": seller_id}  # the hub runs with auth off: the header says which seller
    if body is None:
        return hub.http.get(f"/v1/seller{path}", headers=headers).json()
    answer = hub.http.post(f"/v1/seller{path}", json=body, headers=headers)
    assert answer.status_code == 200, answer.text
    return answer.json()


def _sub_orders(hub: Hub, seller_id: str) -> list[dict[str, Any]]:
    orders: list[dict[str, Any]] = _seller(hub, seller_id, "/orders")["orders"]
    return orders


def _intent(hub: Hub, order_id: str) -> dict[str, Any]:
    assert hub.psp is not None
    records = httpx.get(f"{hub.psp.url}/_records", timeout=5).json()
    [intent] = [i for i in records["payment_intents"] if i.get("metadata", {}).get("order_id") == order_id]
    return dict(intent)


def test_a_split_order_runs_through_its_sellers_and_completes(hub: Hub) -> None:
    for seller_id in ("acme", "bolt", "cove"):
        approved_seller(hub.container, seller_id)
    offer(hub.container, "acme", "KETTLE", "20.00", 5)
    offer(hub.container, "bolt", "MUG", "8.00", 5)
    offer(hub.container, "cove", "MUG", "8.50", 5)
    payload = order_payload(("KETTLE", 1), ("MUG", 2), payment_method="pm_card_visa")
    payload["lines"][0]["unit_price"], payload["lines"][1]["unit_price"] = "20.00", "8.00"
    order_id = hub.post_order(payload)["id"]
    hub.wait_for(lambda: bool(_sub_orders(hub, "acme")) and bool(_sub_orders(hub, "bolt")), what="the split")
    assert hub.order(order_id)["status"] == "released"
    _seller(hub, "acme", f"/orders/{order_id}-A/accept", {})
    _seller(hub, "acme", f"/orders/{order_id}-A/ship", {"carrier": "UPS", "tracking_number": "1Z999AA10123456784"})
    refused = _seller(hub, "bolt", f"/orders/{order_id}-B/refuse", {"reason": "out of stock"})
    assert refused["rerouted_to"] == [f"{order_id}-C"]
    hub.wait_for(lambda: bool(_sub_orders(hub, "cove")), what="the re-routed sub-order")
    _seller(hub, "cove", f"/orders/{order_id}-C/accept", {})
    _seller(hub, "cove", f"/orders/{order_id}-C/ship", {"carrier": "USPS", "tracking_number": "9400111899223856928499"})
    done = hub.wait_status(order_id, "completed", timeout_s=90)
    assert done["status"] == "completed"
    assert _intent(hub, order_id)["amount_received"] == 2000 + 1600
    acme = read_only(hub.container.uow, lambda uow: uow.marketplace.entries("acme"))
    cove = read_only(hub.container.uow, lambda uow: uow.marketplace.entries("cove"))
    bolt = read_only(hub.container.uow, lambda uow: uow.marketplace.entries("bolt"))
    # No rule set: the default 15% on the goods.
    assert kinds(acme) == {"ORDER_AMOUNT": 2000, "COMMISSION_FEE": -300}
    assert kinds(cove) == {"ORDER_AMOUNT": 1600, "COMMISSION_FEE": -240}
    assert bolt == []
