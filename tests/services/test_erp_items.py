"""Items and prices both ways between our catalogue and Acumatica (the simulator over HTTP), on SQLite
and PostgreSQL: new SKUs created here, known ones updated with our own flags kept, inactive and
malformed items reported and not applied, incremental by Acumatica's modification time; our new SKUs
created there once however often the push runs, our prices sent, and Acumatica's later change winning."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import replace
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any, TypeVar

import httpx
import pytest
import sqlalchemy as sa

from overture.bootstrap import Container
from overture.connectors.acumatica import AcumaticaConnector
from overture.connectors.acumatica_items import AcumaticaItems
from overture.connectors.http import ConnectorConfig
from overture.domain.inventory import Sku
from overture.services import inventory
from overture.services.erp_items import ItemSync, apply_items, items_cursor
from overture.services.erp_push import ItemPush, PriceChange, push_items, set_list_prices
from overture.services.ports.connector_errors import RetryableConnectorError
from overture.services.ports.erp_catalog import ErpItem, ItemRead, ItemRefusal
from overture.simulators import SimulatorServer
from overture.simulators.acumatica import SIM_PASSWORD, SIM_TENANT, SIM_USER, create_acumatica_app
from overture.store.tables import change_log, skus

T = TypeVar("T")
ERP = "Acumatica"


@pytest.fixture(scope="module")
def server() -> Iterator[SimulatorServer]:
    with SimulatorServer(create_acumatica_app(max_sessions=4)) as running:
        yield running


@pytest.fixture
def url(server: SimulatorServer) -> str:
    httpx.post(server.url + "/_reset").raise_for_status()
    return server.url


def control(url: str, method: str, path: str, body: Any = None) -> Any:
    answer = httpx.request(method, url + path, json=body)
    answer.raise_for_status()
    return answer.json()


def edit(url: str, **fields: Any) -> None:
    control(url, "POST", "/_stock_items", fields)


def acumatica(url: str) -> dict[str, dict[str, Any]]:
    return {r["InventoryID"]: r for r in control(url, "GET", "/_records")["StockItem"]}


def price(url: str, sku: str) -> Decimal:
    return Decimal(acumatica(url)[sku]["DefaultPrice"])


def with_items(url: str, work: Callable[[AcumaticaItems], Awaitable[T]]) -> T:
    async def scenario() -> T:
        config = ConnectorConfig("erp", url, timeout_s=2.0)
        async with AcumaticaConnector(config, username=SIM_USER, password=SIM_PASSWORD, tenant=SIM_TENANT) as erp:
            return await work(AcumaticaItems(erp, currency="USD", item_class="FINISHED", page=2))

    return asyncio.run(scenario())


def sync(container: Container, url: str, *, full: bool = False) -> ItemSync:
    since = None if full else items_cursor(container.uow, erp=ERP)
    read = with_items(url, lambda items: items.changed_since(since))
    return apply_items(container.uow, read, erp=ERP, clock=container.clock)


def push(container: Container, url: str) -> ItemPush:
    return with_items(url, lambda items: push_items(container.uow, items, erp=ERP, clock=container.clock))


def row(container: Container, sku: str) -> sa.Row[Any]:
    with container.engine.connect() as c:
        found = c.execute(sa.select(skus).where(skus.c.sku == sku)).one()
    return found


def changes(container: Container, action: str) -> list[Any]:
    c = change_log.c
    with container.engine.connect() as connection:
        return list(connection.execute(sa.select(c.actor, c.detail).where(c.action == action).order_by(c.id)))


# ---- from Acumatica into our catalogue ------------------------------------------------


def test_new_items_are_created_and_known_ones_updated_with_our_flags_kept(container: Container, url: str) -> None:
    inventory.upsert_skus(
        container.uow, [Sku("KNOWN", "old text", hazmat=True, oversize=True, serialized=True)], clock=container.clock
    )
    edit(url, InventoryID="KNOWN", Description="New text", BaseUOM="BOX", DefaultPrice=24.5, AverageCost=10)
    edit(url, InventoryID="FRESH", Description="Fresh", DefaultPrice=3, DimensionWeight=1.5, WeightUOM="KG")

    result = sync(container, url)

    assert result.created == ["FRESH"]
    assert result.updated == [
        ("KNOWN", ("description", "list_price", "price_currency", "unit_cost", "unit_of_measure"))
    ]
    known = row(container, "KNOWN")
    assert (known.description, known.unit_of_measure, known.unit_cost, known.list_price) == (
        "New text",
        "BOX",
        Decimal(10),
        Decimal("24.5"),
    )
    assert (known.hazmat, known.oversize, known.serialized) == (True, True, True)
    fresh = row(container, "FRESH")
    assert (fresh.weight_kg, fresh.list_price, fresh.price_currency, fresh.hazmat) == (1.5, Decimal(3), "USD", False)
    [(actor, detail)] = changes(container, "skus.synced_from_erp")
    assert actor == "erp-sync (Acumatica)" and detail["source"] == "Acumatica" and detail["count"] == 2


def test_the_sync_is_incremental_from_its_cursor_and_full_reads_everything(container: Container, url: str) -> None:
    for name in ("A", "B", "C"):
        edit(url, InventoryID=name, DefaultPrice=1)
    assert len(sync(container, url).created) == 3

    again = sync(container, url)
    assert (again.created, again.updated, again.unchanged) == ([], [], 1)  # only the boundary item re-read

    edit(url, InventoryID="A", DefaultPrice=2)
    moved = sync(container, url)
    assert moved.updated == [("A", ("list_price",))] and row(container, "A").list_price == Decimal(2)

    assert sync(container, url, full=True).unchanged == 3
    assert len(changes(container, "skus.synced_from_erp")) == 2  # nothing changed, nothing recorded


def test_inactive_and_malformed_items_are_reported_and_not_applied(container: Container, url: str) -> None:
    inventory.upsert_skus(container.uow, [Sku("GONE", "ours")], clock=container.clock)
    edit(url, InventoryID="GONE", Description="theirs", ItemStatus="Inactive")
    edit(url, InventoryID="DELETED", ItemStatus="Marked for Deletion")
    edit(url, InventoryID="BAD", DefaultPrice=-4)
    edit(url, InventoryID="OK", DefaultPrice=4)

    result = sync(container, url)

    assert result.inactive == [("GONE", "Inactive"), ("DELETED", "Marked for Deletion")]
    assert result.refused == [ItemRefusal("BAD", "DefaultPrice", "-4 is not a non-negative amount")]
    assert result.created == ["OK"]
    assert inventory_skus(container) == {"GONE", "OK"} and row(container, "GONE").description == "ours"


def inventory_skus(container: Container) -> set[str]:
    with container.engine.connect() as c:
        return set(c.scalars(sa.select(skus.c.sku)))


# ---- from our catalogue into Acumatica ----------------------------------------------


def test_our_new_skus_are_created_in_acumatica_once_however_often_the_push_runs(container: Container, url: str) -> None:
    inventory.upsert_skus(
        container.uow, [Sku("OURS-1", "Seller's new product"), Sku("OURS-2", "Posted")], clock=container.clock
    )
    set_list_prices(container.uow, [PriceChange("OURS-1", Decimal("15.00"), "USD")], clock=container.clock)

    first = push(container, url)
    second = push(container, url)

    assert first.created == ["OURS-1", "OURS-2"] and second.created == []
    held = acumatica(url)
    assert (held["OURS-1"]["Description"], price(url, "OURS-1")) == ("Seller's new product", Decimal(15))
    assert held["OURS-2"]["ItemClass"] == "FINISHED" and "DefaultPrice" not in held["OURS-2"]
    assert row(container, "OURS-1").erp_synced_at is not None
    [(actor, detail)] = changes(container, "skus.pushed_to_erp")
    assert actor == "erp-sync (Acumatica)" and detail["count"] == 2


def test_a_create_whose_answer_was_lost_is_found_on_the_rerun_not_made_twice(container: Container, url: str) -> None:
    inventory.upsert_skus(container.uow, [Sku("LOST", "Answer lost")], clock=container.clock)
    control(url, "POST", "/_lose", {"operation": "StockItem.put", "count": 1})

    with pytest.raises(RetryableConnectorError):
        push(container, url)
    rerun = push(container, url)

    assert rerun.created == [] and rerun.adopted == ["LOST"]
    assert list(acumatica(url)) == ["LOST"]
    assert row(container, "LOST").erp_synced_at is not None and push(container, url).summary().startswith("0 SKU")


def test_a_price_changed_here_is_sent_and_acumaticas_later_change_wins(container: Container, url: str) -> None:
    for name in ("MINE", "THEIRS"):
        edit(url, InventoryID=name, DefaultPrice=10)
    sync(container, url)
    prices = [PriceChange("MINE", Decimal("12.00"), "USD"), PriceChange("THEIRS", Decimal("13.00"), "USD")]
    set_list_prices(container.uow, prices, clock=container.clock)
    edit(url, InventoryID="THEIRS", DefaultPrice=11)  # Acumatica changed it after we last saw it

    result = push(container, url)

    assert (result.priced, result.conflicts) == (["MINE"], ["THEIRS"])
    assert (price(url, "MINE"), price(url, "THEIRS")) == (Decimal(12), Decimal(11))
    assert row(container, "THEIRS").list_price == Decimal(11)  # Acumatica's price applied, ours dropped
    assert result.applied is not None and result.applied.overridden == ["THEIRS"]
    assert push(container, url).priced == []  # nothing pending any more


def test_a_pending_price_survives_a_sync_that_brings_nothing_newer(container: Container, url: str) -> None:
    edit(url, InventoryID="P", DefaultPrice=10)
    sync(container, url)
    set_list_prices(container.uow, [PriceChange("P", Decimal("9.50"), "USD")], clock=container.clock)

    kept = sync(container, url)  # re-reads P at the cursor: Acumatica has not changed it since

    assert kept.kept_ours == ["P"] and row(container, "P").list_price == Decimal("9.50")
    assert push(container, url).priced == ["P"] and price(url, "P") == Decimal("9.5")


def test_an_item_read_twice_is_applied_once_as_last_modified(container: Container) -> None:
    older = ErpItem("TWICE", datetime(2026, 1, 1, tzinfo=UTC), description="first", list_price=Decimal(1))
    newer = replace(older, erp_modified_at=datetime(2026, 1, 2, tzinfo=UTC), description="second")

    result = apply_items(container.uow, ItemRead(items=[newer, older]), erp=ERP, clock=container.clock)
    stale = apply_items(container.uow, ItemRead(items=[older]), erp=ERP, clock=container.clock)

    assert result.created == ["TWICE"] and row(container, "TWICE").description == "second"
    assert (stale.updated, stale.unchanged) == ([], 1) and row(container, "TWICE").description == "second"
    assert items_cursor(container.uow, erp=ERP) is None  # nothing read from Acumatica moved the cursor
