"""``overture_availability_publish_lag_seconds``: observed by the publisher loop when a channel takes a figure.

Real store, the Shopify simulator over HTTP as the channel, and the loop ``overture serve`` runs.
"""

from __future__ import annotations

import asyncio
import time

import sqlalchemy as sa
from fastapi.testclient import TestClient

from overture.bootstrap import Container
from overture.connectors.http import ConnectorConfig
from overture.connectors.shopify_inventory import ShopifyInventoryConnector, ShopifyInventoryTarget
from overture.domain.availability import ChannelRules
from overture.services.availability import AvailabilityPublisher
from overture.simulators.server import SimulatorServer
from overture.simulators.shopify import ShopifyLevels, create_shopify_app
from overture.store.availability import SqlAvailabilityStore
from overture.store.tables import availability_dirty
from overture.workflows.availability_publisher import publish_continuously
from tests.factories import add_locations, add_skus, stock
from tests.observability.scraping import scrape, value

SKUS = {"LAG-1": 501, "LAG-2": 502, "LAG-3": 503}


def flagged(container: Container) -> int:
    with container.engine.connect() as c:
        return int(c.execute(sa.select(sa.func.count()).select_from(availability_dirty)).scalar_one())


def test_each_delivered_figure_is_observed_with_its_wait(client: TestClient, container: Container) -> None:
    add_locations(container, ["EWR"])
    add_skus(container, *SKUS)
    started = time.monotonic()
    for sku in SKUS:
        stock(container, sku, "EWR", 5)
    assert flagged(container) == len(SKUS)
    before = scrape(client)
    levels = ShopifyLevels()

    async def one_pass(url: str) -> None:
        connector = ShopifyInventoryConnector(ConnectorConfig(name="shopify", base_url=url))
        target = ShopifyInventoryTarget(connector, location_id=7, inventory_items=SKUS)
        publisher = AvailabilityPublisher(
            SqlAvailabilityStore(container.engine), [target], rules=ChannelRules(()), clock=container.clock
        )
        stop = asyncio.Event()
        loop = asyncio.create_task(publish_continuously(publisher, interval_s=0.05, stop=stop))
        deadline = time.monotonic() + 10
        while flagged(container) and time.monotonic() < deadline:
            await asyncio.sleep(0.02)
        stop.set()
        await loop
        await connector.aclose()

    with SimulatorServer(create_shopify_app(levels)) as server:
        asyncio.run(one_pass(server.url))
    elapsed = time.monotonic() - started
    assert flagged(container) == 0
    assert len(levels.levels) == len(SKUS)

    after = scrape(client)
    name = "overture_availability_publish_lag_seconds"
    count = value(after, f"{name}_count", channel="shopify") - value(before, f"{name}_count", channel="shopify")
    total = value(after, f"{name}_sum", channel="shopify") - value(before, f"{name}_sum", channel="shopify")
    assert count == len(SKUS)
    # Each wait runs from the stock change to the delivery: positive, and within the test's own span.
    assert 0 < total <= count * elapsed
    assert value(after, f"{name}_bucket", channel="shopify", le="+Inf") >= count
