"""Acumatica's stock items through the connector against the Acumatica simulator over real HTTP: the
fields read (price, cost by valuation method, weight in kilograms, status), paging over several pages,
the LastModifiedDateTime filter, records that do not read refused by field, items created and priced by
PUT, and the errors (429 with Retry-After, a refused field, drift)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterator
from datetime import datetime
from decimal import Decimal
from typing import Any, TypeVar

import httpx
import pytest

from overture.connectors.acumatica import AcumaticaConnector
from overture.connectors.acumatica_items import AcumaticaItems
from overture.connectors.http import ConnectorConfig
from overture.services.ports.connector_errors import ApiDriftError, PermanentConnectorError, ThrottledError
from overture.services.ports.erp_catalog import CatalogueEntry, ItemRefusal
from overture.simulators import SimulatorServer
from overture.simulators.acumatica import SIM_PASSWORD, SIM_TENANT, SIM_USER, create_acumatica_app

T = TypeVar("T")


@pytest.fixture(scope="module")
def server() -> Iterator[SimulatorServer]:
    with SimulatorServer(create_acumatica_app()) as running:
        yield running


@pytest.fixture
def url(server: SimulatorServer) -> str:
    httpx.post(server.url + "/_reset").raise_for_status()
    return server.url


def control(url: str, method: str, path: str, body: Any = None) -> Any:
    answer = httpx.request(method, url + path, json=body)
    answer.raise_for_status()
    return answer.json()


def edit(url: str, **fields: Any) -> dict[str, Any]:
    """A stock item changed as a person would in Acumatica's screens."""
    found: dict[str, Any] = control(url, "POST", "/_stock_items", fields)
    return found


def held(url: str, sku: str) -> dict[str, Any]:
    return next(r for r in control(url, "GET", "/_records")["StockItem"] if r["InventoryID"] == sku)


def calls(url: str, operation: str) -> int:
    stats: dict[str, Any] = control(url, "GET", "/_stats")
    return int(stats.get(operation, {}).get("calls", 0))


def run(url: str, work: Callable[[AcumaticaItems], Awaitable[T]], *, page: int = 100) -> T:
    async def scenario() -> T:
        config = ConnectorConfig("acumatica", url, timeout_s=2.0)
        async with AcumaticaConnector(config, username=SIM_USER, password=SIM_PASSWORD, tenant=SIM_TENANT) as erp:
            return await work(AcumaticaItems(erp, currency="USD", item_class="FINISHED", page=page))

    return asyncio.run(scenario())


def test_an_items_fields_are_read_as_acumatica_names_them(url: str) -> None:
    edit(url, InventoryID="STD", Description="Standard", BaseUOM="BOX", DefaultPrice=19.99, ValuationMethod="Standard")
    edit(url, InventoryID="STD", CurrentStdCost=7.25, AverageCost=9, DimensionWeight=2.5, WeightUOM="LB")
    edit(url, InventoryID="AVG", ValuationMethod="Average", CurrentStdCost=1, AverageCost=0, LastCost=4.5)
    edit(url, InventoryID="OLD", ItemStatus="Marked for Deletion")

    read = run(url, lambda items: items.changed_since(None))

    by_sku = {item.sku: item for item in read.items}
    std = by_sku["STD"]
    assert (std.description, std.unit_of_measure, std.list_price, std.currency) == (
        "Standard",
        "BOX",
        Decimal("19.99"),
        "USD",
    )
    assert std.unit_cost == Decimal("7.25")  # a standard-cost item's cost is its current standard cost
    assert std.weight_kg == pytest.approx(2.5 * 0.45359237)
    assert by_sku["AVG"].unit_cost == Decimal("4.5")  # no average cost yet: the last cost
    assert by_sku["AVG"].list_price is None and by_sku["AVG"].weight_kg is None
    assert (by_sku["OLD"].active, by_sku["OLD"].status) == (False, "Marked for Deletion")
    assert by_sku["STD"].active and read.refused == []
    assert read.last_modified == max(item.erp_modified_at for item in read.items)


