"""Amazon orders pulled from the SP-API simulator (over HTTP) into a real store, and the CLI that does it."""

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
from typer.testing import CliRunner

from overture.bootstrap import Container
from overture.cli import app as cli
from overture.cli.amazon import pull_amazon_orders
from overture.connectors.amazon import AmazonLimits, AmazonOrdersConnector, OperationLimit
from overture.connectors.http import ConnectorConfig
from overture.services.marketplace_pull import PullReport
from overture.simulators import SimulatorServer
from overture.simulators.amazon import create_amazon_app
from overture.simulators.amazon_auth import LwaAuthority
from overture.simulators.amazon_seed import DEFAULT_SKUS, seed_orders
from overture.store.migrate import upgrade
from overture.store.tables import idempotency_keys, inbound_messages
from tests.factories import add_locations, add_skus, stock

TOKEN = "Atza|e2e"
US = "ATVPDKIKX0DER"
SINCE = datetime(2025, 1, 1, tzinfo=UTC)
FAST = (1000.0, 1000)
SEEDED = seed_orders(12)  # 9 Unshipped; #3 Pending, #6 Canceled, #9 Shipped (see amazon_seed)


def without_address() -> dict[str, Any]:
    entry = seed_orders(1, seed=11, start=datetime(2025, 2, 1, tzinfo=UTC))[0]
    del entry["order"]["ShippingAddress"]
    return entry


def order_id(n: int) -> str:
    value: str = SEEDED[n]["order"]["AmazonOrderId"]
    return value


@pytest.fixture
def amazon() -> Iterator[SimulatorServer]:
    app = create_amazon_app(
        orders=[*SEEDED, without_address()],
        page_size=3,
        items_page_size=1,
        get_orders_limit=FAST,
        get_order_items_limit=FAST,
        access_token=TOKEN,
    )
    with SimulatorServer(app) as server:
        yield server


@pytest.fixture
def amazon_lwa() -> Iterator[SimulatorServer]:
    """The same seller, reached as in production: LWA tokens, addresses behind getOrderAddress's RDT."""
    app = create_amazon_app(
        orders=[*SEEDED, without_address()],
        page_size=3,
        get_orders_limit=FAST,
        get_order_items_limit=FAST,
        lwa=LwaAuthority(),
        restricted_addresses=True,
    )
    with SimulatorServer(app) as server:
        yield server


def lwa_env(url: str) -> dict[str, str]:
    authority = LwaAuthority()
    return {
        "OVERTURE_AMAZON_LWA_URL": url,
        "OVERTURE_AMAZON_LWA_CLIENT_ID": authority.client_id,
        "OVERTURE_AMAZON_LWA_CLIENT_SECRET": authority.client_secret,
        "OVERTURE_AMAZON_REFRESH_TOKEN": authority.refresh_token,
    }


def stocked(container: Container) -> None:
    add_locations(container, ["EWR", "LAX"])
    add_skus(container, *DEFAULT_SKUS)
    for sku in DEFAULT_SKUS:
        stock(container, sku, "EWR", 100)
        stock(container, sku, "LAX", 100)


def pull(container: Container, url: str, *, limits: AmazonLimits | None = None) -> PullReport:
    limits = limits or AmazonLimits(get_orders=OperationLimit(*FAST), get_order_items=OperationLimit(*FAST))

    async def scenario() -> PullReport:
        config = ConnectorConfig("amazon", url)
        async with AmazonOrdersConnector(config, access_token=TOKEN, limits=limits) as connector:
            return await pull_amazon_orders(
                connector,
                since=SINCE,
                marketplace_ids=[US],
                uow_factory=container.uow,
                geocoder=container.geocoder,
                clock=container.clock,
            )

    return asyncio.run(scenario())


def amazon_orders(container: Container) -> list[dict[str, Any]]:
    return container.views.orders(status=None, channel="amazon", external_id=None, after=None, limit=100)


def raw_body(container: Container, message_id: str) -> Any:
    with container.engine.connect() as connection:
        body = connection.execute(
            sa.select(inbound_messages.c.body).where(inbound_messages.c.id == message_id)
        ).scalar()
    return json.loads(body)


