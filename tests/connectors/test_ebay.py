"""The eBay connector against the simulator over HTTP: OAuth tokens, paging through ``next``, which orders
are skipped and why, a shipping fulfillment made once however often it is sent, and the failures (429, 5xx,
drift, refusals)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Any, TypeVar

import httpx
import pytest

from overture.connectors.ebay import EbayConnector
from overture.connectors.ebay_auth import EbayCredentials, EbayTokens
from overture.connectors.ebay_fulfilment import EbayShipments
from overture.connectors.ebay_source import EbayOrderSource
from overture.connectors.http import ConnectorConfig
from overture.services.ports.channel_fulfilment import ConfirmationOutcome, ShipmentConfirmation, ShippedUnits
from overture.services.ports.connector_errors import (
    ApiDriftError,
    PermanentConnectorError,
    RetryableConnectorError,
    ThrottledError,
)
from overture.simulators import SimulatorServer
from overture.simulators.ebay import EbayAuthority, create_ebay_app
from overture.simulators.ebay_state import seed_orders

SINCE = datetime(2025, 1, 1, tzinfo=UTC)
SEEDED = seed_orders(5)
T = TypeVar("T")


def with_state(n: int, **changes: Any) -> dict[str, Any]:
    order = seed_orders(1, start=datetime(2025, 4, 1, tzinfo=UTC))[0]
    order["orderId"] = f"20-{n:05d}-00000"
    order.update(changes)
    return order


SKIPPED = [
    with_state(1, orderPaymentStatus="PENDING"),
    with_state(2, orderPaymentStatus="FAILED"),
    with_state(3, orderFulfillmentStatus="IN_PROGRESS"),
    with_state(4, cancelStatus={"cancelState": "CANCELED", "cancelRequests": []}),
    with_state(5, orderFulfillmentStatus="FULFILLED"),  # left out of the listing by its filter
]


@pytest.fixture
def ebay() -> Iterator[SimulatorServer]:
    with SimulatorServer(create_ebay_app(orders=[*SEEDED, *SKIPPED])) as server:
        yield server


@asynccontextmanager
async def connected(
    url: str, *, refresh_token: str | None = None, timeout_s: float = 5.0
) -> AsyncIterator[EbayConnector]:
    authority = EbayAuthority()
    credentials = EbayCredentials(
        authority.client_id, authority.client_secret, refresh_token or authority.refresh_token
    )
    tokens = EbayTokens(ConnectorConfig("ebay-oauth", url), credentials)
    config = ConnectorConfig("ebay", url, timeout_s=timeout_s)
    async with tokens, EbayConnector(config, tokens=tokens) as connector:
        yield connector


def run(url: str, scenario: Callable[[EbayConnector], Awaitable[T]], **options: Any) -> T:
    async def main() -> T:
        async with connected(url, **options) as connector:
            return await scenario(connector)

    return asyncio.run(main())


async def listed(connector: EbayConnector) -> list[dict[str, Any]]:
    return [order async for order in connector.iter_orders(SINCE)]


def get(url: str, path: str) -> dict[str, Any]:
    answer: dict[str, Any] = httpx.get(f"{url}{path}").json()
    return answer


def fault(url: str, **spec: Any) -> None:
    httpx.post(f"{url}/_faults", json=spec).raise_for_status()


def confirmation(order: dict[str, Any], *, tracking: str = "1Z-EB-0001") -> ShipmentConfirmation:
    lines = tuple(ShippedUnits(n, i["sku"], i["quantity"]) for n, i in enumerate(order["lineItems"], start=1))
    return ShipmentConfirmation(
        channel="ebay",
        order_id="ord-1",
        channel_order_id=order["orderId"],
        shipment_id="shp-1",
        carrier="UPS",
        tracking_number=tracking,
        lines=lines,
    )


# ---- tokens -----------------------------------------------------------------------------------------


def test_a_token_is_fetched_once_reused_and_renewed_once_after_a_401(ebay: SimulatorServer) -> None:
    order_id = SEEDED[0]["orderId"]

    async def scenario(connector: EbayConnector) -> list[int]:
        await connector.get_order(order_id)
        await connector.get_order(order_id)
        exchanges = [ebay.app.state.authority.exchanges]
        httpx.post(f"{ebay.url}/_ebay/expire").raise_for_status()  # every access token revoked
        await connector.get_order(order_id)
        return [*exchanges, ebay.app.state.authority.exchanges]

    assert run(ebay.url, scenario) == [1, 2]
    assert get(ebay.url, "/_stats")["getOrder"]["calls"] == 4  # 2, then the refused one and its retry


def test_a_refused_refresh_token_is_a_permanent_error_with_ebays_words(ebay: SimulatorServer) -> None:
    with pytest.raises(PermanentConnectorError, match="invalid_grant") as caught:
        run(ebay.url, lambda c: c.get_order(SEEDED[0]["orderId"]), refresh_token="v^1.1#revoked")
    assert caught.value.status == 400 and "consent flow" in caught.value.message


# ---- orders -------------------------------------------------------------------------------------------


def test_every_page_is_read_through_next_and_the_fulfilled_are_left_out_by_the_filter() -> None:
    many = seed_orders(120)
    with SimulatorServer(create_ebay_app(orders=many)) as server:
        orders = run(server.url, listed)
        assert [o["orderId"] for o in orders] == [o["orderId"] for o in many]
        assert get(server.url, "/_stats")["getOrders"]["calls"] == 3  # 50 + 50 + 20


def test_orders_not_paid_or_already_shipping_are_skipped_with_their_reason(ebay: SimulatorServer) -> None:
    async def scenario(connector: EbayConnector) -> dict[str, str | None]:
        source = EbayOrderSource(connector, channel="ebay")
        return {listed.external_id: listed.skip_reason async for listed in source.orders_since(SINCE)}

    reasons = run(ebay.url, scenario)

    assert {k: v for k, v in reasons.items() if v} == {
        "20-00001-00000": "awaiting_payment",
        "20-00002-00000": "payment_failed",
        "20-00003-00000": "already_shipping",
        "20-00004-00000": "canceled",
    }
    assert [k for k, v in reasons.items() if v is None] == [o["orderId"] for o in SEEDED]


def test_an_unknown_order_is_refused_with_ebays_error(ebay: SimulatorServer) -> None:
    with pytest.raises(PermanentConnectorError) as caught:
        run(ebay.url, lambda c: c.get_order("99-99999-99999"))
    assert caught.value.status == 404 and "32100 Invalid order ID: 99-99999-99999" in str(caught.value)


# ---- shipping fulfillment -------------------------------------------------------------------------------


def test_a_shipment_is_confirmed_once_however_often_it_is_sent(ebay: SimulatorServer) -> None:
    order = SEEDED[1]

    async def scenario(connector: EbayConnector) -> list[tuple[ConfirmationOutcome, str]]:
        shipments = EbayShipments(connector)
        first = await shipments.confirm_shipment(confirmation(order))
        again = await shipments.confirm_shipment(confirmation(order))  # a retry after a lost answer
        return [(first.outcome, first.reference), (again.outcome, again.reference)]

    assert run(ebay.url, scenario) == [
        (ConfirmationOutcome.CREATED, "1ZEB0001"),
        (ConfirmationOutcome.ALREADY_CONFIRMED, "1ZEB0001"),
    ]
    [made] = get(ebay.url, "/_records")["fulfillments"][order["orderId"]]
    assert (made["shippingCarrierCode"], made["shipmentTrackingNumber"]) == ("UPS", "1ZEB0001")
    assert made["lineItems"] == [{"lineItemId": i["lineItemId"], "quantity": i["quantity"]} for i in order["lineItems"]]
    assert get(ebay.url, "/_stats")["createShippingFulfillment"]["calls"] == 1


def test_a_send_whose_answer_was_lost_is_retried_without_a_second_fulfillment(ebay: SimulatorServer) -> None:
    order = SEEDED[0]
    fault(ebay.url, operation="createShippingFulfillment", delay_s=1.0)  # answers after the client gave up

    async def scenario(connector: EbayConnector) -> ConfirmationOutcome:
        shipments = EbayShipments(connector)
        with pytest.raises(RetryableConnectorError):
            await shipments.confirm_shipment(confirmation(order))
        deadline = time.monotonic() + 5
        while order["orderId"] not in get(ebay.url, "/_records")["fulfillments"] and time.monotonic() < deadline:
            await asyncio.sleep(0.05)  # eBay made it anyway
        return (await shipments.confirm_shipment(confirmation(order))).outcome

    assert run(ebay.url, scenario, timeout_s=0.3) is ConfirmationOutcome.ALREADY_CONFIRMED
    assert len(get(ebay.url, "/_records")["fulfillments"][order["orderId"]]) == 1


def test_a_second_package_takes_only_the_units_still_open(ebay: SimulatorServer) -> None:
    order = SEEDED[1]  # two line items
    first, second = confirmation(order, tracking="TRACKA"), confirmation(order, tracking="TRACKB")
    first = ShipmentConfirmation(**{**first.payload(), "lines": first.lines[:1]})  # type: ignore[arg-type]

    async def scenario(connector: EbayConnector) -> list[ConfirmationOutcome]:
        shipments = EbayShipments(connector)
        outcomes = [
            (await shipments.confirm_shipment(first)).outcome,
            (await shipments.confirm_shipment(second)).outcome,
        ]
        third = confirmation(order, tracking="TRACKC")
        return [*outcomes, (await shipments.confirm_shipment(third)).outcome]

    assert run(ebay.url, scenario) == [
        ConfirmationOutcome.CREATED,
        ConfirmationOutcome.CREATED,
        ConfirmationOutcome.NOTHING_TO_CONFIRM,
    ]
    made = get(ebay.url, "/_records")["fulfillments"][order["orderId"]]
    assert [[x["lineItemId"] for x in f["lineItems"]] for f in made] == [
        [order["lineItems"][0]["lineItemId"]],
        [order["lineItems"][1]["lineItemId"]],
    ]
    assert get(ebay.url, "/_records")["orders"][1]["orderFulfillmentStatus"] == "FULFILLED"


def test_a_cancelled_order_is_refused_by_name(ebay: SimulatorServer) -> None:
    with pytest.raises(PermanentConnectorError, match="cancelled at eBay"):
        run(ebay.url, lambda c: EbayShipments(c).confirm_shipment(confirmation(SKIPPED[3])))
    assert get(ebay.url, "/_records")["fulfillments"] == {}


# ---- failures ---------------------------------------------------------------------------------------------


def test_a_429_is_a_throttled_error_with_ebays_retry_after(ebay: SimulatorServer) -> None:
    fault(ebay.url, operation="getOrders", fail_first=1, status=429, retry_after=7)
    with pytest.raises(ThrottledError) as caught:
        run(ebay.url, listed)
    assert caught.value.retry_after == 7.0 and caught.value.status == 429


def test_a_5xx_is_retryable_and_the_retry_goes_through(ebay: SimulatorServer) -> None:
    fault(ebay.url, operation="createShippingFulfillment", fail_first=1, status=503)
    order = SEEDED[2]

    async def scenario(connector: EbayConnector) -> ConfirmationOutcome:
        shipments = EbayShipments(connector)
        with pytest.raises(RetryableConnectorError) as caught:
            await shipments.confirm_shipment(confirmation(order))
        assert caught.value.status == 503 and not isinstance(caught.value, ThrottledError)
        return (await shipments.confirm_shipment(confirmation(order))).outcome

    assert run(ebay.url, scenario) is ConfirmationOutcome.CREATED
    assert len(get(ebay.url, "/_records")["fulfillments"][order["orderId"]]) == 1


def test_a_drifted_listing_is_api_drift_with_the_raw_answer(ebay: SimulatorServer) -> None:
    fault(ebay.url, operation="getOrders", rename_fields={"orderPaymentStatus": "paymentStatus"})
    with pytest.raises(ApiDriftError) as caught:
        run(ebay.url, listed)
    assert "orders.0.orderPaymentStatus: missing" in caught.value.problems
    assert '"paymentStatus": "PAID"' in caught.value.raw


def test_drifted_fulfillments_are_api_drift_and_nothing_is_shipped(ebay: SimulatorServer) -> None:
    fault(ebay.url, operation="getShippingFulfillments", rename_fields={"fulfillments": "shippingFulfillments"})
    with pytest.raises(ApiDriftError) as caught:
        run(ebay.url, lambda c: EbayShipments(c).confirm_shipment(confirmation(SEEDED[0])))
    assert "fulfillments: missing" in caught.value.problems
    assert get(ebay.url, "/_records")["fulfillments"] == {}


def test_a_drifted_token_answer_is_api_drift(ebay: SimulatorServer) -> None:
    fault(ebay.url, operation="oauth2_token", rename_fields={"access_token": "token"})
    with pytest.raises(ApiDriftError) as caught:
        run(ebay.url, lambda c: c.get_order(SEEDED[0]["orderId"]))
    assert "access_token: missing" in caught.value.problems and '"token"' in caught.value.raw
