"""Connector to a Shopify store's inventory levels (Admin REST API), and the channel target built on it.

Wire format (JSON), as Shopify's Admin API 2024-10 defines it::

    POST /admin/api/2024-10/inventory_levels/set.json
         {"location_id": 655441491, "inventory_item_id": 808950810, "available": 42}
         -> {"inventory_level": {"inventory_item_id": ..., "location_id": ..., "available": 42, "updated_at": ...}}

Authentication is the ``X-Shopify-Access-Token`` header. Setting a level is absolute, not a delta,
so sending the same figure twice is harmless and a retry never double-counts.

Shopify's REST limit is a leaky bucket per shop (40 calls, 2 leak a second on standard plans), stated on
every answer as ``X-Shopify-Shop-Api-Call-Limit: 32/40``: ``CallLimitTransport`` reads it and holds a
call back while the bucket is nearly full; a 429 anyway (its ``Retry-After``) is waited out once.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Mapping

import httpx

from overture.connectors.http import ConnectorConfig, HttpConnector, default_transport
from overture.domain.digits import is_digits
from overture.services.ports.connector_errors import ConnectorError, ThrottledError

log = logging.getLogger(__name__)

API_VERSION = "2024-10"
SET_LEVEL_PATH = f"/admin/api/{API_VERSION}/inventory_levels/set.json"
CALL_LIMIT_HEADER = "X-Shopify-Shop-Api-Call-Limit"
MAX_RETRY_AFTER_S = 10.0  # a longer Retry-After is the next pass's to wait, not this call's
Sleep = Callable[[float], Awaitable[None]]


class CallLimitTransport(httpx.AsyncBaseTransport):
    """Paces calls by the REST bucket Shopify states on each answer (``used/limit``), leaking at
    ``leak_per_s``: a call waits while fewer than ``headroom`` calls would be left."""

    def __init__(
        self,
        inner: httpx.AsyncBaseTransport,
        *,
        leak_per_s: float = 2.0,
        headroom: int = 2,
        sleep: Sleep = asyncio.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._inner = inner
        self._leak = leak_per_s
        self._headroom = headroom
        self._sleep = sleep
        self._clock = clock
        self._used = 0.0
        self._limit = 40.0
        self._seen_at = clock()
        self._stated = False  # paced only once Shopify has stated its bucket (a server that does not is not paced)

    def used_now(self) -> float:
        return max(0.0, self._used - (self._clock() - self._seen_at) * self._leak)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        # No lock (a connector may serve more than one event loop): concurrent calls may each wait and
        # overshoot a little, which Shopify's 429 and its Retry-After then settle.
        if self._stated:
            over = self.used_now() - (self._limit - self._headroom)
            if over > 0:
                await self._sleep(over / self._leak)
            self._used, self._seen_at = self.used_now() + 1, self._clock()
        response = await self._inner.handle_async_request(request)
        self._observe(response.headers.get(CALL_LIMIT_HEADER))
        return response

    def _observe(self, header: str | None) -> None:
        used, _, limit = (header or "").partition("/")
        if is_digits(used.strip()) and is_digits(limit.strip()):
            self._used, self._limit, self._seen_at = float(used), float(limit), self._clock()
            self._stated = True

    async def aclose(self) -> None:
        await self._inner.aclose()


class ShopifyInventoryConnector(HttpConnector):
    def __init__(
        self,
        config: ConnectorConfig,
        *,
        access_token: str = "",
        transport: httpx.AsyncBaseTransport | None = None,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        headers = {"X-Shopify-Access-Token": access_token} if access_token else None
        paced = CallLimitTransport(transport or default_transport(), sleep=sleep)
        super().__init__(config, transport=paced, headers=headers)
        self._sleep = sleep

    async def set_level(self, *, inventory_item_id: int, location_id: int, available: int) -> int:
        """Set one item's available quantity at one location; returns the level Shopify now holds."""
        op = "inventory_levels_set"
        body = {"location_id": location_id, "inventory_item_id": inventory_item_id, "available": available}
        try:
            answer = await self._call("POST", SET_LEVEL_PATH, json=body, operation=op)
        except ThrottledError as error:
            wait = error.retry_after if error.retry_after is not None else 2.0
            if wait > MAX_RETRY_AFTER_S:
                raise
            await self._sleep(wait)
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
