"""Acceptance (issue 19, point 7): a POS sale at a store lowers that store's available stock and the
channel availability set at Shopify within the publish interval.

Real app over HTTP (uvicorn), the real publisher loop built as ``overture serve`` builds it
(``runtime.availability_publisher`` + ``publish_continuously``), the Shopify simulator over HTTP; the
lag is read from the simulator's history of sets, the figure from its ``/_levels``. Both stores."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from pydantic import SecretStr

from overture.bootstrap import Container, bootstrap
from overture.channels.signatures import sign
from overture.config import Settings
from overture.domain.inventory import Location, LocationKind
from overture.runtime import availability_publisher
from overture.services import inventory
from overture.simulators.server import SimulatorServer
from overture.simulators.shopify import ShopifyLevels, create_shopify_app
from overture.workflows.availability_publisher import publish_continuously
from tests.conftest import LiveServer
from tests.factories import add_locations, add_skus, stock

INTERVAL_S = 1.0
SLACK_S = 0.75  # one pass's own work and the HTTP round trips, on a busy two-core machine
ITEM, SHOPIFY_LOCATION, TILL_LOCATION = 808950810, 7, 655441491
SECRET = "shpss_pos_test"


@pytest.fixture
def shop(database_url: str, tmp_path: Path) -> Iterator[tuple[Container, ShopifyLevels, str]]:
    levels = ShopifyLevels()
    with SimulatorServer(create_shopify_app(levels)) as simulator:
        settings = Settings(
            home=tmp_path,
            database_url=database_url,
            auth="off",
            shopify_admin_url=simulator.url,
            shopify_location_id=SHOPIFY_LOCATION,
            shopify_inventory_items={"MUG": ITEM},
            shopify_locations={str(TILL_LOCATION): "STORE-1"},
            shopify_webhook_secret=SecretStr(SECRET),
            availability_publish_interval_s=INTERVAL_S,
        )
        container = bootstrap(settings, migrate=False)
        add_locations(container, ["EWR"])
        store = Location("STORE-1", "Store 1", 40.75, -73.99, LocationKind.STORE, postal_code="10001")
        inventory.add_location(container.uow, store, clock=container.clock)
        add_skus(container, "MUG")
        stock(container, "MUG", "EWR", 5)
        stock(container, "MUG", "STORE-1", 5)
        try:
            yield container, levels, simulator.url
        finally:
            container.close()


def store_available(container: Container) -> int:
    view = container.views.inventory("MUG")
    assert view is not None
    return next(p["available"] for p in view["locations"] if p["location_id"] == "STORE-1")


async def shopify_level(sim: httpx.AsyncClient) -> int | None:
    answer = (await sim.get("/_levels")).json()
    return next((lv["available"] for lv in answer["levels"] if lv["inventory_item_id"] == ITEM), None)


async def until_level(sim: httpx.AsyncClient, units: int, *, within_s: float = 15.0) -> None:
    deadline = time.monotonic() + within_s
    while await shopify_level(sim) != units:
        assert time.monotonic() < deadline, f"Shopify never showed {units}"
        await asyncio.sleep(0.02)


def lag_of(levels: ShopifyLevels, units: int, since: float) -> float:
    """From ``since`` to the first set of ``units`` at Shopify (the simulator's own arrival times)."""
    first = next(s for s in levels.history if s.available == units and s.received_at >= since)
    return first.received_at - since


SHOPIFY_POS_ORDER = {
    "id": 450789469,
    "name": "#1042",
    "source_name": "pos",
    "location_id": TILL_LOCATION,
    "currency": "USD",
    "created_at": "2026-12-07T10:00:00-05:00",
    "gateway": "cash",
    "total_price": "21.60",
    "line_items": [
        {"id": 1, "sku": "MUG", "quantity": 2, "price": "10.00", "tax_lines": [{"title": "Tax", "price": "1.60"}]}
    ],
}


def test_pos_sales_reach_shopify_within_the_publish_interval(shop: tuple[Container, ShopifyLevels, str]) -> None:
    container, levels, sim_url = shop
    api = LiveServer(container)
    api.start()
    try:
        asyncio.run(_scenario(container, levels, sim_url, api.url))
    finally:
        api.stop()


async def _scenario(container: Container, levels: ShopifyLevels, sim_url: str, api_url: str) -> None:
    publisher = availability_publisher(container)
    stop = asyncio.Event()
    loop = asyncio.create_task(publish_continuously(publisher, interval_s=INTERVAL_S, stop=stop))
    try:
        async with httpx.AsyncClient(base_url=sim_url) as sim, httpx.AsyncClient(base_url=api_url) as hub:
            await until_level(sim, 10)  # both locations' stock, as first published
            await _batch_sale(container, levels, sim, hub)
            await _shopify_pos_sale(container, levels, sim, hub)
            await _shopify_pos_return(container, levels, sim, hub)
    finally:
        stop.set()
        await loop
        for target in publisher.targets:
            await target.connector.aclose()  # type: ignore[attr-defined]


async def _batch_sale(
    container: Container, levels: ShopifyLevels, sim: httpx.AsyncClient, hub: httpx.AsyncClient
) -> None:
    batch = b"store,register,receipt,sku,quantity,unit_price,tax,tender\nSTORE-1,R1,1001,MUG,3,10.00,2.40,card\n"
    await asyncio.sleep(INTERVAL_S / 3)  # the sale lands mid-interval, not just after a pass
    sent_at = time.monotonic()
    answer = await hub.post("/v1/channels/pos/batches", content=batch, headers={"Content-Type": "text/csv"})
    assert answer.status_code == 200, answer.text
    assert [r["status"] for r in answer.json()["rows"]] == ["completed"]
    assert store_available(container) == 2
    await until_level(sim, 7)
    assert lag_of(levels, 7, sent_at) <= INTERVAL_S + SLACK_S


async def _shopify_pos_sale(
    container: Container, levels: ShopifyLevels, sim: httpx.AsyncClient, hub: httpx.AsyncClient
) -> None:
    raw = json.dumps(SHOPIFY_POS_ORDER).encode()
    headers = _signed(raw, "orders/create", "pos-delivery-1")
    sent_at = time.monotonic()
    answer = await hub.post("/v1/channels/shopify/webhooks", content=raw, headers=headers)
    assert answer.status_code == 201, answer.text
    assert answer.json()["channel"] == "pos" and answer.json()["status"] == "completed"
    assert store_available(container) == 0
    await until_level(sim, 5)
    assert lag_of(levels, 5, sent_at) <= INTERVAL_S + SLACK_S
    again = await hub.post("/v1/channels/shopify/webhooks", content=raw, headers=headers)
    assert again.json()["outcome"] == "duplicate" and store_available(container) == 0


REFUND = {
    "id": 929361462,
    "order_id": SHOPIFY_POS_ORDER["id"],
    "restock": True,
    "refund_line_items": [
        {
            "id": 1,
            "quantity": 1,
            "line_item_id": 1,
            "location_id": TILL_LOCATION,
            "restock_type": "return",
            "subtotal": "10.00",
            "total_tax": "0.80",
            "line_item": {"id": 1, "sku": "MUG"},
        }
    ],
    "transactions": [{"kind": "refund", "status": "success", "amount": "10.80", "currency": "USD"}],
}


async def _shopify_pos_return(
    container: Container, levels: ShopifyLevels, sim: httpx.AsyncClient, hub: httpx.AsyncClient
) -> None:
    """The POS order refunded at the till: the mug is back on that store's shelf, and online."""
    raw = json.dumps(REFUND).encode()
    sent_at = time.monotonic()
    answer = await hub.post("/v1/channels/shopify/webhooks", content=raw, headers=_signed(raw, "refunds/create", "r-1"))
    assert answer.status_code == 201, answer.text
    assert answer.json()["status"] == "refunded"
    assert store_available(container) == 1
    await until_level(sim, 6)
    assert lag_of(levels, 6, sent_at) <= INTERVAL_S + SLACK_S
    with container.uow() as uow:
        ledger = uow.money.ledger(answer.json()["order_id"])
    assert ledger is not None and ledger.totals().refunded == 1080


def _signed(raw: bytes, topic: str, delivery: str) -> dict[str, str]:
    return {
        "Content-Type": "application/json",
        "X-Shopify-Topic": topic,
        "X-Shopify-Shop-Domain": "pos-test.myshopify.com",
        "X-Shopify-Webhook-Id": delivery,
        "X-Shopify-Hmac-Sha256": sign(SECRET, raw),
    }
