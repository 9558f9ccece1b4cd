"""A shipment of a Shopify order owes Shopify its fulfilment, and the worker's loop sends it once, on
SQLite and PostgreSQL: captured through the signed webhook, shipped through the WMS path, sent through
the Shopify adapter to the Shopify simulator (in process)."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime
from typing import Any

import httpx
from fastapi import FastAPI
from fastapi.testclient import TestClient

from overture.app import create_app
from overture.bootstrap import Container
from overture.channels.wms import translate_shipment
from overture.connectors.http import ConnectorConfig
from overture.connectors.shopify_admin import ShopifyFulfilments
from overture.connectors.shopify_graphql import ShopifyGraphql
from overture.services.channel_fulfilment import NoChannelFulfilments, Sent, send_owed
from overture.services.fulfilment import receive_shipment
from overture.services.ports import InboundMessage
from overture.simulators.common import FaultSpec
from overture.simulators.shopify import create_shopify_app
from overture.simulators.shopify_admin import ShopifyAdmin
from overture.store.channel_fulfilment import SqlOwedConfirmations
from tests.e2e.test_storefront_webhooks import SHOPIFY, _capture
from tests.e2e.test_storefront_webhooks import container as container

SHOPIFY_ORDER = 5840012345678  # shopify_order_allocations.json
TOKEN = "shpat_test"
TRACKING = "1Z999AA10123456784"


def _shop() -> tuple[ShopifyAdmin, FastAPI]:
    admin = ShopifyAdmin(access_token=TOKEN)
    admin.add_order(
        SHOPIFY_ORDER,
        [
            {"id": 13001, "sku": "TSHIRT-BLK-M", "quantity": 2, "variant_id": 1001},
            {"id": 13002, "sku": None, "quantity": 1, "variant_id": 1002},
            {"id": 13003, "sku": "", "quantity": 1, "variant_id": None},
        ],
    )
    return admin, create_shopify_app(admin=admin)


def _port(app: FastAPI) -> ShopifyFulfilments:
    graphql = ShopifyGraphql(
        ConnectorConfig(name="shopify_admin", base_url="http://shop"),
        access_token=TOKEN,
        transport=httpx.ASGITransport(app=app),
    )
    return ShopifyFulfilments(graphql)


def _ship(container: Container, order_id: str, *, lines: bool = True) -> None:
    notice: dict[str, Any] = {
        "shipment_id": "SHP-77",
        "order_id": order_id,
        "location_id": "EWR",
        "carrier": "ups",
        "tracking_number": TRACKING,
        "shipped_at": "2026-12-07T10:00:00+00:00",
    }
    if lines:
        notice["lines"] = [
            {"line_no": 1, "sku": "TSHIRT-BLK-M", "quantity": 2},
            {"line_no": 2, "sku": "shopify:variant:1002", "quantity": 1},
            {"line_no": 3, "sku": "shopify:line_item:13003", "quantity": 1},
        ]
    message = InboundMessage("wms", json.dumps(notice).encode(), datetime.now(UTC))
    receive_shipment(container.uow, message, translate_shipment, clock=container.clock)


def _send(container: Container, port: ShopifyFulfilments | NoChannelFulfilments) -> list[Sent]:
    owed = SqlOwedConfirmations(container.engine)
    return asyncio.run(send_owed(container.uow, owed, port, clock=container.clock))


def _captured_and_shipped(container: Container, *, lines: bool = True) -> tuple[TestClient, str]:
    client = TestClient(create_app(container))
    order_id = _capture(client, container, SHOPIFY)
    _ship(container, order_id, lines=lines)
    return client, order_id


def test_a_shipment_of_a_shopify_order_owes_one_fulfilment(container: Container) -> None:
    _, order_id = _captured_and_shipped(container)
    _ship(container, order_id)  # the WMS's webhook delivered twice: recorded once, owed once
    [(_, payload)] = SqlOwedConfirmations(container.engine).pending(10)
    assert payload["channel"] == "shopify" and payload["channel_order_id"] == str(SHOPIFY_ORDER)
    assert payload["tracking_number"] == TRACKING and payload["carrier"] == "ups"
    assert [(x["sku"], x["quantity"]) for x in payload["lines"]] == [
        ("TSHIRT-BLK-M", 2),
        ("shopify:variant:1002", 1),
        ("shopify:line_item:13003", 1),
    ]


def test_the_loop_sends_the_fulfilment_once_even_run_twice(container: Container) -> None:
    client, order_id = _captured_and_shipped(container, lines=False)  # the location's reserved lines
    admin, app = _shop()
    first = _send(container, _port(app))
    second = _send(container, _port(app))
    assert [s.outcome for s in first] == ["created"] and second == []
    [made] = admin.fulfilled(SHOPIFY_ORDER)
    assert made.tracking["number"] == TRACKING and made.tracking["company"] == "UPS"
    assert sorted(made.units.values()) == [1, 1, 2]  # every shipped unit, nothing twice
    assert all(item.remaining == 0 for item in admin.orders[SHOPIFY_ORDER][0].items)
    timeline = json.dumps(client.get(f"/v1/orders/{order_id}").json())
    assert "shopify told of shipment SHP-77" in timeline


def test_a_lost_answer_is_sent_again_and_finds_the_first_fulfilment(container: Container) -> None:
    _captured_and_shipped(container)
    admin, app = _shop()
    admin.lose["fulfillment_create"] = 1
    assert _send(container, _port(app)) == []  # retryable: still owed
    assert len(SqlOwedConfirmations(container.engine).pending(10)) == 1
    again = _send(container, _port(app))
    assert [s.outcome for s in again] == ["already_confirmed"]
    assert len(admin.fulfilled(SHOPIFY_ORDER)) == 1
    assert SqlOwedConfirmations(container.engine).pending(10) == []


def test_a_drifted_answer_becomes_an_api_drift_exception_with_the_raw_answer(container: Container) -> None:
    client, order_id = _captured_and_shipped(container)
    admin, app = _shop()
    app.state.core.faults.set(FaultSpec(operation="order_fulfilments", rename_fields={"fulfillmentOrders": "fos"}))
    assert [s.outcome for s in _send(container, _port(app))] == ["failed"]
    assert admin.fulfilled(SHOPIFY_ORDER) == []
    items = client.get("/v1/exceptions", params={"type": "api_drift"}).json()["items"]
    [drift] = [e for e in items if e["order_id"] == order_id]
    assert drift["step"] == "channel_fulfilment" and drift["allowed_actions"] == ["override"]
    assert drift["details"]["problems"] == ["data.order.fulfillmentOrders: missing"]
    assert '"fos": {"nodes"' in drift["details"]["raw"]
    assert SqlOwedConfirmations(container.engine).pending(10) == []


def test_without_a_shopify_connection_the_owed_fulfilment_is_noted_not_kept_forever(container: Container) -> None:
    client, order_id = _captured_and_shipped(container)
    assert [s.outcome for s in _send(container, NoChannelFulfilments())] == ["not_configured"]
    assert SqlOwedConfirmations(container.engine).pending(10) == []
    assert "no connection configured" in json.dumps(client.get(f"/v1/orders/{order_id}").json())
