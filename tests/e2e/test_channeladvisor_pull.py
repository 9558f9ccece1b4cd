"""ChannelAdvisor orders pulled from its simulator (over HTTP) into a real store, on SQLite and PostgreSQL:
a Walmart order through ChannelAdvisor is captured once with its site as a reference and its total to the
cent, a second pull imports nothing, and its shipment is confirmed to ChannelAdvisor once by the worker's
loop as runtime.py wires it."""

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
from overture.cli.channeladvisor import pull_channeladvisor_orders
from overture.config import Settings
from overture.connectors.channeladvisor import ChannelAdvisorConnector
from overture.connectors.channeladvisor_auth import CaCredentials, CaTokens
from overture.connectors.http import ConnectorConfig
from overture.outside import channel_fulfilments
from overture.services.channel_fulfilment import Sent, send_owed
from overture.services.fulfilment import receive_shipment
from overture.services.marketplace_pull import PullReport
from overture.services.ports import InboundMessage
from overture.simulators import SimulatorServer
from overture.simulators.channeladvisor import CaAuthority, create_channeladvisor_app
from overture.simulators.channeladvisor_state import DEFAULT_SKUS, seed_orders
from overture.store.channel_fulfilment import SqlOwedConfirmations
from overture.store.migrate import upgrade
from overture.store.tables import idempotency_keys, inbound_messages
from tests.factories import add_locations, add_skus, stock

SINCE = datetime(2025, 1, 1, tzinfo=UTC)
SEEDED = seed_orders(7)  # Walmart, eBay, Amazon, Walmart, ... (simulators/channeladvisor_state.py)
WALMART = SEEDED[3]


def canceled() -> dict[str, Any]:
    order = seed_orders(1, first_id=4900)[0]
    order["ShippingStatus"] = "Canceled"
    return order


@pytest.fixture
def ca() -> Iterator[SimulatorServer]:
    app = create_channeladvisor_app(orders=[*SEEDED, canceled()], page_size=3)
    with SimulatorServer(app) as server:
        yield server


def stocked(container: Container) -> None:
    add_locations(container, ["EWR", "LAX"])
    add_skus(container, *DEFAULT_SKUS)
    for sku in DEFAULT_SKUS:
        stock(container, sku, "EWR", 100)
        stock(container, sku, "LAX", 100)


def settings_for(container: Container, url: str) -> Settings:
    authority = CaAuthority()
    return container.settings.model_copy(
        update={
            "channeladvisor_api_url": url,
            "channeladvisor_application_id": authority.application_id,
            "channeladvisor_shared_secret": SecretStr(authority.shared_secret),
            "channeladvisor_refresh_token": SecretStr(authority.refresh_token),
        }
    )


def pull(container: Container, url: str) -> PullReport:
    authority = CaAuthority()
    credentials = CaCredentials(authority.application_id, authority.shared_secret, authority.refresh_token)

    async def scenario() -> PullReport:
        tokens = CaTokens(ConnectorConfig("channeladvisor-oauth", url), credentials)
        async with ChannelAdvisorConnector(ConnectorConfig("channeladvisor", url), tokens=tokens) as connector:
            return await pull_channeladvisor_orders(
                connector, since=SINCE, uow_factory=container.uow, geocoder=container.geocoder, clock=container.clock
            )

    return asyncio.run(scenario())


def stored(container: Container) -> dict[str, dict[str, Any]]:
    rows = container.views.orders(status=None, channel="channeladvisor", external_id=None, after=None, limit=100)
    return {row["external_id"]: row for row in rows}


def test_a_walmart_order_through_channeladvisor_is_captured_once_and_a_second_pull_imports_nothing(
    container: Container, ca: SimulatorServer
) -> None:
    stocked(container)
    ids = [str(o["ID"]) for o in SEEDED]

    first = pull(container, ca.url)

    assert sorted(o.external_id for o in first.imported) == sorted(ids)
    assert first.skipped == {"canceled": ["4900"]} and first.rejected == [] and first.stopped_by is None
    orders = stored(container)
    assert sorted(orders) == sorted(ids)
    for order in SEEDED:
        assert Decimal(orders[str(order["ID"])]["total"]) == order["TotalPrice"]  # to the cent
    detail = container.views.order(orders[str(WALMART["ID"])]["id"])
    assert detail is not None
    assert {"system": "channeladvisor", "kind": "site_name", "value": "Walmart Marketplace"} in detail["references"]
    assert {"system": "channeladvisor", "kind": "site_order_id", "value": WALMART["SiteOrderID"]} in detail[
        "references"
    ]
    with container.engine.connect() as connection:
        body = connection.execute(
            sa.select(inbound_messages.c.body).where(inbound_messages.c.id == detail["raw_message_id"])
        ).scalar()
    assert json.loads(body)["SiteName"] == "Walmart Marketplace"  # the order as ChannelAdvisor sent it
    held = httpx.get(f"{ca.url}/_records").json()
    assert held["exported"] == sorted(int(i) for i in ids)  # the canceled one is left for ChannelAdvisor

    second = pull(container, ca.url)

    assert (second.imported, second.already_imported, second.rejected) == ([], [], [])
    assert second.skipped == {"canceled": ["4900"]}
    assert len(stored(container)) == len(ids)
    with container.engine.connect() as connection:
        keys = set(connection.execute(sa.select(idempotency_keys.c.key)).scalars())
    assert keys == {f"channeladvisor:{i}" for i in ids}


