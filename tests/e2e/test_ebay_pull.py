"""eBay orders pulled from its simulator (over HTTP) into a real store, on SQLite and PostgreSQL: paid,
unshipped orders are captured once with their totals to the cent, the others skipped by reason, a second
pull imports nothing, and a shipment is confirmed to eBay once by the worker's loop as runtime.py wires it."""

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
import sqlalchemy as sa
from pydantic import SecretStr
from typer.testing import CliRunner

from overture.bootstrap import Container
from overture.channels.wms import translate_shipment
from overture.cli import app as cli
from overture.cli.ebay import ebay_connector, pull_ebay_orders
from overture.config import Settings
from overture.outside import channel_fulfilments
from overture.services.channel_fulfilment import Sent, send_owed
from overture.services.fulfilment import receive_shipment
from overture.services.marketplace_pull import PullReport
from overture.services.ports import InboundMessage
from overture.simulators import SimulatorServer
from overture.simulators.ebay import EbayAuthority, create_ebay_app
from overture.simulators.ebay_state import DEFAULT_SKUS, seed_orders
from overture.store.channel_fulfilment import SqlOwedConfirmations
from overture.store.migrate import upgrade
from overture.store.tables import idempotency_keys, inbound_messages
from tests.factories import add_locations, add_skus, stock

SINCE = datetime(2025, 1, 1, tzinfo=UTC)
SEEDED = seed_orders(6)
SHIPPED = SEEDED[3]


def unpaid() -> dict[str, Any]:
    order = seed_orders(1, start=datetime(2025, 4, 1, tzinfo=UTC))[0]
    order.update(orderId="30-00001-00000", orderPaymentStatus="PENDING")
    return order


@pytest.fixture
def ebay() -> Iterator[SimulatorServer]:
    with SimulatorServer(create_ebay_app(orders=[*SEEDED, unpaid()])) as server:
        yield server


def stocked(container: Container) -> None:
    add_locations(container, ["EWR", "LAX"])
    add_skus(container, *DEFAULT_SKUS)
    for sku in DEFAULT_SKUS:
        stock(container, sku, "EWR", 100)
        stock(container, sku, "LAX", 100)


def settings_for(container: Container, url: str) -> Settings:
    authority = EbayAuthority()
    return container.settings.model_copy(
        update={
            "ebay_api_url": url,
            "ebay_client_id": authority.client_id,
            "ebay_client_secret": SecretStr(authority.client_secret),
            "ebay_refresh_token": SecretStr(authority.refresh_token),
        }
    )


def pull(container: Container, url: str) -> PullReport:
    async def scenario() -> PullReport:
        async with ebay_connector(settings_for(container, url)) as connector:
            return await pull_ebay_orders(
                connector, since=SINCE, uow_factory=container.uow, geocoder=container.geocoder, clock=container.clock
            )

    return asyncio.run(scenario())


def stored(container: Container) -> dict[str, dict[str, Any]]:
    rows = container.views.orders(status=None, channel="ebay", external_id=None, after=None, limit=100)
    return {row["external_id"]: row for row in rows}


def test_paid_orders_are_captured_once_to_the_cent_and_a_second_pull_imports_nothing(
    container: Container, ebay: SimulatorServer
) -> None:
    stocked(container)
    ids = [o["orderId"] for o in SEEDED]

    first = pull(container, ebay.url)

    assert sorted(o.external_id for o in first.imported) == sorted(ids)
    assert all(o.status != "on_hold" for o in first.imported)
    assert first.skipped == {"awaiting_payment": ["30-00001-00000"]} and first.rejected == []
    orders = stored(container)
    assert sorted(orders) == sorted(ids)
    for order in SEEDED:
        assert Decimal(orders[order["orderId"]]["total"]) == Decimal(order["pricingSummary"]["total"]["value"])
    detail = container.views.order(orders[SHIPPED["orderId"]]["id"])
    assert detail is not None
    assert {"system": "ebay", "kind": "buyer_username", "value": "buyer-3"} in detail["references"]
    with container.engine.connect() as connection:
        body = connection.execute(
            sa.select(inbound_messages.c.body).where(inbound_messages.c.id == detail["raw_message_id"])
        ).scalar()
    assert json.loads(body)["orderId"] == SHIPPED["orderId"]  # the order as eBay sent it

    second = pull(container, ebay.url)

    assert second.imported == [] and sorted(second.already_imported) == sorted(ids)
    assert len(stored(container)) == len(ids)
    with container.engine.connect() as connection:
        keys = set(connection.execute(sa.select(idempotency_keys.c.key)).scalars())
    assert keys == {f"ebay:{i}" for i in ids}


