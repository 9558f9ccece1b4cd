"""The Walmart Marketplace Orders connector against its simulator over HTTP: client-credentials tokens with
Walmart's headers, cursor paging, acknowledge, ship and cancel once per line, and the failures."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterator
from datetime import UTC, datetime
from typing import Any, TypeVar

import httpx
import pytest

from overture.connectors.http import ConnectorConfig
from overture.connectors.walmart import Shipment, WalmartCredentials, WalmartOrdersConnector, WalmartTokens
from overture.services.ports.connector_errors import (
    ApiDriftError,
    PermanentConnectorError,
    RetryableConnectorError,
    ThrottledError,
)
from overture.simulators import SimulatorServer
from overture.simulators.walmart import Seller, create_walmart_app, seed_orders

SINCE = datetime(2025, 1, 1, tzinfo=UTC)
SEEDED = seed_orders(5)
PO = SEEDED[0]["purchaseOrderId"]
T = TypeVar("T")


@pytest.fixture
def walmart() -> Iterator[SimulatorServer]:
    with SimulatorServer(create_walmart_app(orders=SEEDED)) as server:
        yield server


def run(url: str, scenario: Callable[[WalmartOrdersConnector], Awaitable[T]], *, secret: str | None = None) -> T:
    seller = Seller()
    credentials = WalmartCredentials(seller.client_id, secret or seller.client_secret)

    async def main() -> T:
        tokens = WalmartTokens(ConnectorConfig("walmart-token", url), credentials)
        async with WalmartOrdersConnector(ConnectorConfig("walmart", url), tokens=tokens) as connector:
            return await scenario(connector)

    return asyncio.run(main())


def records(url: str) -> dict[str, Any]:
    answer: dict[str, Any] = httpx.get(f"{url}/_records").json()
    return answer


def stats(url: str) -> dict[str, Any]:
    answer: dict[str, Any] = httpx.get(f"{url}/_stats").json()
    return answer


def fault(url: str, **spec: Any) -> None:
    httpx.post(f"{url}/_faults", json=spec).raise_for_status()


def statuses(url: str, po: str) -> list[str]:
    [order] = [o for o in records(url)["orders"] if o["purchaseOrderId"] == po]
    return [line["orderLineStatuses"]["orderLineStatus"][0]["status"] for line in order["orderLines"]["orderLine"]]


SHIPMENT = Shipment(lines=(("1", 1), ("2", 2)), carrier="UPS", tracking_number="1ZWM0001", method_code="Standard")


def test_orders_are_listed_through_every_cursor_with_one_token(walmart: SimulatorServer) -> None:
    async def scenario(connector: WalmartOrdersConnector) -> list[str]:
        return [o["purchaseOrderId"] async for o in connector.iter_orders(SINCE, limit=2)]

    assert run(walmart.url, scenario) == [o["purchaseOrderId"] for o in SEEDED]
    assert stats(walmart.url)["getAllOrders"]["calls"] == 3 and stats(walmart.url)["token"]["calls"] == 1


def test_a_revoked_token_is_renewed_once(walmart: SimulatorServer) -> None:
    async def scenario(connector: WalmartOrdersConnector) -> str:
        await connector.get_order(PO)
        httpx.post(f"{walmart.url}/_wm/expire").raise_for_status()
        return str((await connector.get_order(PO))["purchaseOrderId"])

    assert run(walmart.url, scenario) == PO
    assert stats(walmart.url)["token"]["calls"] == 2


def test_bad_client_credentials_are_refused_with_walmarts_words(walmart: SimulatorServer) -> None:
    with pytest.raises(PermanentConnectorError, match="invalid_client") as caught:
        run(walmart.url, lambda c: c.get_order(PO), secret="wrong")
    assert caught.value.status == 401


def test_an_order_is_acknowledged_then_shipped_once_however_often_it_is_sent(walmart: SimulatorServer) -> None:
    async def scenario(connector: WalmartOrdersConnector) -> list[bool]:
        await connector.acknowledge(PO)
        first = await connector.ship(PO, SHIPMENT)
        again = await connector.ship(PO, SHIPMENT)  # a retry after a lost answer
        return [first is not None, again is not None]

    assert run(walmart.url, scenario) == [True, False]
    assert statuses(walmart.url, PO) == ["Shipped", "Shipped"]
    [sent] = records(walmart.url)["requests"]
    line = sent["orderShipment"]["orderLines"]["orderLine"][1]
    status = line["orderLineStatuses"]["orderLineStatus"][0]
    assert (line["lineNumber"], status["statusQuantity"]) == ("2", {"unitOfMeasurement": "EACH", "amount": "2"})
    assert status["trackingInfo"]["carrierName"] == {"carrier": "UPS"}
    assert status["trackingInfo"]["trackingNumber"] == "1ZWM0001"


def test_a_line_is_cancelled_with_walmarts_reason_and_a_shipped_one_is_left_alone(walmart: SimulatorServer) -> None:
    po = SEEDED[1]["purchaseOrderId"]
    one_line = Shipment(lines=(("1", 1),), carrier="FedEx", tracking_number="7712")

    async def scenario(connector: WalmartOrdersConnector) -> None:
        await connector.ship(po, one_line)
        await connector.cancel(po, {"1": 1, "2": 2}, reason="CUSTOMER_REQUESTED_SELLER_TO_CANCEL")

    run(walmart.url, scenario)
    assert statuses(walmart.url, po) == ["Shipped", "Cancelled"]
    cancelled = records(walmart.url)["requests"][1]["orderCancellation"]["orderLines"]["orderLine"]
    assert [line["lineNumber"] for line in cancelled] == ["2"]


def test_an_unknown_order_is_refused_with_walmarts_error_code(walmart: SimulatorServer) -> None:
    with pytest.raises(PermanentConnectorError, match=r"CONTENT_NOT_FOUND\.GMP_ORDER_API") as caught:
        run(walmart.url, lambda c: c.get_order("999"))
    assert caught.value.status == 404


def test_a_429_is_throttled_with_its_retry_after_and_a_5xx_is_retryable(walmart: SimulatorServer) -> None:
    fault(walmart.url, operation="getAnOrder", fail_first=1, status=429, retry_after=12)
    with pytest.raises(ThrottledError) as throttled:
        run(walmart.url, lambda c: c.get_order(PO))
    assert throttled.value.retry_after == 12.0
    fault(walmart.url, operation="getAnOrder", fail_first=1, status=500)
    with pytest.raises(RetryableConnectorError) as failed:
        run(walmart.url, lambda c: c.get_order(PO))
    assert failed.value.status == 500


def test_a_drifted_listing_is_api_drift_with_the_raw_answer(walmart: SimulatorServer) -> None:
    fault(walmart.url, operation="getAllOrders", rename_fields={"elements": "items"})

    async def scenario(connector: WalmartOrdersConnector) -> list[Any]:
        return [o async for o in connector.iter_orders(SINCE)]

    with pytest.raises(ApiDriftError) as caught:
        run(walmart.url, scenario)
    assert "list.elements: missing" in caught.value.problems and '"items"' in caught.value.raw
