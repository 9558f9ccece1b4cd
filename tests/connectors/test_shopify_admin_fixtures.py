"""Recorded Shopify Admin API answers (tests/fixtures/shopify_admin/PROVENANCE.md) read through the
connector's contracts, served by an httpx.MockTransport: each must read as Shopify means it."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import httpx
import pytest

from overture.connectors.http import ConnectorConfig
from overture.connectors.shopify_admin import CREATE_FULFILMENT, CreateData, ShopifyFulfilments
from overture.connectors.shopify_graphql import Answer, CostBucket, ShopifyGraphql
from overture.services.ports.connector_errors import PermanentConnectorError, ThrottledError

FIXTURES = Path(__file__).parents[1] / "fixtures" / "shopify_admin"


def _raw(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


class Waits:
    def __init__(self) -> None:
        self.seen: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.seen.append(seconds)


def _graphql(*answers: tuple[int, bytes], waits: Waits | None = None, retries: int = 3) -> ShopifyGraphql:
    queue = list(answers)

    def answer(request: httpx.Request) -> httpx.Response:
        assert request.url.path == "/admin/api/2025-01/graphql.json"
        assert request.headers["X-Shopify-Access-Token"] == "shpat_x"
        status, content = queue.pop(0)
        return httpx.Response(status, content=content, headers={"Content-Type": "application/json"})

    sleep = waits or Waits()
    return ShopifyGraphql(
        ConnectorConfig(name="shopify_admin", base_url="https://shop.myshopify.com"),
        access_token="shpat_x",
        max_throttled_retries=retries,
        bucket=CostBucket(sleep=sleep),
        sleep=sleep,
        transport=httpx.MockTransport(answer),
    )


def test_every_recorded_graphql_answer_reads_as_an_answer() -> None:
    for name in ("graphql_query_error.json", "throttled.json", "fulfillment_create.json"):
        read = Answer[CreateData].model_validate(json.loads(_raw(name)))
        assert read.extensions is not None and read.extensions.cost is not None, name


def test_a_recorded_fulfilment_reads_as_created_and_its_cost_is_kept() -> None:
    graphql = _graphql((200, _raw("fulfillment_create.json")))
    port = ShopifyFulfilments(graphql)
    created = asyncio.run(port.create({"lineItemsByFulfillmentOrder": []}))
    assert created.id == "gid://shopify/Fulfillment/${FULFILLMENT_ID}" and created.status == "SUCCESS"
    assert graphql.bucket.maximum == 2000.0 and graphql.bucket.restore_rate == 100.0
    assert graphql.bucket.available == pytest.approx(1990, abs=5)


def test_a_recorded_throttled_answer_waits_for_its_cost_then_gives_up_with_the_refill_time() -> None:
    waits = Waits()
    graphql = _graphql((200, _raw("throttled.json")), (200, _raw("throttled.json")), waits=waits, retries=1)
    with pytest.raises(ThrottledError) as caught:
        asyncio.run(graphql.execute(CreateData, "mutation {}", {}, operation=CREATE_FULFILMENT))
    # 752 asked, 666 available, 50 a second back: (752 - 666) / 50 = 1.72 s before the retry.
    assert waits.seen == [pytest.approx(1.72, abs=0.05)]
    assert caught.value.retry_after == pytest.approx(1.72, abs=0.05)
    assert graphql.stats.throttled == 2


def test_a_recorded_query_error_is_a_permanent_error_with_shopify_s_message() -> None:
    graphql = _graphql((200, _raw("graphql_query_error.json")))
    with pytest.raises(PermanentConnectorError, match="you must provide one of first or last"):
        asyncio.run(graphql.execute(CreateData, "query {}", {}, operation="products"))


def test_the_recorded_401_is_permanent_and_keeps_shopify_s_words() -> None:
    graphql = _graphql((401, _raw("unauthorized.json")))
    with pytest.raises(PermanentConnectorError) as caught:
        asyncio.run(graphql.execute(CreateData, "query {}", {}, operation="products"))
    assert caught.value.status == 401 and "Invalid API key or access token" in str(caught.value)
