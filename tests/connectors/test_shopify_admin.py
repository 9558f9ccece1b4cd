"""Shopify fulfilments through the Admin GraphQL API, against the Shopify simulator (in process, over
ASGI): tracking for the shipped lines, one fulfilment however often a send is retried, cost throttling,
and every failure mapped to the error a caller can act on."""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Callable, Coroutine
from typing import Any, ParamSpec

import httpx
import pytest
from fastapi import FastAPI

from overture.connectors.http import ConnectorConfig
from overture.connectors.shopify_admin import ShopifyFulfilments
from overture.connectors.shopify_graphql import CostBucket, ShopifyGraphql, ThrottleStatus
from overture.services.ports.channel_fulfilment import ConfirmationOutcome, ShipmentConfirmation, ShippedUnits
from overture.services.ports.connector_errors import (
    ApiDriftError,
    PermanentConnectorError,
    RetryableConnectorError,
    ThrottledError,
)
from overture.simulators.common import FaultSpec
from overture.simulators.shopify import create_shopify_app
from overture.simulators.shopify_admin import ShopifyAdmin

P = ParamSpec("P")
TOKEN = "shpat_test"
ORDER = 450789469
LINES = [
    {"id": 466157049, "sku": "IPOD2008GREEN", "quantity": 2, "variant_id": 39072856},
    {"id": 518995019, "sku": "IPOD2008RED", "quantity": 1, "variant_id": 49148385},
    {"id": 703073504, "sku": "", "quantity": 1, "variant_id": 457924702},  # no SKU at Shopify
]


def synchronous(test: Callable[P, Coroutine[Any, Any, None]]) -> Callable[P, None]:
    """Run an async test body on its own event loop (the suite has no asyncio plugin)."""

    @functools.wraps(test)
    def run(*args: P.args, **kwargs: P.kwargs) -> None:
        asyncio.run(test(*args, **kwargs))

    return run


class Recorder:
    """Stands in for asyncio.sleep: remembers each wait (and lets no real time pass unless ``real``)."""

    def __init__(self, *, real: bool = False) -> None:
        self.waits: list[float] = []
        self._real = real  # wait for real (the simulator's bucket refills by the clock)

    async def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)
        if self._real:
            await asyncio.sleep(seconds)


@pytest.fixture
def admin() -> ShopifyAdmin:
    shop = ShopifyAdmin(access_token=TOKEN)
    shop.add_order(ORDER, LINES)
    return shop


def fulfilments_for(
    admin: ShopifyAdmin, *, token: str = TOKEN, sleep: Recorder | None = None, app: FastAPI | None = None
) -> ShopifyFulfilments:
    recorder = sleep or Recorder()
    graphql = ShopifyGraphql(
        ConnectorConfig(name="shopify_admin", base_url="http://shop", timeout_s=2.0),
        access_token=token,
        api_version="2025-01",
        sleep=recorder,
        bucket=CostBucket(sleep=recorder),
        transport=httpx.ASGITransport(app=app or create_shopify_app(admin=admin)),
    )
    return ShopifyFulfilments(graphql)


def shipped(*lines: tuple[str, int], tracking: str = "1Z999AA10123456784") -> ShipmentConfirmation:
    return ShipmentConfirmation(
        channel="shopify",
        order_id="ord-1",
        channel_order_id=str(ORDER),
        shipment_id="SHP-1",
        carrier="ups",
        tracking_number=tracking,
        lines=tuple(ShippedUnits(n, sku, q) for n, (sku, q) in enumerate(lines, start=1)),
    )


@synchronous
async def test_a_shipment_becomes_a_fulfilment_of_its_lines_with_its_tracking(admin: ShopifyAdmin) -> None:
    port = fulfilments_for(admin)
    result = await port.confirm_shipment(shipped(("IPOD2008GREEN", 2), ("shopify:variant:457924702", 1)))
    assert result.outcome is ConfirmationOutcome.CREATED
    assert result.reference.startswith("gid://shopify/Fulfillment/")
    [made] = admin.fulfilled(ORDER)
    assert made.tracking == {"company": "UPS", "number": "1Z999AA10123456784", "url": None}
    assert made.notify_customer is True
    fo_items = {i.sku or str(i.variant_id): i for i in admin.orders[ORDER][0].items}
    assert made.units == {fo_items["IPOD2008GREEN"].id: 2, fo_items["457924702"].id: 1}
    assert fo_items["IPOD2008RED"].remaining == 1  # not shipped, still open at Shopify


@synchronous
async def test_a_send_retried_after_a_lost_answer_makes_no_second_fulfilment(admin: ShopifyAdmin) -> None:
    port = fulfilments_for(admin)
    admin.lose["fulfillment_create"] = 1  # Shopify creates it, the answer never arrives
    with pytest.raises(RetryableConnectorError):
        await port.confirm_shipment(shipped(("IPOD2008GREEN", 2)))
    assert len(admin.fulfilled(ORDER)) == 1
    again = await port.confirm_shipment(shipped(("IPOD2008GREEN", 2)))
    assert again.outcome is ConfirmationOutcome.ALREADY_CONFIRMED
    assert again.reference == f"gid://shopify/Fulfillment/{admin.fulfilled(ORDER)[0].id}"
    assert len(admin.fulfilled(ORDER)) == 1


