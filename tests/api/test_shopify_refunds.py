"""Shopify's refunds/create reaches the order's ledger, on SQLite and PostgreSQL: a refund Shopify paid
out is recorded per line (never sent to our payment provider), once by refund id however often it is
delivered; one we cannot match posts nothing and opens an exception holding the raw webhook."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from fastapi.testclient import TestClient

from overture.app import create_app
from overture.bootstrap import Container
from overture.channels.wms import translate_shipment
from overture.services.fulfilment import receive_shipment
from overture.services.payments import capture_shipped
from overture.services.ports import InboundMessage
from tests.e2e.test_storefront_webhooks import SHOPIFY, _capture
from tests.e2e.test_storefront_webhooks import container as container

REFUND_TOPIC = "refunds/create"


def _shipped_order(container: Container, client: TestClient) -> str:
    """A Shopify order shipped whole, its lines' money collected by Shopify (the workflow's capture step)."""
    order_id = _capture(client, container, SHOPIFY)
    notice = {
        "shipment_id": "SHP-9",
        "order_id": order_id,
        "location_id": "EWR",
        "carrier": "ups",
        "tracking_number": "1Z9",
        "shipped_at": "2026-12-07T10:00:00+00:00",
    }
    message = InboundMessage("wms", json.dumps(notice).encode(), datetime.now(UTC))
    receive_shipment(container.uow, message, translate_shipment, clock=container.clock)
    asyncio.run(capture_shipped(container.uow, None, order_id, clock=container.clock))
    return order_id


def _refund(*, sku: str = "TSHIRT-BLK-M", subtotal: str = "20.00", tax: str = "1.60", paid: str = "21.60") -> bytes:
    """A refunds/create body as Shopify sends it (the refund object, its lines with subtotal and tax)."""
    refund: dict[str, Any] = {
        "id": 880001,
        "order_id": 5840012345678,
        "note": "arrived damaged",
        "restock": False,
        "refund_line_items": [
            {
                "id": 770001,
                "quantity": 1,
                "line_item_id": 13001,
                "line_item": {"id": 13001, "sku": sku, "variant_id": 1001},
                "subtotal": subtotal,
                "total_tax": tax,
            }
        ],
        "transactions": [{"kind": "refund", "status": "success", "amount": paid, "currency": "USD"}],
        "order_adjustments": [],
    }
    return json.dumps(refund).encode()


def _money(client: TestClient, order_id: str) -> dict[str, Any]:
    money: dict[str, Any] = client.get(f"/v1/orders/{order_id}/money").json()
    return money


def test_a_shopify_refund_is_posted_to_the_ledger_once_though_delivered_twice(container: Container) -> None:
    with TestClient(create_app(container)) as client:
        order_id = _shipped_order(container, client)
        before = _money(client, order_id)
        first = SHOPIFY.post(client, _refund(), topic=REFUND_TOPIC, delivery="wh-refund-1")
        again = SHOPIFY.post(client, _refund(), topic=REFUND_TOPIC, delivery="wh-refund-1")  # the same delivery
        other = SHOPIFY.post(client, _refund(), topic=REFUND_TOPIC, delivery="wh-refund-2")  # the same refund
        assert [r.status_code for r in (first, again, other)] == [200, 200, 200]
        assert "posted to the ledger" in first.json()["refund"]
        assert "already in the ledger" in again.json()["refund"] and "already" in other.json()["refund"]
        money = _money(client, order_id)
        line = money["lines"][0]
        assert Decimal(line["refunded"]) == Decimal("21.60")
        assert Decimal(line["due"]) == Decimal(before["lines"][0]["due"]) - Decimal("21.60")  # owes as much less
        refunds = [e for e in money["entries"] if e["kind"] == "refund"]
        assert [(e["line_no"], e["amount"], e["reference"]) for e in refunds] == [(1, "21.60", "shopify:refund:880001")]
        assert Decimal(money["totals"]["refunded"]) == Decimal("21.60")


def test_a_refund_for_a_line_we_do_not_have_goes_to_the_exception_queue_raw(container: Container) -> None:
    with TestClient(create_app(container)) as client:
        order_id = _shipped_order(container, client)
        raw = _refund(sku="NOT-OURS")
        answer = SHOPIFY.post(client, raw, topic=REFUND_TOPIC, delivery="wh-refund-x")
        assert answer.status_code == 200 and "not matched" in answer.json()["refund"]
        assert Decimal(_money(client, order_id)["totals"]["refunded"]) == 0
        items = client.get("/v1/exceptions", params={"type": "invalid_data"}).json()["items"]
        [held] = [e for e in items if e["order_id"] == order_id]
        assert held["step"] == "channel_refund" and held["allowed_actions"] == ["override"]
        assert held["details"]["problems"] == ["NOT-OURS is not a line of the order"]
        assert json.loads(held["details"]["raw"]) == json.loads(raw)
        assert held["details"]["message_id"] == answer.json()["message_id"]


def test_a_refund_beyond_what_a_line_collected_or_off_the_lines_is_not_posted(container: Container) -> None:
    with TestClient(create_app(container)) as client:
        order_id = _shipped_order(container, client)
        too_much = SHOPIFY.post(client, _refund(subtotal="90.00", tax="0", paid="90.00"), topic=REFUND_TOPIC)
        assert "not matched" in too_much.json()["refund"]
        shipping_too = _refund(paid="26.60")  # 5.00 of it refunds shipping, which no line holds
        answer = SHOPIFY.post(client, shipping_too, topic=REFUND_TOPIC, delivery="wh-refund-s")
        assert "rest matches no line" in answer.json()["refund"]
        assert Decimal(_money(client, order_id)["totals"]["refunded"]) == 0
