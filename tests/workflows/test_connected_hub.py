"""The connectors together, through a whole hub (real workflow engine and worker loops) on SQLite and
PostgreSQL: a Shopify order (signed webhook) becomes an Acumatica sales order, its release buys a label
from the carrier, the WMS ships under that label's tracking number, Shopify gets one fulfilment with it,
Acumatica gets the shipment confirmed and the invoice, and the tax the order carries in the money ledger
is committed to the tax engine as a SalesInvoice. Every outside system is its simulator over HTTP."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from pydantic import SecretStr

from overture.bootstrap import bootstrap
from overture.cli.amazon import amazon_connector, pull_amazon_orders
from overture.cli.channeladvisor import channeladvisor_connector, pull_channeladvisor_orders
from overture.config import Settings
from overture.outside import TaxAccess, acumatica_access
from overture.simulators.acumatica import create_acumatica_app
from overture.simulators.amazon import create_amazon_app
from overture.simulators.amazon_auth import LwaAuthority
from overture.simulators.amazon_seed import DEFAULT_SKUS, seed_orders
from overture.simulators.carrier import create_carrier_app
from overture.simulators.channeladvisor import CaAuthority, create_channeladvisor_app
from overture.simulators.channeladvisor_state import DEFAULT_SKUS as CA_SKUS
from overture.simulators.channeladvisor_state import seed_orders as ca_orders
from overture.simulators.server import SimulatorServer
from overture.simulators.shopify import create_shopify_app
from overture.simulators.shopify_admin import ShopifyAdmin
from overture.simulators.tax import create_tax_app
from tests.channels.storefront_files import fixture_bytes
from tests.e2e.test_storefront_webhooks import SHOPIFY
from tests.factories import add_locations, add_skus, stock
from tests.workflows.hub import Hub, running_hub
from tests.workflows.temporal_fixtures import TemporalEnv
from tests.workflows.test_shopify_both_ways import SHOPIFY_ORDER, TOKEN, _lines


@dataclass
class Connected:
    hub: Hub
    admin: ShopifyAdmin
    acumatica: SimulatorServer
    carrier: SimulatorServer
    avatax: SimulatorServer
    amazon: SimulatorServer
    channeladvisor: SimulatorServer


@pytest.fixture
def connected(temporal_env: TemporalEnv, task_queue: str, database_url: str, tmp_path: Path) -> Iterator[Connected]:
    admin = ShopifyAdmin(access_token=TOKEN)
    servers = [
        SimulatorServer(create_shopify_app(admin=admin)),
        SimulatorServer(create_acumatica_app(strict_items=False, max_sessions=8, require_shipment=True)),
        SimulatorServer(create_carrier_app()),
        SimulatorServer(create_tax_app()),
        SimulatorServer(create_amazon_app(orders=seed_orders(2), lwa=LwaAuthority(), restricted_addresses=True)),
        SimulatorServer(create_channeladvisor_app(orders=[ca_orders(1)[0]])),  # one Walmart Marketplace order
    ]
    for server in servers:
        server.start()
    shopify, acumatica, carrier, avatax, amazon, channeladvisor = servers
    ca = CaAuthority()
    settings = Settings(
        home=tmp_path,
        database_url=database_url,
        auth="off",
        shopify_webhook_secrets={SHOPIFY.source: SecretStr(SHOPIFY.secret)},
        shopify_admin_url=shopify.url,
        shopify_access_token=SecretStr(TOKEN),
        shopify_fulfilment_interval_s=0.2,
        erp_kind="acumatica",
        labels_on_release=True,
        amazon_sp_api_url=amazon.url,
        amazon_lwa_url=amazon.url,
        amazon_lwa_client_id=LwaAuthority().client_id,
        amazon_lwa_client_secret=SecretStr(LwaAuthority().client_secret),
        amazon_refresh_token=SecretStr(LwaAuthority().refresh_token),
        channeladvisor_api_url=channeladvisor.url,
        channeladvisor_application_id=ca.application_id,
        channeladvisor_shared_secret=SecretStr(ca.shared_secret),
        channeladvisor_refresh_token=SecretStr(ca.refresh_token),
    )
    container = bootstrap(settings, migrate=False)
    tax = TaxAccess(avatax.url, "2000000000", "simulator-licence", "DEFAULT")
    access = acumatica_access(settings, url=acumatica.url)
    try:
        with running_hub(
            temporal_env.client, task_queue, container, tax=tax, carrier_url=carrier.url, acumatica=access
        ) as hub:
            yield Connected(hub, admin, acumatica, carrier, avatax, amazon, channeladvisor)
    finally:
        container.close()
        for server in servers:
            server.stop()


def records(server: SimulatorServer, path: str = "/_records") -> Any:
    return httpx.get(f"{server.url}{path}", timeout=5).json()


def value(record: dict[str, Any], field: str) -> Any:
    slot = record.get(field)
    return slot.get("value") if isinstance(slot, dict) else slot


def test_a_shopify_order_runs_through_acumatica_the_carrier_shopify_and_the_tax_engine(connected: Connected) -> None:
    hub = connected.hub
    add_locations(hub.container, ["EWR"])
    add_skus(hub.container, *SHOPIFY.skus)
    for sku in SHOPIFY.skus:
        stock(hub.container, sku, "EWR", 20)
    connected.admin.add_order(SHOPIFY_ORDER, _lines())
    answer = SHOPIFY.post(hub.http, fixture_bytes(SHOPIFY.fixture), delivery="connected-create")
    assert answer.status_code == 201, answer.text
    order_id: str = answer.json()["order_id"]

    hub.wait_status(order_id, "completed", timeout_s=120)

    # The carrier sold one label; the WMS shipped under it and Shopify has one fulfilment with it.
    (label,) = records(connected.carrier)["labels"]
    [made] = connected.admin.fulfilled(SHOPIFY_ORDER)
    assert made.tracking["number"] == label["tracking_code"]
    # Acumatica: the sales order, its shipment confirmed, and the invoice, each once, all for this order.
    books = records(connected.acumatica)
    orders = [r for r in books["SalesOrder"] if value(r, "CustomerOrder") == order_id]
    assert len(orders) == 1
    sales_order = value(orders[0], "OrderNbr")
    assert [value(s, "Status") for s in books["Shipment"]] == ["Confirmed"]
    assert len(books["SalesInvoice"]) == 1
    # The tax the ledger holds (Shopify's) is what the tax engine was given for the invoice.
    money = hub.http.get(f"/v1/orders/{order_id}/money").json()
    (kept,) = records(connected.avatax, "/_transactions")["transactions"]
    assert (kept["code"], kept["type"], kept["status"]) == (order_id, "SalesInvoice", "Committed")
    assert f"{kept['totalTax']:.2f}" == money["totals"]["tax"]
    assert sales_order and money["totals"]["tax"] != "0.00"  # the fixture order carries Shopify's tax


def test_an_amazon_order_pulled_through_sp_api_is_confirmed_shipped_at_amazon(connected: Connected) -> None:
    hub = connected.hub
    add_locations(hub.container, ["EWR"])
    add_skus(hub.container, *DEFAULT_SKUS)
    for sku in DEFAULT_SKUS:
        stock(hub.container, sku, "EWR", 50)

    async def pull() -> list[str]:
        async with amazon_connector(hub.container.settings) as connector:
            report = await pull_amazon_orders(
                connector,
                since=datetime(2025, 1, 1, tzinfo=UTC),
                marketplace_ids=["ATVPDKIKX0DER"],
                uow_factory=hub.container.uow,
                geocoder=hub.container.geocoder,
                clock=hub.container.clock,
            )
        return [o.order_id for o in report.imported]

    imported = asyncio.run(pull())
    assert len(imported) == 2
    for order_id in imported:
        hub.wait_status(order_id, "completed", timeout_s=120)
    hub.wait_for(lambda: len(records(connected.amazon)["confirmations"]) == 2, what="two confirmShipment calls")

    labels = {label["tracking_code"] for label in records(connected.carrier)["labels"]}
    confirmed = records(connected.amazon)["confirmations"]
    assert {c["packageDetail"]["trackingNumber"] for c in confirmed} == labels  # each under its label's tracking
    assert all(e["order"]["OrderStatus"] == "Shipped" for e in records(connected.amazon)["orders"])
    books = records(connected.acumatica)
    assert sorted(value(r, "CustomerOrder") for r in books["SalesOrder"]) == sorted(imported)
    assert len(books["SalesInvoice"]) == 2
    committed = records(connected.avatax, "/_transactions")["transactions"]
    assert sorted(t["code"] for t in committed) == sorted(imported)  # Amazon's ItemTax reported as collected


def test_a_walmart_order_through_channeladvisor_is_shipped_at_walmart_through_channeladvisor(
    connected: Connected,
) -> None:
    hub = connected.hub
    add_locations(hub.container, ["EWR"])
    add_skus(hub.container, *CA_SKUS)
    for sku in CA_SKUS:
        stock(hub.container, sku, "EWR", 50)

    async def pull() -> list[str]:
        async with channeladvisor_connector(hub.container.settings) as connector:
            report = await pull_channeladvisor_orders(
                connector,
                since=datetime(2025, 1, 1, tzinfo=UTC),
                uow_factory=hub.container.uow,
                geocoder=hub.container.geocoder,
                clock=hub.container.clock,
            )
        return [o.order_id for o in report.imported]

    (order_id,) = asyncio.run(pull())
    site = {r["value"] for r in hub.order(order_id)["references"] if r["kind"] == "site_name"}
    assert site == {"Walmart Marketplace"}
    hub.wait_status(order_id, "completed", timeout_s=120)
    hub.wait_for(lambda: bool(records(connected.channeladvisor)["shipments"]), what="ChannelAdvisor's Ship")

    (label,) = records(connected.carrier)["labels"]
    (shipped,) = records(connected.channeladvisor)["shipments"]
    assert label["tracking_code"] in str(shipped)  # shipped at ChannelAdvisor (to Walmart) under the label's tracking
    books = records(connected.acumatica)
    assert [value(r, "CustomerOrder") for r in books["SalesOrder"]] == [order_id] and len(books["SalesInvoice"]) == 1
    (kept,) = records(connected.avatax, "/_transactions")["transactions"]
    assert kept["code"] == order_id
