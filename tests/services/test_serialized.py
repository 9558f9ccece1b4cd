"""Serialized SKUs: a one-of-a-kind unit is held at most once, anywhere, and promised at most once.

Runs on SQLite and PostgreSQL; the racing tests use real threads, each with its own connection.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from overture.bootstrap import Container
from overture.domain.inventory import InvalidMovement, Sku
from overture.services import inventory
from overture.services.errors import InvalidRequest
from overture.store.tables import inventory_movements, inventory_positions
from tests.conftest import LiveServer
from tests.factories import add_locations, order_payload, stock

P = inventory_positions.c


def _one_of_a_kind(container: Container, sku: str = "PAINTING-17") -> str:
    inventory.upsert_skus(container.uow, [Sku(sku, "an original", serialized=True)], clock=container.clock)
    return sku


def _units(container: Container, sku: str) -> int:
    with container.engine.connect() as connection:
        return int(
            connection.execute(sa.select(sa.func.coalesce(sa.func.sum(P.on_hand), 0)).where(P.sku == sku)).scalar_one()
        )


def _ledger_rows(container: Container, sku: str) -> int:
    with container.engine.connect() as connection:
        query = sa.select(sa.func.count()).select_from(inventory_movements).where(inventory_movements.c.sku == sku)
        return int(connection.execute(query).scalar_one())


def test_a_second_unit_is_refused_at_the_same_or_another_location(container: Container) -> None:
    add_locations(container, ["EWR", "LAX"])
    sku = _one_of_a_kind(container)
    stock(container, sku, "EWR", 1)

    for location in ("EWR", "LAX"):
        with pytest.raises(InvalidMovement, match=r"PAINTING-17 is serialized \(one of a kind\).*1 at EWR"):
            stock(container, sku, location, 1)

    assert _units(container, sku) == 1
    assert _ledger_rows(container, sku) == 1  # the refused receipts left no trace in the ledger


def test_a_receipt_of_two_units_at_once_is_refused(container: Container) -> None:
    add_locations(container, ["EWR"])
    sku = _one_of_a_kind(container)

    with pytest.raises(InvalidMovement, match="would hold 2 units"):
        stock(container, sku, "EWR", 2)

    assert _units(container, sku) == 0


def test_adjustments_follow_the_same_rule(container: Container) -> None:
    add_locations(container, ["EWR"])
    sku = _one_of_a_kind(container)
    stock(container, sku, "EWR", 1)
    entry = inventory.StockEntry(sku, "EWR", 1, "found another in the back room")

    with pytest.raises(InvalidMovement, match="serialized"):
        inventory.adjust(container.uow, [entry], clock=container.clock)
    # Written off (sold at the counter), then it comes back: one unit again, which is allowed.
    inventory.adjust(container.uow, [inventory.StockEntry(sku, "EWR", -1, "sold in store")], clock=container.clock)
    inventory.adjust(container.uow, [entry], clock=container.clock)

    assert _units(container, sku) == 1


def test_a_sku_with_several_units_cannot_be_marked_serialized(client: TestClient, container: Container) -> None:
    add_locations(container, ["EWR"])
    inventory.upsert_skus(container.uow, [Sku("VASE")], clock=container.clock)
    stock(container, "VASE", "EWR", 3)

    response = client.post("/v1/skus", json=[{"sku": "OTHER"}, {"sku": "VASE", "serialized": True}])

    assert response.status_code == 422, response.text
    field = response.json()["error"]["fields"][0]
    assert field["field"] == "body[1].serialized"
    assert "3 units on hand" in field["reason"]
    with container.engine.connect() as connection:
        assert connection.execute(sa.text("SELECT serialized FROM skus WHERE sku = 'VASE'")).scalar_one() in (0, False)


def _race(count: int, work: Callable[[int], object]) -> list[object]:
    barrier = threading.Barrier(count)

    def run(n: int) -> object:
        barrier.wait()
        try:
            return work(n)
        except Exception as error:  # each racer's outcome is what the test counts
            return error

    with ThreadPoolExecutor(max_workers=count) as pool:
        return list(pool.map(run, range(count)))


def test_racing_receipts_at_different_locations_book_one_unit(container: Container) -> None:
    locations = add_locations(container)
    sku = _one_of_a_kind(container)

    outcomes = _race(len(locations), lambda n: stock(container, sku, locations[n], 1))

    refused = [o for o in outcomes if isinstance(o, InvalidMovement)]
    assert len(refused) == len(locations) - 1, outcomes
    assert _units(container, sku) == 1


def test_racing_buyers_of_one_unit_get_it_once(container: Container, live_server: LiveServer) -> None:
    add_locations(container, ["EWR"])
    sku = _one_of_a_kind(container)
    stock(container, sku, "EWR", 1)

    def buy(n: int) -> str:
        with httpx.Client(base_url=live_server.url, timeout=60) as http:
            response = http.post("/v1/orders", json=order_payload((sku, 1)), headers={"Idempotency-Key": f"b-{n}"})
            assert response.status_code == 201, response.text
            return str(response.json()["status"])

    outcomes = _race(12, buy)

    assert Counter(outcomes)["routed"] == 1, outcomes
    with container.engine.connect() as connection:
        on_hand, reserved = connection.execute(sa.select(P.on_hand, P.reserved).where(P.sku == sku)).one()
    assert (on_hand, reserved) == (1, 1)


def test_marking_serialized_is_refused_through_the_service_too(container: Container) -> None:
    add_locations(container, ["EWR"])
    inventory.upsert_skus(container.uow, [Sku("LAMP")], clock=container.clock)
    stock(container, "LAMP", "EWR", 2)

    with pytest.raises(InvalidRequest, match="at most 1"):
        _one_of_a_kind(container, "LAMP")