@synchronous
async def test_units_no_longer_open_at_shopify_are_not_fulfilled_twice(admin: ShopifyAdmin) -> None:
    port = fulfilments_for(admin)
    await port.confirm_shipment(shipped(("IPOD2008RED", 1), tracking="T-1"))
    # The merchant's own second shipment of the same unit, under another tracking number: nothing is left.
    result = await port.confirm_shipment(shipped(("IPOD2008RED", 1), tracking="T-2"))
    assert result.outcome is ConfirmationOutcome.NOTHING_TO_CONFIRM
    assert [f.tracking["number"] for f in admin.fulfilled(ORDER)] == ["T-1"]


@synchronous
async def test_a_call_the_bucket_cannot_pay_for_waits_for_the_refill(admin: ShopifyAdmin) -> None:
    sleep = Recorder()
    port = fulfilments_for(admin, sleep=sleep)
    await port.confirm_shipment(shipped(("IPOD2008RED", 1), tracking="T-1"))
    # Shopify said how much the order query asks (25 points); now its bucket holds 5, refilling 50 a second.
    port.graphql.bucket.observe(_status(5.0))
    await port.confirm_shipment(shipped(("IPOD2008GREEN", 1), tracking="T-2"))
    assert sleep.waits and sleep.waits[0] == pytest.approx((25.0 - 5.0) / 50.0, abs=0.05)


def _status(available: float) -> ThrottleStatus:
    return ThrottleStatus.model_validate(
        {"maximumAvailable": 1000.0, "currentlyAvailable": available, "restoreRate": 50.0}
    )


@synchronous
async def test_a_throttled_answer_is_waited_out_and_retried(admin: ShopifyAdmin) -> None:
    sleep = Recorder(real=True)
    port = fulfilments_for(admin, sleep=sleep)
    # Our side believes the bucket is full; Shopify's is empty, refilling 100 points a second.
    admin.bucket = type(admin.bucket)(maximum=100.0, restore_rate=100.0, available=0.0)
    result = await port.confirm_shipment(shipped(("IPOD2008GREEN", 2)))
    assert result.outcome is ConfirmationOutcome.CREATED
    assert port.graphql.stats.throttled >= 1
    assert sleep.waits[0] == pytest.approx(25.0 / 100.0, abs=0.05)  # the order query's cost, refilled


@synchronous
async def test_throttled_past_the_retries_raises_throttled_with_the_refill_time(admin: ShopifyAdmin) -> None:
    sleep = Recorder()
    port = fulfilments_for(admin, sleep=sleep)
    admin.bucket = type(admin.bucket)(maximum=100.0, restore_rate=0.0001, available=0.0)
    with pytest.raises(ThrottledError) as caught:
        await port.confirm_shipment(shipped(("IPOD2008GREEN", 2)))
    assert caught.value.retry_after is not None and caught.value.retry_after > 1000
    assert len(sleep.waits) == 3  # max_throttled_retries
    assert admin.fulfilled(ORDER) == []


@synchronous
async def test_a_5xx_is_retryable_and_creates_nothing(admin: ShopifyAdmin) -> None:
    app = create_shopify_app(admin=admin)
    port = fulfilments_for(admin, app=app)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://shop") as control:
        await control.post("/_faults", json={"operation": "order_fulfilments", "fail_first": 1, "status": 503})
    with pytest.raises(RetryableConnectorError) as caught:
        await port.confirm_shipment(shipped(("IPOD2008GREEN", 2)))
    assert caught.value.status == 503
    assert admin.fulfilled(ORDER) == []
    assert (await port.confirm_shipment(shipped(("IPOD2008GREEN", 2)))).outcome is ConfirmationOutcome.CREATED


@synchronous
async def test_a_wrong_token_is_a_permanent_401(admin: ShopifyAdmin) -> None:
    port = fulfilments_for(admin, token="shpat_wrong")
    with pytest.raises(PermanentConnectorError) as caught:
        await port.confirm_shipment(shipped(("IPOD2008GREEN", 2)))
    assert caught.value.status == 401
    assert "Invalid API key or access token" in str(caught.value)
    assert not isinstance(caught.value, RetryableConnectorError)


@synchronous
async def test_a_drifted_answer_raises_api_drift_with_the_raw_answer(admin: ShopifyAdmin) -> None:
    app = create_shopify_app(admin=admin)
    app.state.core.faults.set(
        FaultSpec(operation="order_fulfilments", rename_fields={"remainingQuantity": "remainingQty"})
    )
    port = fulfilments_for(admin, app=app)
    with pytest.raises(ApiDriftError) as caught:
        await port.confirm_shipment(shipped(("IPOD2008GREEN", 2)))
    assert any("remainingQuantity: missing" in p for p in caught.value.problems)
    assert '"remainingQty": 2' in caught.value.raw
    assert admin.fulfilled(ORDER) == []


@synchronous
async def test_user_errors_are_a_refusal_naming_the_field(admin: ShopifyAdmin) -> None:
    port = fulfilments_for(admin)
    fulfillment = {
        "lineItemsByFulfillmentOrder": [{"fulfillmentOrderId": "gid://shopify/FulfillmentOrder/1"}],
        "trackingInfo": {"number": "X"},
    }
    with pytest.raises(PermanentConnectorError) as caught:
        await port.create(fulfillment)
    assert "fulfillment.lineItemsByFulfillmentOrder.0.fulfillmentOrderId" in str(caught.value)


@synchronous
async def test_an_order_the_store_does_not_have_is_permanent(admin: ShopifyAdmin) -> None:
    port = fulfilments_for(admin)
    confirmation = ShipmentConfirmation("shopify", "ord-2", "999", "SHP-2", "ups", "T", (ShippedUnits(1, "A", 1),))
    with pytest.raises(PermanentConnectorError, match="no order gid://shopify/Order/999"):
        await port.confirm_shipment(confirmation)
