"""Connector to a Shopify store's inventory levels (Admin REST API), and the channel target built on it.

Wire format (JSON), as Shopify's Admin API 2024-10 defines it::

    POST /admin/api/2024-10/inventory_levels/set.json
         {"location_id": 655441491, "inventory_item_id": 808950810, "available": 42}
         -> {"inventory_level": {"inventory_item_id": ..., "location_id": ..., "available": 42, "updated_at": ...}}

Authentication is the ``X-Shopify-Access-Token`` header. Setting a level is absolute, not a delta,
so sending the same figure twice is harmless and a retry never double-counts.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping

import httpx

from overture.connectors.http import ConnectorConfig, HttpConnector
from overture.services.ports.connector_errors import ConnectorError

log = logging.getLogger(__name__)

API_VERSION = "2024-10"
SET_LEVEL_PATH = f"/admin/api/{API_VERSION}/inventory_levels/set.json"


class ShopifyInventoryConnector(HttpConnector):
    def __init__(
        self, config: ConnectorConfig, *, access_token: str = "", transport: httpx.AsyncBaseTransport | None = None
    ) -> None:
        headers = {"X-Shopify-Access-Token": access_token} if access_token else None
        super().__init__(config, transport=transport, headers=headers)

    async def set_level(self, *, inventory_item_id: int, location_id: int, available: int) -> int:
        """Set one item's available quantity at one location; returns the level Shopify now holds."""
        op = "inventory_levels_set"
        body = {"location_id": location_id, "inventory_item_id": inventory_item_id, "available": available}
        answer = await self._call("POST", SET_LEVEL_PATH, json=body, operation=op)
        level = answer.get("inventory_level")
        if not isinstance(level, dict) or not isinstance(level.get("available"), int):
            raise self._malformed(op, "answer lacks inventory_level.available")
        held: int = level["available"]
        return held


class ShopifyInventoryTarget:
    """The storefront as an availability channel: the SKUs it lists are those with an inventory item."""

    def __init__(
        self,
        connector: ShopifyInventoryConnector,
        *,
        location_id: int,
        inventory_items: Mapping[str, int],
        channel: str = "shopify",
        concurrency: int = 8,
    ) -> None:
        self.connector = connector
        self.location_id = location_id
        self.inventory_items = dict(inventory_items)  # our SKU -> Shopify inventory_item_id
        self._channel = channel
        self._concurrency = concurrency

    @property
    def channel(self) -> str:
        return self._channel

    def sells(self, sku: str) -> bool:
        return sku in self.inventory_items

    async def push(self, figures: Mapping[str, int]) -> set[str]:
        """Set every level, a few at a time; after the first failure the rest wait for the next pass,
        so a store that is down costs one failed call per pass rather than one per SKU."""
        gate = asyncio.Semaphore(self._concurrency)
        failed = asyncio.Event()
        delivered: set[str] = set()

        async def one(sku: str, units: int) -> None:
            async with gate:
                if failed.is_set():
                    return
                try:
                    item = self.inventory_items[sku]
                    await self.connector.set_level(
                        inventory_item_id=item, location_id=self.location_id, available=units
                    )
                except ConnectorError as error:
                    if not failed.is_set():
                        log.warning("availability of %s not delivered to %s: %s", sku, self.channel, error)
                    failed.set()
                    return
                delivered.add(sku)

        await asyncio.gather(*(one(sku, units) for sku, units in figures.items()))
        return delivered
