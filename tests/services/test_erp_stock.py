"""Stock levels from Acumatica's warehouses (the simulator over HTTP: StockItem with WarehouseDetails
expanded, paged) reconciled into our ledger on SQLite and PostgreSQL: a difference becomes an
adjustment naming the ERP, an agreeing count changes nothing, an unknown SKU or warehouse is reported,
a count under what is reserved is not applied (it would oversell) but reported."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest
import sqlalchemy as sa

from overture.bootstrap import Container
from overture.connectors.acumatica import AcumaticaConnector
from overture.connectors.acumatica_stock import AcumaticaStock
from overture.connectors.http import ConnectorConfig
from overture.services.erp_stock import apply_levels
from overture.services.ports.erp import WarehouseLevel
from overture.simulators import SimulatorServer
from overture.simulators.acumatica import SIM_PASSWORD, SIM_TENANT, SIM_USER, create_acumatica_app
from overture.store.tables import inventory_movements, inventory_positions
from tests.factories import add_locations, add_skus, order_payload, stock

ITEMS = (
    ("A", {"WHOLESALE": 12, "RETAIL": 3}),
    ("B", {"WHOLESALE": 5}),
    ("NOT-OURS", {"WHOLESALE": 9}),
)


@pytest.fixture(scope="module")
def acumatica() -> Iterator[SimulatorServer]:
    with SimulatorServer(create_acumatica_app(items=ITEMS, max_sessions=4)) as server:
        yield server


def levels(url: str) -> list[WarehouseLevel]:
    async def read() -> list[WarehouseLevel]:
        config = ConnectorConfig("erp", url)
        warehouses = {"EWR": "WHOLESALE", "LAX": "RETAIL"}
        async with AcumaticaConnector(
            config, username=SIM_USER, password=SIM_PASSWORD, tenant=SIM_TENANT, warehouses=warehouses
        ) as connector:
            return await AcumaticaStock(connector).warehouse_levels()

    return asyncio.run(read())


def on_hand(container: Container) -> dict[tuple[str, str], int]:
    p = inventory_positions.c
    with container.engine.connect() as c:
        return {(r.sku, r.location_id): r.on_hand for r in c.execute(sa.select(p.sku, p.location_id, p.on_hand))}


def test_acumaticas_counts_are_read_per_mapped_warehouse(acumatica: SimulatorServer) -> None:
    assert sorted((x.sku, x.location_id, x.on_hand) for x in levels(acumatica.url)) == [
        ("A", "EWR", 12),
        ("A", "LAX", 3),
        ("B", "EWR", 5),
        ("NOT-OURS", "EWR", 9),
    ]


def test_differences_become_adjustments_once_and_unknowns_are_reported(
    container: Container, acumatica: SimulatorServer
) -> None:
    add_locations(container, ["EWR", "LAX"])
    add_skus(container, "A", "B")
    stock(container, "A", "EWR", 10)
    stock(container, "B", "EWR", 5)
    read = levels(acumatica.url)

    first = apply_levels(container.uow, read, erp="Acumatica", clock=container.clock)
    again = apply_levels(container.uow, read, erp="Acumatica", clock=container.clock)

    assert sorted(first.adjusted) == [("A", "EWR", 2), ("A", "LAX", 3)]
    assert (first.unchanged, first.unknown) == (1, [("NOT-OURS", "EWR")])
    assert (again.adjusted, again.unchanged) == ([], 3)
    assert on_hand(container) == {("A", "EWR"): 12, ("A", "LAX"): 3, ("B", "EWR"): 5}
    m = inventory_movements.c
    with container.engine.connect() as c:
        reasons = set(c.scalars(sa.select(m.reason).where(m.kind == "adjustment")))
    assert reasons == {"Acumatica counts 12 (we had 10)", "Acumatica counts 3 (we had 0)"}


def test_a_count_below_what_is_reserved_is_reported_not_applied(container: Container, client: object) -> None:
    add_locations(container, ["EWR"])
    add_skus(container, "A")
    stock(container, "A", "EWR", 10)
    placed = client.post("/v1/orders", json=order_payload(("A", 6)))  # type: ignore[attr-defined]
    assert placed.status_code == 201

    result = apply_levels(container.uow, [WarehouseLevel("A", "EWR", 4)], erp="Acumatica", clock=container.clock)

    assert result.below_reserved == [("A", "EWR", 4, 6)] and result.adjusted == []
    assert on_hand(container) == {("A", "EWR"): 10}