def test_every_page_is_read_and_the_filter_keeps_what_changed_since(url: str) -> None:
    for number in range(5):
        edit(url, InventoryID=f"SKU-{number}", DefaultPrice=number + 1)

    everything = run(url, lambda items: items.changed_since(None), page=2)
    assert sorted(item.sku for item in everything.items) == [f"SKU-{n}" for n in range(5)]
    assert calls(url, "StockItem.get") == 3  # 2 + 2 + 1: the short page ends the read

    since = datetime.fromisoformat(held(url, "SKU-4")["LastModifiedDateTime"])
    edit(url, InventoryID="SKU-1", DefaultPrice=20)
    changed = run(url, lambda items: items.changed_since(since), page=2)
    assert sorted(item.sku for item in changed.items) == ["SKU-1", "SKU-4"]  # at or after the cursor
    assert next(i for i in changed.items if i.sku == "SKU-1").list_price == Decimal(20)


def test_a_record_that_does_not_read_is_refused_by_field_and_the_others_are_read(url: str) -> None:
    edit(url, InventoryID="GOOD", DefaultPrice=5)
    edit(url, InventoryID="NEGATIVE", DefaultPrice=-3)
    edit(url, InventoryID="WORDS", DefaultPrice="twelve")
    edit(url, InventoryID="STONE", DimensionWeight=2, WeightUOM="ST")

    read = run(url, lambda items: items.changed_since(None))

    assert [item.sku for item in read.items] == ["GOOD"]
    assert read.refused == [
        ItemRefusal("NEGATIVE", "DefaultPrice", "-3 is not a non-negative amount"),
        ItemRefusal("WORDS", "DefaultPrice", "'twelve' is not a number"),
        ItemRefusal("STONE", "WeightUOM", "'ST' is not a weight unit we convert (KG, G, LB, OZ)"),
    ]


def test_an_item_is_created_with_our_class_and_price_and_found_by_its_key(url: str) -> None:
    entry = CatalogueEntry("NEW-1", "A new thing", "EA", list_price=Decimal("12.50"), price_currency="USD")

    async def work(items: AcumaticaItems) -> tuple[Any, ...]:
        before = await items.find("NEW-1")
        made = await items.create(entry)
        after = await items.find("NEW-1")
        return before, made, after

    before, made, after = run(url, work)

    assert before is None
    assert after is not None and after.erp_modified_at == made
    assert (after.description, after.list_price) == ("A new thing", Decimal("12.50"))
    record = held(url, "NEW-1")
    assert (record["ItemClass"], record["BaseUOM"], record["ItemStatus"]) == ("FINISHED", "EA", "Active")


def test_a_price_update_moves_the_items_modification_time(url: str) -> None:
    first = edit(url, InventoryID="P", Description="Priced", DefaultPrice=10)

    moved = run(url, lambda items: items.update_price("P", Decimal("11.75")))

    assert moved > datetime.fromisoformat(first["LastModifiedDateTime"])
    assert held(url, "P")["DefaultPrice"] == "11.75" and held(url, "P")["Description"] == "Priced"


def test_a_price_acumatica_refuses_is_a_permanent_error_naming_the_field(url: str) -> None:
    edit(url, InventoryID="P", DefaultPrice=10)
    with pytest.raises(PermanentConnectorError, match="DefaultPrice") as caught:
        run(url, lambda items: items.update_price("P", Decimal(-1)))
    assert caught.value.status == 422


def test_429_with_retry_after_is_throttled(url: str) -> None:
    edit(url, InventoryID="A")
    control(url, "POST", "/_faults", {"operation": "StockItem.get", "fail_first": 1, "status": 429, "retry_after": 9})
    with pytest.raises(ThrottledError) as caught:
        run(url, lambda items: items.changed_since(None))
    assert (caught.value.status, caught.value.retry_after) == (429, 9.0)


@pytest.mark.parametrize("renamed", [{"InventoryID": "InventoryCD"}, {"LastModifiedDateTime": "LastModified"}])
def test_a_renamed_key_or_modification_time_is_drift(url: str, renamed: dict[str, str]) -> None:
    edit(url, InventoryID="A", DefaultPrice=1)
    control(url, "POST", "/_faults", {"operation": "StockItem.get", "rename_fields": renamed})
    with pytest.raises(ApiDriftError) as caught:
        run(url, lambda items: items.changed_since(None))
    assert any(next(iter(renamed)) in problem for problem in caught.value.problems)


def test_a_write_answered_without_its_modification_time_is_drift(url: str) -> None:
    control(url, "POST", "/_faults", {"operation": "StockItem.put", "rename_fields": {"LastModifiedDateTime": ""}})
    with pytest.raises(ApiDriftError):
        run(url, lambda items: items.create(CatalogueEntry("NEW-2")))
