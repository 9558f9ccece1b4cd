"""The ChannelAdvisor connector against the simulator over HTTP: OAuth tokens, OData paging, export state,
quantities per distribution center, prices, shipping once, and the failures (429, 5xx, drift, refusals)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any, TypeVar

import httpx
import pytest

from overture.connectors.channeladvisor import ChannelAdvisorConnector
from overture.connectors.channeladvisor_auth import CaCredentials, CaTokens
from overture.connectors.channeladvisor_fulfilment import ChannelAdvisorShipments
from overture.connectors.channeladvisor_inventory import ChannelAdvisorStock
from overture.connectors.http import ConnectorConfig
from overture.services.ports.channel_fulfilment import ConfirmationOutcome, ShipmentConfirmation, ShippedUnits
from overture.services.ports.connector_errors import (
    ApiDriftError,
    PermanentConnectorError,
    RetryableConnectorError,
    ThrottledError,
)
from overture.simulators import SimulatorServer
from overture.simulators.channeladvisor import CaAuthority, create_channeladvisor_app
from overture.simulators.channeladvisor_state import seed_orders

SINCE = datetime(2025, 1, 1, tzinfo=UTC)
SEEDED = seed_orders(9)
T = TypeVar("T")


@pytest.fixture
def ca() -> Iterator[SimulatorServer]:
    with SimulatorServer(create_channeladvisor_app(orders=SEEDED, page_size=4)) as server:
        yield server


@asynccontextmanager
async def connected(url: str, *, refresh_token: str | None = None) -> AsyncIterator[ChannelAdvisorConnector]:
    authority = CaAuthority()
    credentials = CaCredentials(
        authority.application_id, authority.shared_secret, refresh_token or authority.refresh_token
    )
    tokens = CaTokens(ConnectorConfig("channeladvisor-oauth", url), credentials)
    async with tokens, ChannelAdvisorConnector(ConnectorConfig("channeladvisor", url), tokens=tokens) as connector:
        yield connector


def run(url: str, scenario: Callable[[ChannelAdvisorConnector], Awaitable[T]], **options: Any) -> T:
    async def main() -> T:
        async with connected(url, **options) as connector:
            return await scenario(connector)

    return asyncio.run(main())


async def listed(connector: ChannelAdvisorConnector) -> list[dict[str, Any]]:
    return [order async for order in connector.iter_unexported_orders(SINCE)]


def records(url: str) -> dict[str, Any]:
    answer: dict[str, Any] = httpx.get(f"{url}/_records").json()
    return answer


def stats(url: str) -> dict[str, Any]:
    answer: dict[str, Any] = httpx.get(f"{url}/_stats").json()
    return answer


def fault(url: str, **spec: Any) -> None:
    httpx.post(f"{url}/_faults", json=spec).raise_for_status()


def confirmation(
    order: dict[str, Any], *, shipment_id: str = "shp-1", tracking: str = "1ZCA0001"
) -> ShipmentConfirmation:
    lines = tuple(ShippedUnits(n, item["Sku"], item["Quantity"]) for n, item in enumerate(order["Items"], start=1))
    return ShipmentConfirmation(
        channel="channeladvisor",
        order_id="ord-1",
        channel_order_id=str(order["ID"]),
        shipment_id=shipment_id,
        carrier="UPS",
        tracking_number=tracking,
        lines=lines,
    )


# ---- tokens -----------------------------------------------------------------------------------------


def test_a_token_is_fetched_once_reused_and_renewed_once_after_a_401(ca: SimulatorServer) -> None:
    async def scenario(connector: ChannelAdvisorConnector) -> list[int]:
        await connector.get_order("4001")
        await connector.get_order("4002")
        exchanges = [ca.app.state.authority.exchanges]
        httpx.post(f"{ca.url}/_ca/expire").raise_for_status()  # every access token revoked, as a re-authorisation does
        await connector.get_order("4003")
        return [*exchanges, ca.app.state.authority.exchanges]

    assert run(ca.url, scenario) == [1, 2]
    assert stats(ca.url)["getOrder"]["calls"] == 4  # 2, then the refused one and its retry


def test_a_refused_refresh_token_is_a_permanent_error_naming_the_grant(ca: SimulatorServer) -> None:
    with pytest.raises(PermanentConnectorError, match="invalid_grant") as caught:
        run(ca.url, lambda c: c.get_order("4001"), refresh_token="revoked")
    assert caught.value.status == 400 and "refresh token" in caught.value.message


# ---- orders -------------------------------------------------------------------------------------------


def test_every_page_is_read_through_the_next_link(ca: SimulatorServer) -> None:
    orders = run(ca.url, listed)

    assert [o["ID"] for o in orders] == [o["ID"] for o in SEEDED]
    assert stats(ca.url)["getOrders"]["calls"] == 3  # 4 + 4 + 1
    assert all(o["Items"] and "Promotions" in o["Items"][0] for o in orders)  # expanded as asked
    assert {o["SiteName"] for o in orders} == {
        "Walmart Marketplace",
        "eBay Fixed Price US",
        "Amazon Seller Central - US",
    }


def test_an_order_marked_exported_is_left_out_of_the_next_listing_and_marking_again_is_harmless(
    ca: SimulatorServer,
) -> None:
    async def scenario(connector: ChannelAdvisorConnector) -> list[int]:
        await connector.mark_exported("4002")
        await connector.mark_exported("4002")
        return [o["ID"] for o in await listed(connector)]

    remaining = run(ca.url, scenario)

    assert 4002 not in remaining and len(remaining) == len(SEEDED) - 1
    assert records(ca.url)["exported"] == [4002]


def test_an_unknown_order_is_refused_with_channeladvisors_own_message(ca: SimulatorServer) -> None:
    with pytest.raises(PermanentConnectorError) as caught:
        run(ca.url, lambda c: c.get_order("9999"))
    assert caught.value.status == 404 and "No order with ID 9999 exists" in str(caught.value)


# ---- products -------------------------------------------------------------------------------------------


def test_quantities_go_per_distribution_center_and_the_product_id_is_looked_up_once(ca: SimulatorServer) -> None:
    async def scenario(connector: ChannelAdvisorConnector) -> list[dict[int, int]]:
        stock = ChannelAdvisorStock(connector, distribution_centers={"EWR": 0, "LAX": 12})
        first = await stock.set_quantities("CA-1002", {"EWR": 5, "LAX": 7, "ORD": 3})
        second = await stock.set_quantities("CA-1002", {"EWR": 4})
        return [first, second]

    assert run(ca.url, scenario) == [{0: 5, 12: 7}, {0: 4}]
    product = records(ca.url)["products"]["CA-1002"]
    assert product["DCQuantities"] == {
        "0": {"Quantity": 4, "UpdateType": "InStock"},
        "12": {"Quantity": 7, "UpdateType": "InStock"},
    }
    assert stats(ca.url)["getProducts"]["calls"] == 1 and stats(ca.url)["updateQuantity"]["calls"] == 2


def test_a_price_is_sent_as_an_exact_decimal(ca: SimulatorServer) -> None:
    async def scenario(connector: ChannelAdvisorConnector) -> None:
        await ChannelAdvisorStock(connector, distribution_centers={}).set_price("CA-1003", Decimal("24.95"))

    run(ca.url, scenario)

    assert records(ca.url)["products"]["CA-1003"]["BuyItNowPrice"] == 24.95
    raw = httpx.get(f"{ca.url}/_records").text
    assert '"BuyItNowPrice": 24.95' in raw


def test_an_unknown_sku_is_refused_by_name(ca: SimulatorServer) -> None:
    with pytest.raises(PermanentConnectorError, match="NOPE"):
        run(ca.url, lambda c: c.product_id("NOPE"))


# ---- shipping ---------------------------------------------------------------------------------------------


def test_a_shipment_is_confirmed_once_however_often_it_is_sent(ca: SimulatorServer) -> None:
    order = SEEDED[0]

    async def scenario(connector: ChannelAdvisorConnector) -> list[ConfirmationOutcome]:
        shipments = ChannelAdvisorShipments(connector)
        first = await shipments.confirm_shipment(confirmation(order))
        again = await shipments.confirm_shipment(confirmation(order))  # a retry after a lost answer
        return [first.outcome, again.outcome]

    assert run(ca.url, scenario) == [ConfirmationOutcome.CREATED, ConfirmationOutcome.ALREADY_CONFIRMED]
    [shipped] = records(ca.url)["shipments"]
    assert shipped["order_id"] == order["ID"] and shipped["TrackingNumber"] == "1ZCA0001"
    assert (shipped["ShippingCarrier"], shipped["ShippingClass"], shipped["DeliveryStatus"]) == (
        "UPS",
        "Ground",
        "Complete",
    )
    assert shipped["SellerFulfillmentID"] == "shp-1" and shipped["DistributionCenterID"] == 0
    assert stats(ca.url)["shipOrder"]["calls"] == 1


def test_a_failed_ship_call_is_retryable_and_the_retry_ships_once(ca: SimulatorServer) -> None:
    fault(ca.url, operation="shipOrder", fail_first=1, status=503)
    order = SEEDED[1]

    async def scenario(connector: ChannelAdvisorConnector) -> ConfirmationOutcome:
        shipments = ChannelAdvisorShipments(connector)
        with pytest.raises(RetryableConnectorError):
            await shipments.confirm_shipment(confirmation(order))
        return (await shipments.confirm_shipment(confirmation(order))).outcome

    assert run(ca.url, scenario) is ConfirmationOutcome.CREATED
    assert len(records(ca.url)["shipments"]) == 1


def test_part_of_an_order_is_refused_rather_than_the_whole_order_marked_shipped(ca: SimulatorServer) -> None:
    order = SEEDED[1]  # two items
    partial = confirmation(order)
    partial = ShipmentConfirmation(**{**partial.payload(), "lines": partial.lines[:1]})  # type: ignore[arg-type]

    with pytest.raises(PermanentConnectorError, match="by hand"):
        run(ca.url, lambda c: ChannelAdvisorShipments(c).confirm_shipment(partial))
    assert records(ca.url)["shipments"] == []


# ---- failures ---------------------------------------------------------------------------------------------


def test_a_429_is_a_throttled_error_with_channeladvisors_retry_after(ca: SimulatorServer) -> None:
    fault(ca.url, operation="getOrders", fail_first=1, status=429, retry_after=7)
    with pytest.raises(ThrottledError) as caught:
        run(ca.url, listed)
    assert caught.value.retry_after == 7.0 and caught.value.status == 429


def test_a_5xx_is_retryable(ca: SimulatorServer) -> None:
    fault(ca.url, operation="getOrder", fail_first=1, status=502)
    with pytest.raises(RetryableConnectorError) as caught:
        run(ca.url, lambda c: c.get_order("4001"))
    assert caught.value.status == 502 and not isinstance(caught.value, ThrottledError)


def test_a_drifted_listing_is_api_drift_with_the_raw_answer(ca: SimulatorServer) -> None:
    fault(ca.url, operation="getOrders", rename_fields={"ShippingStatus": "ShipStatus"})
    with pytest.raises(ApiDriftError) as caught:
        run(ca.url, listed)
    assert "value.0.ShippingStatus: missing" in caught.value.problems
    assert '"ShipStatus": "Unshipped"' in caught.value.raw


def test_a_drifted_token_answer_is_api_drift(ca: SimulatorServer) -> None:
    fault(ca.url, operation="oauth2_token", rename_fields={"access_token": "token"})
    with pytest.raises(ApiDriftError) as caught:
        run(ca.url, lambda c: c.get_order("4001"))
    assert "access_token: missing" in caught.value.problems and '"token"' in caught.value.raw
