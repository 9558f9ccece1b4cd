"""The Walmart Marketplace Orders connector against its simulator over HTTP: client-credentials tokens with
Walmart's headers, cursor paging, acknowledge, ship, cancel and refund once per line, and the failures."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable, Iterator
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any, TypeVar

import httpx
import pytest

from overture.connectors.http import ConnectorConfig
from overture.connectors.walmart import (
    Shipment,
    WalmartCredentials,
    WalmartOrdersConnector,
    WalmartRefused,
    WalmartTokens,
)
from overture.connectors.walmart_refund import Refund, RefundLine
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


# ---- refunds -------------------------------------------------------------------------------------------

REFUND = Refund(
    "settled:RMA-1",
    (RefundLine("1", "CustomerChangedMind", Decimal("19.99"), Decimal("1.60")),),
    comment="return RMA-1",
)


def shipped_first(connector: WalmartOrdersConnector) -> Awaitable[Any]:
    return connector.ship(PO, Shipment(lines=(("1", 1),), carrier="UPS", tracking_number="1ZWMR"))


def refunds_sent(url: str) -> list[dict[str, Any]]:
    """The refunds the simulator took, their amounts read as written on the wire (Decimal, not float)."""
    held: dict[str, Any] = json.loads(httpx.get(f"{url}/_records").content, parse_float=Decimal)
    return [r["orderRefund"] for r in held["requests"] if "orderRefund" in r]


def test_a_refund_is_sent_in_walmarts_shape_to_the_cent_and_once(walmart: SimulatorServer) -> None:
    async def scenario(connector: WalmartOrdersConnector) -> list[bool]:
        await shipped_first(connector)
        first = await connector.refund(PO, REFUND)
        again = await connector.refund(PO, REFUND)  # a retry after a lost answer
        return [first is not None, again is not None]

    assert run(walmart.url, scenario) == [True, False]
    [sent] = refunds_sent(walmart.url)
    [line] = sent["orderLines"]["orderLine"]
    [refund] = line["refunds"]["refund"]
    [charge] = refund["refundCharges"]["refundCharge"]
    assert (sent["purchaseOrderId"], line["lineNumber"], line["isFullRefund"]) == (PO, "1", False)
    assert refund["refundComments"] == "return RMA-1 [overture settled:RMA-1]"
    assert charge == {
        "refundReason": "CustomerChangedMind",
        "charge": {
            "chargeType": "PRODUCT",
            "chargeName": "ItemPrice",
            "chargeAmount": {"currency": "USD", "amount": Decimal("-19.99")},
            "tax": {"taxName": "Tax1", "taxAmount": {"currency": "USD", "amount": Decimal("-1.6")}},
        },
    }
    [order] = [o for o in records(walmart.url)["orders"] if o["purchaseOrderId"] == PO]
    assert "[overture settled:RMA-1]" in order["orderLines"]["orderLine"][0]["refund"]["refundComments"]


def test_a_refund_beyond_what_the_line_was_charged_is_refused_with_walmarts_body(walmart: SimulatorServer) -> None:
    too_much = Refund("incident:1", (RefundLine("1", "DamagedItem", Decimal("20.00")),))

    async def scenario(connector: WalmartOrdersConnector) -> None:
        await shipped_first(connector)
        await connector.refund(PO, too_much)

    with pytest.raises(WalmartRefused, match=r"INVALID_REQUEST_CONTENT\.GMP_ORDER_API") as caught:
        run(walmart.url, scenario)
    assert caught.value.status == 400 and caught.value.operation == "refundOrderLines"
    assert '"errors"' in caught.value.raw and "more than the 19.99 charged" in caught.value.raw
    assert refunds_sent(walmart.url) == []


def test_a_line_not_shipped_is_not_refunded(walmart: SimulatorServer) -> None:
    with pytest.raises(WalmartRefused, match="only a Shipped line can be refunded"):
        run(walmart.url, lambda c: c.refund(PO, REFUND))


def test_a_throttled_refund_says_when_to_retry_and_refunds_nothing(walmart: SimulatorServer) -> None:
    fault(walmart.url, operation="refundOrderLines", fail_first=1, status=429, retry_after=7)

    async def scenario(connector: WalmartOrdersConnector) -> bool:
        await shipped_first(connector)
        with pytest.raises(ThrottledError) as throttled:
            await connector.refund(PO, REFUND)
        assert throttled.value.retry_after == 7.0
        return await connector.refund(PO, REFUND) is not None  # the retry goes through, once

    assert run(walmart.url, scenario) is True
    assert len(refunds_sent(walmart.url)) == 1


def test_a_drifted_refund_answer_is_api_drift_and_the_retry_finds_the_refund(walmart: SimulatorServer) -> None:
    fault(walmart.url, operation="refundOrderLines", rename_fields={"orderLines": "lines"})

    async def scenario(connector: WalmartOrdersConnector) -> Any:
        await shipped_first(connector)
        with pytest.raises(ApiDriftError) as caught:
            await connector.refund(PO, REFUND)
        assert "order.orderLines: missing" in caught.value.problems and '"lines"' in caught.value.raw
        return await connector.refund(PO, REFUND)

    assert run(walmart.url, scenario) is None  # Walmart had refunded: nothing sent twice
    assert len(refunds_sent(walmart.url)) == 1


def test_a_lost_refund_answer_is_retryable_and_the_retry_sends_nothing(walmart: SimulatorServer) -> None:
    httpx.post(f"{walmart.url}/_wm/lose", json={"operation": "refundOrderLines"}).raise_for_status()

    async def scenario(connector: WalmartOrdersConnector) -> Any:
        await shipped_first(connector)
        with pytest.raises(RetryableConnectorError):
            await connector.refund(PO, REFUND)
        return await connector.refund(PO, REFUND)

    assert run(walmart.url, scenario) is None
    assert len(refunds_sent(walmart.url)) == 1


def test_an_amount_a_json_number_cannot_hold_exactly_is_not_sent() -> None:
    odd = Refund("k", (RefundLine("1", "BillingError", Decimal("0.10000000000000000001")),))
    with pytest.raises(ValueError, match="without changing it"):
        odd.body(PO)