def test_an_order_whose_export_mark_was_lost_is_captured_once_and_marked_by_the_next_pull(
    container: Container, ca: SimulatorServer
) -> None:
    stocked(container)
    httpx.post(
        f"{ca.url}/_faults", json={"operation": "exportOrder", "fail_first": 1, "status": 503}
    ).raise_for_status()

    first = pull(container, ca.url)

    assert first.stopped_by is not None and "exportOrder" in first.stopped_by
    assert [o.external_id for o in first.imported] == [str(SEEDED[0]["ID"])]  # captured before the mark failed
    second = pull(container, ca.url)
    assert second.already_imported == [str(SEEDED[0]["ID"])]
    assert len(second.imported) == len(SEEDED) - 1 and second.stopped_by is None
    assert len(stored(container)) == len(SEEDED)


def test_the_shipment_of_a_walmart_order_is_confirmed_to_channeladvisor_once(
    container: Container, ca: SimulatorServer
) -> None:
    stocked(container)
    pull(container, ca.url)
    order_id = stored(container)[str(WALMART["ID"])]["id"]
    lines = [{"line_no": n, "sku": i["Sku"], "quantity": i["Quantity"]} for n, i in enumerate(WALMART["Items"], 1)]
    detail = container.views.order(order_id)
    assert detail is not None
    notice = {
        "shipment_id": "SHP-CA-1",
        "order_id": order_id,
        "location_id": detail["reservations"][0]["location_id"],
        "carrier": "UPS",
        "tracking_number": "1ZWALMART0001",
        "shipped_at": "2026-12-07T10:00:00+00:00",
        "lines": lines,
    }
    receive_shipment(
        container.uow,
        InboundMessage("wms", json.dumps(notice).encode(), datetime.now(UTC)),
        translate_shipment,
        clock=container.clock,
    )

    first, second = send(container, ca.url), send(container, ca.url)

    assert [s.outcome for s in first] == ["created"] and second == []
    [shipped] = httpx.get(f"{ca.url}/_records").json()["shipments"]
    assert shipped["order_id"] == WALMART["ID"] and shipped["TrackingNumber"] == "1ZWALMART0001"
    assert shipped["SellerFulfillmentID"] == "SHP-CA-1"


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
    tmp_path: Path, ca: SimulatorServer
) -> None:
    authority = CaAuthority()
    env = {
        "OVERTURE_HOME": str(tmp_path),
        "OVERTURE_DATABASE_URL": "",
        "OVERTURE_CHANNELADVISOR_API_URL": ca.url,
        "OVERTURE_CHANNELADVISOR_APPLICATION_ID": authority.application_id,
        "OVERTURE_CHANNELADVISOR_SHARED_SECRET": authority.shared_secret,
        "OVERTURE_CHANNELADVISOR_REFRESH_TOKEN": authority.refresh_token,
    }
    upgrade(f"sqlite:///{tmp_path / 'overture.db'}")
    runner = CliRunner()

    first = runner.invoke(cli, ["channeladvisor", "pull", "--since", "2025-01-01"], env=env)
    assert first.exit_code == 0, first.output
    # No SKUs in this fresh store: the orders are imported, on hold for unknown SKUs.
    assert "8 orders seen: 7 imported (7 on hold), 0 already imported, 0 rejected" in first.output
    assert "skipped 1 (canceled): 4900" in first.output

    again = runner.invoke(cli, ["channeladvisor", "pull", "--since", "2025-01-01"], env=env)
    assert again.exit_code == 0, again.output
    assert "1 orders seen: 0 imported (0 on hold), 0 already imported" in again.output


def test_the_cli_refuses_to_run_unconfigured(tmp_path: Path) -> None:
    env = {"OVERTURE_HOME": str(tmp_path), "OVERTURE_CHANNELADVISOR_REFRESH_TOKEN": ""}
    unconfigured = CliRunner().invoke(cli, ["channeladvisor", "pull", "--since", "2025-01-01"], env=env)
    assert unconfigured.exit_code == 2 and "OVERTURE_CHANNELADVISOR_APPLICATION_ID" in unconfigured.output
