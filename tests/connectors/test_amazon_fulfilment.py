"""Amazon shipment confirmations (connectors/amazon_fulfilment.py) against the SP-API simulator over HTTP:
what confirmShipment carries, a repeat after a lost answer confirms nothing twice, partial shipments, a
throttled confirmation waits its turn, and orders Amazon will not take a confirmation for."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from overture.connectors.amazon import AmazonLimits, AmazonOrdersConnector, OperationLimit
from overture.connectors.amazon_fulfilment import AmazonShipmentConfirmer
from overture.connectors.http import ConnectorConfig
from overture.services.ports.channel_fulfilment import ConfirmationOutcome, ConfirmationResult, ShipmentConfirmation
from overture.services.ports.channel_fulfilment import ShippedUnits as Units
from overture.services.ports.connector_errors import PermanentConnectorError
from overture.simulators import SimulatorServer
from overture.simulators.amazon import create_amazon_app

FAST = OperationLimit(1000, 1000)
LIMITS = AmazonLimits(FAST, FAST, FAST, FAST, FAST, FAST)
TOKEN = "Atza|confirm"
SHIPPED_AT = datetime(2026, 12, 1, 15, 30, tzinfo=UTC)
MARKET = "ATVPDKIKX0DER"


def entry(order_id: str, status: str = "Unshipped", **quantities: int) -> dict[str, Any]:
    order = {
        "AmazonOrderId": order_id,
        "PurchaseDate": "2026-11-30T10:00:00Z",
        "LastUpdateDate": "2026-11-30T10:00:00Z",
        "OrderStatus": status,
        "MarketplaceId": MARKET,
        "FulfillmentChannel": "MFN",
    }
    items = [
        {"OrderItemId": f"{order_id}-{n}", "SellerSKU": sku, "QuantityOrdered": q, "QuantityShipped": 0}
        for n, (sku, q) in enumerate(quantities.items())
    ]
    return {"order": order, "items": items}


@pytest.fixture
def amazon() -> Iterator[SimulatorServer]:
    orders = [entry("111-1", A=2, B=1), entry("111-2", A=3), entry("111-3", "Canceled", A=1)]
    with SimulatorServer(create_amazon_app(orders=orders, access_token=TOKEN)) as server:
        yield server


def confirmation(
    order_id: str, *lines: tuple[str, int], carrier: str = "UPS", shipment: str = "shp_1"
) -> ShipmentConfirmation:
    units = tuple(Units(n, sku, quantity) for n, (sku, quantity) in enumerate(lines, start=1))
    return ShipmentConfirmation("amazon", "ord_" + order_id, order_id, shipment, carrier, "1Z999", units)


def send(url: str, *confirmations: ShipmentConfirmation) -> list[ConfirmationResult]:
    async def scenario() -> list[ConfirmationResult]:
        config = ConnectorConfig("amazon", url)
        async with AmazonOrdersConnector(config, access_token=TOKEN, limits=LIMITS) as connector:
            confirmer = AmazonShipmentConfirmer(connector, clock=lambda: SHIPPED_AT)
            return [await confirmer.confirm_shipment(c) for c in confirmations]

    return asyncio.run(scenario())


def held(url: str) -> dict[str, Any]:
    records: dict[str, Any] = httpx.get(f"{url}/_records", timeout=5).json()
    return records


def test_a_shipment_is_confirmed_with_amazons_item_ids_and_carrier_code(amazon: SimulatorServer) -> None:
    (result,) = send(amazon.url, confirmation("111-1", ("A", 2), ("B", 1)))

    assert result.outcome is ConfirmationOutcome.CREATED
    records = held(amazon.url)
    (sent,) = records["confirmations"]
    assert sent["marketplaceId"] == MARKET
    package = sent["packageDetail"]
    assert (package["carrierCode"], package["trackingNumber"], package["packageReferenceId"]) == (
        "UPS",
        "1Z999",
        "shp_1",
    )
    assert package["shipDate"] == "2026-12-01T15:30:00Z" and "carrierName" not in package
    assert package["orderItems"] == [
        {"orderItemId": "111-1-0", "quantity": 2},
        {"orderItemId": "111-1-1", "quantity": 1},
    ]
    order = next(e for e in records["orders"] if e["order"]["AmazonOrderId"] == "111-1")
    assert order["order"]["OrderStatus"] == "Shipped"


def test_a_repeat_after_a_lost_answer_confirms_nothing_twice(amazon: SimulatorServer) -> None:
    first, again = send(
        amazon.url, confirmation("111-1", ("A", 2), ("B", 1)), confirmation("111-1", ("A", 2), ("B", 1))
    )

    assert (first.outcome, again.outcome) == (ConfirmationOutcome.CREATED, ConfirmationOutcome.ALREADY_CONFIRMED)
    assert len(held(amazon.url)["confirmations"]) == 1


def test_partial_shipments_confirm_what_each_package_holds(amazon: SimulatorServer) -> None:
    results = send(
        amazon.url,
        confirmation("111-2", ("A", 1), shipment="shp_a", carrier="Ontrac"),
        confirmation("111-2", ("A", 2), shipment="shp_b", carrier="Acme Freight"),
        confirmation("111-2", ("A", 2), shipment="shp_b", carrier="Acme Freight"),  # the second one, repeated
    )

    assert [r.outcome for r in results] == ["created", "created", "already_confirmed"]
    first, second = held(amazon.url)["confirmations"]
    assert first["packageDetail"]["orderItems"] == [{"orderItemId": "111-2-0", "quantity": 1}]
    assert first["packageDetail"]["carrierCode"] == "OnTrac"
    assert (second["packageDetail"]["carrierCode"], second["packageDetail"]["carrierName"]) == ("Other", "Acme Freight")


def test_a_cancelled_order_is_refused_by_name(amazon: SimulatorServer) -> None:
    with pytest.raises(PermanentConnectorError, match="order 111-3 is Canceled at Amazon"):
        send(amazon.url, confirmation("111-3", ("A", 1)))
    assert held(amazon.url)["confirmations"] == []


def test_a_throttled_confirmation_is_sent_once_its_wait_is_over(amazon: SimulatorServer) -> None:
    fault = {"operation": "confirmShipment", "fail_first": 1, "status": 429, "retry_after": 0}
    httpx.post(f"{amazon.url}/_faults", json=fault, timeout=5).raise_for_status()

    (result,) = send(amazon.url, confirmation("111-1", ("A", 2), ("B", 1)))

    assert result.outcome is ConfirmationOutcome.CREATED
    stats = httpx.get(f"{amazon.url}/_stats", timeout=5).json()
    assert (stats["confirmShipment"]["calls"], stats["confirmShipment"]["faulted"]) == (2, 1)
