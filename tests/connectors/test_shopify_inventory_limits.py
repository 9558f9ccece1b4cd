"""The REST inventory call paced by Shopify's REST bucket (X-Shopify-Shop-Api-Call-Limit) and a 429's
Retry-After waited out once, against an httpx.MockTransport."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from overture.connectors.http import ConnectorConfig
from overture.connectors.shopify_inventory import ShopifyInventoryConnector
from overture.services.ports.connector_errors import ThrottledError

LEVEL = {"inventory_level": {"inventory_item_id": 808950810, "location_id": 655441491, "available": 7}}


class Waits:
    def __init__(self) -> None:
        self.seen: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.seen.append(seconds)


def _connector(*answers: httpx.Response, waits: Waits) -> tuple[ShopifyInventoryConnector, list[httpx.Request]]:
    queue, seen = list(answers), []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return queue.pop(0)

    config = ConnectorConfig(name="shopify", base_url="https://shop.myshopify.com")
    return ShopifyInventoryConnector(config, transport=httpx.MockTransport(answer), sleep=waits), seen


def _set(connector: ShopifyInventoryConnector, times: int = 1) -> None:
    async def run() -> None:
        for _ in range(times):
            await connector.set_level(inventory_item_id=808950810, location_id=655441491, available=7)

    asyncio.run(run())


def test_a_nearly_full_bucket_holds_the_next_call_back() -> None:
    waits = Waits()
    full = {"X-Shopify-Shop-Api-Call-Limit": "40/40"}
    connector, seen = _connector(
        httpx.Response(200, json=LEVEL, headers=full), httpx.Response(200, json=LEVEL), waits=waits
    )
    _set(connector, times=2)
    assert len(seen) == 2
    # 40 of 40 used, 2 leak a second, 2 calls of headroom kept: about 1 s (the test's own time aside).
    assert len(waits.seen) == 1 and waits.seen[0] == pytest.approx(1.0, abs=0.1)


def test_a_bucket_with_room_does_not_wait() -> None:
    waits = Waits()
    some = {"X-Shopify-Shop-Api-Call-Limit": "12/40"}
    connector, _ = _connector(
        httpx.Response(200, json=LEVEL, headers=some), httpx.Response(200, json=LEVEL), waits=waits
    )
    _set(connector, times=2)
    assert waits.seen == []


def test_a_429_is_waited_out_once_then_sent_again() -> None:
    waits = Waits()
    connector, seen = _connector(
        httpx.Response(
            429, json={"errors": "Exceeded 2 calls per second for api client."}, headers={"Retry-After": "2.0"}
        ),
        httpx.Response(200, json=LEVEL),
        waits=waits,
    )
    _set(connector)
    assert len(seen) == 2 and waits.seen == [2.0]


def test_a_long_retry_after_is_left_to_the_next_pass() -> None:
    waits = Waits()
    connector, seen = _connector(httpx.Response(429, json={}, headers={"Retry-After": "60"}), waits=waits)
    with pytest.raises(ThrottledError) as caught:
        _set(connector)
    assert caught.value.retry_after == 60.0 and len(seen) == 1 and waits.seen == []
