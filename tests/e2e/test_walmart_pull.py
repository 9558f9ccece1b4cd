"""Walmart Marketplace directly (no ChannelAdvisor), against its simulator over HTTP into a real store on
SQLite and PostgreSQL: orders with open lines captured once and acknowledged, shipped and cancelled ones
skipped by reason, a second pull importing nothing, and a shipment confirmed to Walmart once with its
tracking (the worker's send, run twice)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest
from pydantic import SecretStr

from overture.bootstrap import Container
from overture.channels.wms import translate_shipment
from overture.cli.walmart import pull_walmart_orders, walmart_connector
from overture.config import Settings
from overture.outside import channel_fulfilments
from overture.services.channel_fulfilment import Sent, send_owed
from overture.services.fulfilment import receive_shipment
from overture.services.marketplace_pull import PullReport
from overture.services.ports import InboundMessage
from overture.simulators import SimulatorServer
from overture.simulators.walmart import Seller, create_walmart_app
from overture.store.channel_fulfilment import SqlOwedConfirmations
from tests.factories import add_locations, add_skus, stock

DOCUMENTED = Path(__file__).parents[1] / "channels" / "fixtures" / "walmart" / "get_all_orders.json"
CREATED, SHIPPED, CANCELLED = "1796277083022", "3796050123784", "3796235970012"


def documented_orders() -> list[dict[str, Any]]:
    orders = json.loads(DOCUMENTED.read_text())["list"]["elements"]["order"]
    wanted = {CREATED, SHIPPED, CANCELLED}
    # The documented orders are from 2019; dated now so a pull "since 2025" lists them.
    return [
        {**o, "orderDate": int(datetime(2026, 12, 1, tzinfo=UTC).timestamp() * 1000)}
        for o in orders
        if o["purchaseOrderId"] in wanted
    ]


@pytest.fixture
def walmart() -> Iterator[SimulatorServer]:
    with SimulatorServer(create_walmart_app(orders=documented_orders())) as server:
        yield server


def settings_for(container: Container, url: str) -> Settings:
    seller = Seller()
    update = {
        "walmart_api_url": url,
        "walmart_client_id": seller.client_id,
        "walmart_client_secret": SecretStr(seller.client_secret),
    }
    return container.settings.model_copy(update=update)


def pull(container: Container, url: str) -> PullReport:
    async def scenario() -> PullReport:
        async with walmart_connector(settings_for(container, url)) as connector:
            return await pull_walmart_orders(
                connector,
                since=datetime(2025, 1, 1, tzinfo=UTC),
                uow_factory=container.uow,
                geocoder=container.geocoder,
                clock=container.clock,
            )

    return asyncio.run(scenario())


def records(url: str) -> dict[str, Any]:
    found: dict[str, Any] = httpx.get(f"{url}/_records", timeout=5).json()
    return found


def test_open_orders_are_captured_once_and_acknowledged(container: Container, walmart: SimulatorServer) -> None:
    add_locations(container, ["EWR"])
    add_skus(container, "test1", "TEST-02")
    stock(container, "test1", "EWR", 5)

    first = pull(container, walmart.url)
    again = pull(container, walmart.url)

    assert [o.external_id for o in first.imported] == [CREATED]
    assert first.skipped == {"already_shipping": [SHIPPED], "cancelled": [CANCELLED]}
    assert (again.imported, again.already_imported) == ([], [CREATED])
    (order,) = container.views.orders(status=None, channel="walmart", external_id=None, after=None, limit=10)
    assert Decimal(order["total"]) == Decimal("10.80")  # 10.00 and its 0.80 tax, to the cent
    held = {o["purchaseOrderId"]: o for o in records(walmart.url)["orders"]}
    lines = held[CREATED]["orderLines"]["orderLine"]
    statuses = {s["status"] for line in lines for s in line["orderLineStatuses"]["orderLineStatus"]}
    assert statuses == {"Acknowledged"}  # acknowledged once captured, as Walmart asks


def test_a_shipment_is_confirmed_to_walmart_once_with_its_tracking(
    container: Container, walmart: SimulatorServer
) -> None:
    add_locations(container, ["EWR"])
    add_skus(container, "test1", "TEST-02")
    stock(container, "test1", "EWR", 5)
    pull(container, walmart.url)
    (order,) = container.views.orders(status=None, channel="walmart", external_id=None, after=None, limit=10)
    notice = {
        "shipment_id": "SHP-WM-1",
        "order_id": order["id"],
        "location_id": "EWR",
        "carrier": "FedEx",
        "tracking_number": "7946WALMART01",
        "shipped_at": "2026-12-07T10:00:00+00:00",
        "lines": [{"line_no": 1, "sku": "test1", "quantity": 1}],
    }
    receive_shipment(
        container.uow,
        InboundMessage("wms", json.dumps(notice).encode(), datetime.now(UTC)),
        translate_shipment,
        clock=container.clock,
    )

    def send() -> list[Sent]:
        async def scenario() -> list[Sent]:
            fulfilments = channel_fulfilments(settings_for(container, walmart.url))
            try:
                return await send_owed(
                    container.uow, SqlOwedConfirmations(container.engine), fulfilments, clock=container.clock
                )
            finally:
                await fulfilments.aclose()

        return asyncio.run(scenario())

    first, second = send(), send()

    assert [s.outcome for s in first] == ["created"] and second == []
    shipped = [r for r in records(walmart.url)["requests"] if "orderShipment" in r]
    assert len(shipped) == 1
    (line,) = shipped[0]["orderShipment"]["orderLines"]["orderLine"]
    tracking = line["orderLineStatuses"]["orderLineStatus"][0]["trackingInfo"]
    assert (line["lineNumber"], tracking["trackingNumber"], tracking["carrierName"]["carrier"]) == (
        "4",
        "7946WALMART01",
        "FedEx",
    )