def test_orders_are_imported_once_and_a_second_pull_imports_nothing_new(
    container: Container, amazon: SimulatorServer
) -> None:
    stocked(container)
    importable = [order_id(n) for n in range(12) if n not in (3, 6, 9)]

    first = pull(container, amazon.url)

    assert sorted(o.external_id for o in first.imported) == sorted(importable)
    assert {o.status for o in first.imported} == {"routed"}
    assert first.skipped == {
        "awaiting_payment": [order_id(3)],
        "canceled": [order_id(6)],
        "already_shipping": [order_id(9)],
    }
    [rejected] = first.rejected
    assert "order.ShippingAddress" in rejected.reason
    assert (first.already_imported, first.stopped_by) == ([], None)

    stored = {o["external_id"]: o for o in amazon_orders(container)}
    assert sorted(stored) == sorted(importable)
    by_id = {entry["order"]["AmazonOrderId"]: entry for entry in SEEDED}
    for external_id, row in stored.items():
        assert Decimal(row["total"]) == Decimal(by_id[external_id]["order"]["OrderTotal"]["Amount"])
    detail = container.views.order(stored[importable[0]]["id"])
    assert detail is not None
    assert raw_body(container, detail["raw_message_id"]) == by_id[importable[0]]  # {order, items} as sent
    assert {"system": "amazon", "kind": "order_status", "value": "Unshipped"} in detail["references"]
    reserved = {sku: container.views.inventory(sku)["totals"]["reserved"] for sku in DEFAULT_SKUS}

    second = pull(container, amazon.url)

    assert second.imported == []
    assert sorted(second.already_imported) == sorted(importable)
    assert second.skipped == first.skipped and len(second.rejected) == 1
    assert len(amazon_orders(container)) == len(importable)
    assert {sku: container.views.inventory(sku)["totals"]["reserved"] for sku in DEFAULT_SKUS} == reserved

    with container.engine.connect() as connection:
        keys = set(connection.execute(sa.select(idempotency_keys.c.key)).scalars())
    assert keys == {f"amazon:{external_id}" for external_id in importable}

    # The Pending order is paid for, and the buyer of an imported one moved: the next pull imports
    # the first, and leaves the second as it was imported (updates from a pull are not applied).
    paid = seed_orders(12, statuses=False)[3]
    assert paid["order"]["AmazonOrderId"] == order_id(3)
    moved = json.loads(json.dumps(SEEDED[0]))
    moved["order"]["ShippingAddress"].update(City="BOISE", StateOrRegion="ID", PostalCode="83702")
    httpx.post(f"{amazon.url}/_orders", json={"orders": [paid, moved]}).raise_for_status()

    third = pull(container, amazon.url)

    assert [o.external_id for o in third.imported] == [order_id(3)]
    assert len(third.already_imported) == len(importable) and len(third.rejected) == 1
    assert "awaiting_payment" not in third.skipped
    kept = container.views.order(stored[order_id(0)]["id"])
    assert kept is not None and kept["ship_to"]["postal_code"] == SEEDED[0]["order"]["ShippingAddress"]["PostalCode"]


def test_a_pull_stopped_by_throttling_says_how_far_it_got_and_the_next_one_finishes(
    container: Container, amazon: SimulatorServer
) -> None:
    stocked(container)
    # Four item pages, then an empty bucket that refills in 1000 s; the connector gives up at once.
    config = {"limits": {"getOrderItems": {"rate_per_s": 0.001, "burst": 4}}}
    httpx.post(f"{amazon.url}/_config", json=config).raise_for_status()
    impatient = AmazonLimits(
        get_orders=OperationLimit(*FAST), get_order_items=OperationLimit(*FAST), max_throttle_retries=0
    )
    importable = [SEEDED[n] for n in range(12) if n not in (3, 6, 9)]
    pages, expected = 0, 0
    for entry in importable:
        pages += len(entry["items"])
        if pages > 4:
            break
        expected += 1

    stopped = pull(container, amazon.url, limits=impatient)

    assert stopped.stopped_by is not None and stopped.stopped_by.startswith("ThrottledError")
    assert [o.external_id for o in stopped.imported] == [e["order"]["AmazonOrderId"] for e in importable[:expected]]
    assert len(amazon_orders(container)) == expected

    httpx.post(f"{amazon.url}/_config", json={"limits": {"getOrderItems": {"rate_per_s": 1000, "burst": 1000}}})
    finished = pull(container, amazon.url)

    assert finished.stopped_by is None
    assert len(finished.imported) == len(importable) - expected
    assert len(finished.already_imported) == expected
    assert len(amazon_orders(container)) == len(importable)


# ---- the command line ---------------------------------------------------------------------------


def test_cli_pulls_into_the_configured_store_and_a_rerun_imports_nothing(
    tmp_path: Path, amazon_lwa: SimulatorServer
) -> None:
    amazon = amazon_lwa
    env = {
        "OVERTURE_HOME": str(tmp_path),
        "OVERTURE_DATABASE_URL": "",
        "OVERTURE_AMAZON_SP_API_URL": amazon.url,
        **lwa_env(amazon.url),
        "OVERTURE_AMAZON_MARKETPLACE_IDS": US,
    }
    upgrade(f"sqlite:///{tmp_path / 'overture.db'}")  # the CLI refuses to make an empty store by itself
    runner = CliRunner()

    first = runner.invoke(cli, ["amazon", "pull", "--since", "2025-01-01"], env=env)
    assert first.exit_code == 0, first.output
    # No SKUs in this fresh store: the orders are imported, on hold for unknown SKUs.
    assert "13 orders seen: 9 imported (9 on hold), 0 already imported, 1 rejected" in first.output
    assert "skipped 1 (canceled)" in first.output

    again = runner.invoke(cli, ["amazon", "pull", "--since", "2025-01-01T00:00:00+00:00"], env=env)
    assert again.exit_code == 0, again.output
    assert "0 imported (0 on hold), 9 already imported" in again.output


def test_cli_refuses_to_run_unconfigured_or_with_a_bad_date(tmp_path: Path) -> None:
    runner = CliRunner()
    env = {"OVERTURE_HOME": str(tmp_path), "OVERTURE_AMAZON_SP_API_URL": "", "OVERTURE_AMAZON_REFRESH_TOKEN": ""}
    unconfigured = runner.invoke(cli, ["amazon", "pull", "--since", "2025-01-01"], env=env)
    assert unconfigured.exit_code == 2 and "OVERTURE_AMAZON_SP_API_URL" in unconfigured.output
    bad_date = runner.invoke(cli, ["amazon", "pull", "--since", "last week"], env=env)
    assert bad_date.exit_code == 2 and "ISO 8601" in bad_date.output