def test_the_shipment_of_an_ebay_order_is_confirmed_to_ebay_once(container: Container, ebay: SimulatorServer) -> None:
    stocked(container)
    pull(container, ebay.url)
    order_id = stored(container)[SHIPPED["orderId"]]["id"]
    lines = [{"line_no": n, "sku": i["sku"], "quantity": i["quantity"]} for n, i in enumerate(SHIPPED["lineItems"], 1)]
    detail = container.views.order(order_id)
    assert detail is not None
    notice = {
        "shipment_id": "SHP-EB-1",
        "order_id": order_id,
        "location_id": detail["reservations"][0]["location_id"],
        "carrier": "UPS",
        "tracking_number": "1Z EBAY 0001",
        "shipped_at": "2026-12-07T10:00:00+00:00",
        "lines": lines,
    }
    receive_shipment(
        container.uow,
        InboundMessage("wms", json.dumps(notice).encode(), datetime.now(UTC)),
        translate_shipment,
        clock=container.clock,
    )

    first, second = send(container, ebay.url), send(container, ebay.url)

    assert [s.outcome for s in first] == ["created"] and second == []
    [made] = httpx.get(f"{ebay.url}/_records").json()["fulfillments"][SHIPPED["orderId"]]
    assert made["shipmentTrackingNumber"] == "1ZEBAY0001" and made["shippingCarrierCode"] == "UPS"
    assert sum(x["quantity"] for x in made["lineItems"]) == sum(i["quantity"] for i in SHIPPED["lineItems"])
    assert httpx.get(f"{ebay.url}/_stats").json()["createShippingFulfillment"]["calls"] == 1
    detail = container.views.order(order_id)
    assert detail is not None
    assert {"system": "ebay", "kind": "fulfillment_id", "value": "1ZEBAY0001"} in detail["references"]


def send(container: Container, url: str) -> list[Sent]:
    async def scenario() -> list[Sent]:
        fulfilments = channel_fulfilments(settings_for(container, url))
        try:
            owed = SqlOwedConfirmations(container.engine)
            return await send_owed(container.uow, owed, fulfilments, clock=container.clock)
        finally:
            await fulfilments.aclose()

    return asyncio.run(scenario())


def test_the_cli_pulls_into_the_configured_store_and_a_rerun_imports_nothing(
    tmp_path: Path, ebay: SimulatorServer
) -> None:
    authority = EbayAuthority()
    env = {
        "OVERTURE_HOME": str(tmp_path),
        "OVERTURE_DATABASE_URL": "",
        "OVERTURE_EBAY_API_URL": ebay.url,
        "OVERTURE_EBAY_CLIENT_ID": authority.client_id,
        "OVERTURE_EBAY_CLIENT_SECRET": authority.client_secret,
        "OVERTURE_EBAY_REFRESH_TOKEN": authority.refresh_token,
    }
    upgrade(f"sqlite:///{tmp_path / 'overture.db'}")
    runner = CliRunner()

    first = runner.invoke(cli, ["ebay", "pull", "--since", "2025-01-01"], env=env)
    assert first.exit_code == 0, first.output
    # No SKUs in this fresh store: the orders are imported, on hold for unknown SKUs.
    assert "7 orders seen: 6 imported (6 on hold), 0 already imported, 0 rejected" in first.output
    assert "skipped 1 (awaiting_payment): 30-00001-00000" in first.output

    again = runner.invoke(cli, ["ebay", "pull", "--since", "2025-01-01"], env=env)
    assert again.exit_code == 0, again.output
    assert "7 orders seen: 0 imported (0 on hold), 6 already imported" in again.output


def test_the_cli_refuses_to_run_unconfigured(tmp_path: Path) -> None:
    env = {"OVERTURE_HOME": str(tmp_path), "OVERTURE_EBAY_CLIENT_ID": "", "OVERTURE_EBAY_REFRESH_TOKEN": ""}
    unconfigured = CliRunner().invoke(cli, ["ebay", "pull", "--since", "2025-01-01"], env=env)
    assert unconfigured.exit_code == 2 and "OVERTURE_EBAY_CLIENT_ID" in unconfigured.output
