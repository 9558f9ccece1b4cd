"""Many real HTTP clients against one server and one store: nothing oversold, nothing duplicated.

Runs on SQLite and PostgreSQL. The server is uvicorn on loopback; clients are threads,
each with its own connection, so requests really interleave inside the store.
"""

from __future__ import annotations

import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import sqlalchemy as sa

from overture.bootstrap import Container
from overture.store.tables import inventory_movements, inventory_positions, order_exceptions, orders, reservations
from tests.conftest import LiveServer
from tests.factories import add_locations, add_skus, order_payload, stock

CLIENTS = 32


def _post_all(server: LiveServer, requests: list[tuple[dict[str, Any], dict[str, str]]]) -> list[httpx.Response]:
    local = threading.local()

    def post(item: tuple[dict[str, Any], dict[str, str]]) -> httpx.Response:
        if not hasattr(local, "client"):
            local.client = httpx.Client(base_url=server.url, timeout=120)
        body, headers = item
        return local.client.post("/v1/orders", json=body, headers=headers)

    with ThreadPoolExecutor(max_workers=CLIENTS) as pool:
        return list(pool.map(post, requests))


def _scalar(container: Container, query: Any) -> Any:
    with container.engine.connect() as connection:
        return connection.execute(query).scalar_one()


def test_1000_buyers_of_100_units_reserve_exactly_100(container: Container, live_server: LiveServer) -> None:
    add_locations(container, ["EWR"])
    add_skus(container, "HOT")
    stock(container, "HOT", "EWR", 100)
    requests = [(order_payload(("HOT", 1)), {"Idempotency-Key": f"buyer-{n}"}) for n in range(1000)]

    responses = _post_all(live_server, requests)

    assert Counter(r.status_code for r in responses) == {201: 1000}
    assert Counter(r.json()["status"] for r in responses) == {"routed": 100, "on_hold": 900}
    held = [r.json() for r in responses if r.json()["status"] == "on_hold"]
    assert all(h["exceptions"] == ["insufficient_stock"] for h in held)
    P = inventory_positions.c
    assert _scalar(container, sa.select(P.reserved).where(P.sku == "HOT")) == 100
    assert _scalar(container, sa.select(P.on_hand).where(P.sku == "HOT")) == 100
    active = sa.select(sa.func.sum(reservations.c.quantity)).where(reservations.c.status == "active")
    assert _scalar(container, active) == 100
    ledger = sa.select(sa.func.sum(inventory_movements.c.reserved_delta)).where(inventory_movements.c.sku == "HOT")
    assert _scalar(container, ledger) == 100
    stock_exceptions = sa.select(sa.func.count()).where(order_exceptions.c.type == "insufficient_stock")
    assert _scalar(container, stock_exceptions) == 900
    assert _scalar(container, sa.select(sa.func.count()).select_from(orders)) == 1000


def test_same_order_posted_50_times_at_once_creates_one_order(container: Container, live_server: LiveServer) -> None:
    add_locations(container, ["EWR"])
    add_skus(container, "A")
    stock(container, "A", "EWR", 10)
    payload = order_payload(("A", 1))

    responses = _post_all(live_server, [(payload, {"Idempotency-Key": "one-key"})] * 50)

    assert Counter(r.status_code for r in responses) == {201: 1, 200: 49}
    assert len({r.json()["id"] for r in responses}) == 1
    assert _scalar(container, sa.select(sa.func.count()).select_from(orders)) == 1
    assert _scalar(container, sa.select(inventory_positions.c.reserved)) == 1
