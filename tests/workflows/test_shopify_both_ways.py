"""Shopify both ways through a whole hub (a real workflow engine, WMS and ERP simulators, the worker's
loops) on SQLite and PostgreSQL: an order arrives by Shopify's signed webhook, ships from the WMS, and
Shopify gets one fulfilment with the shipment's tracking number from the worker's loop; an order
Shopify cancels is cancelled through the one cancel path."""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from pydantic import SecretStr

from overture.bootstrap import bootstrap
from overture.config import Settings
from overture.simulators.server import SimulatorServer
from overture.simulators.shopify import create_shopify_app
from overture.simulators.shopify_admin import ShopifyAdmin
from tests.channels.storefront_files import fixture_bytes, fixture_json
from tests.e2e.test_storefront_webhooks import SHOPIFY, body
from tests.factories import add_locations, add_skus, stock
from tests.workflows.hub import Hub, running_hub
from tests.workflows.temporal_fixtures import TemporalEnv

TOKEN = "shpat_hub"
SHOPIFY_ORDER = 5840012345678


@dataclass
class ShopifyHub:
    hub: Hub
    admin: ShopifyAdmin


@pytest.fixture
def shop(temporal_env: TemporalEnv, task_queue: str, database_url: str, tmp_path: Path) -> Iterator[ShopifyHub]:
    admin = ShopifyAdmin(access_token=TOKEN)
    simulator = SimulatorServer(create_shopify_app(admin=admin))
    simulator.start()
    settings = Settings(
        home=tmp_path,
        database_url=database_url,
        auth="off",
        shopify_webhook_secrets={SHOPIFY.source: SecretStr(SHOPIFY.secret)},
        shopify_admin_url=simulator.url,
        shopify_access_token=SecretStr(TOKEN),
        shopify_fulfilment_interval_s=0.2,
    )
    container = bootstrap(settings, migrate=False)
    try:
        with running_hub(temporal_env.client, task_queue, container) as hub:
            yield ShopifyHub(hub, admin)
    finally:
        container.close()
        simulator.stop()


def _lines() -> list[dict[str, object]]:
    return [
        {"id": 13001, "sku": "TSHIRT-BLK-M", "quantity": 2, "variant_id": 1001},
        {"id": 13002, "sku": None, "quantity": 1, "variant_id": 1002},
        {"id": 13003, "sku": "", "quantity": 1, "variant_id": None},
    ]


def _capture(shop: ShopifyHub, *, stocked: bool) -> str:
    add_locations(shop.hub.container, ["EWR"])
    add_skus(shop.hub.container, *SHOPIFY.skus)
    for sku in SHOPIFY.skus if stocked else ():
        stock(shop.hub.container, sku, "EWR", 20)
    shop.admin.add_order(SHOPIFY_ORDER, _lines())
    answer = SHOPIFY.post(shop.hub.http, fixture_bytes(SHOPIFY.fixture), delivery="hub-create")
    assert answer.status_code == 201, answer.text
    order_id: str = answer.json()["order_id"]
    return order_id


def test_a_shipped_shopify_order_gets_one_fulfilment_with_its_tracking(shop: ShopifyHub) -> None:
    order_id = _capture(shop, stocked=True)
    shop.hub.wait_for(lambda: bool(shop.admin.fulfilled(SHOPIFY_ORDER)), what="a Shopify fulfilment", timeout_s=90)
    tracking = {r["value"] for r in shop.hub.order(order_id)["references"] if r["kind"] == "tracking_number"}
    time.sleep(1.0)  # several more passes of the loop: nothing more is sent
    [made] = shop.admin.fulfilled(SHOPIFY_ORDER)
    assert made.tracking["number"] in tracking
    assert sorted(made.units.values()) == [1, 1, 2]
    fulfilment_refs = [r for r in shop.hub.order(order_id)["references"] if r["kind"] == "fulfillment_id"]
    assert [r["value"] for r in fulfilment_refs] == [f"gid://shopify/Fulfillment/{made.id}"]


def test_an_order_shopify_cancels_is_cancelled_through_the_cancel_path(shop: ShopifyHub) -> None:
    order_id = _capture(shop, stocked=False)  # nothing in stock: it waits, and can still be cancelled
    document = fixture_json(SHOPIFY.fixture) | {"cancel_reason": "customer"}
    answer = SHOPIFY.post(shop.hub.http, body(document), topic="orders/cancelled", delivery="hub-cancel")
    assert (answer.status_code, answer.json()["outcome"]) == (200, "cancelled"), answer.text
    order = shop.hub.wait_status(order_id, "cancelled")
    assert "Shopify cancellation cancelled" in str(order)
    again = SHOPIFY.post(shop.hub.http, body(document), topic="orders/cancelled", delivery="hub-cancel")
    assert again.json()["outcome"] == "duplicate"
