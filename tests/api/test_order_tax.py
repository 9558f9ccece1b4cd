"""Orders posted without tax get it per line in the money ledger, from the built-in rate table or from the
tax engine (the AvaTax simulator over HTTP), on SQLite and PostgreSQL; an engine that is down does not
stop a capture; a client's retry with its Idempotency-Key replays the order even if a rate changed."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from decimal import Decimal
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from overture.app import create_app
from overture.bootstrap import Container
from overture.connectors.avatax import AvaTaxConnector
from overture.connectors.http import ConnectorConfig
from overture.simulators import SimulatorServer
from overture.simulators.tax import create_tax_app
from tests.factories import add_locations, add_skus, order_payload, stock


@pytest.fixture(scope="module")
def avatax() -> Iterator[SimulatorServer]:
    with SimulatorServer(create_tax_app()) as server:
        yield server


@pytest.fixture(autouse=True)
def stocked(container: Container) -> None:
    add_locations(container, ["EWR"])
    add_skus(container, "A", "B")
    stock(container, "A", "EWR", 50)
    stock(container, "B", "EWR", 50)


def client_with(container: Container, rates: dict[str, str], engine: AvaTaxConnector | None = None) -> TestClient:
    settings = container.settings.model_copy(update={"tax_rates": {k: Decimal(v) for k, v in rates.items()}})
    app = create_app(replace(container, settings=settings))
    app.state.tax_engine = engine
    return TestClient(app)


def money(client: TestClient, order_id: str) -> dict[str, Any]:
    answer = client.get(f"/v1/orders/{order_id}/money")
    assert answer.status_code == 200, answer.text
    body: dict[str, Any] = answer.json()
    return body


def tax_codes(body: dict[str, Any]) -> set[str]:
    return {e["cause"] for e in body["entries"] if e["kind"] == "tax"}


def test_the_rate_table_taxes_each_line(container: Container) -> None:
    with client_with(container, {"US-NY": "0.08875"}) as client:
        placed = client.post("/v1/orders", json=order_payload(("A", 2), ("B", 1)))
        assert placed.status_code == 201, placed.text
        body = money(client, placed.json()["id"])
    # 19.98 x 8.875 % = 1.773 -> 1.77; 9.99 x 8.875 % = 0.887 -> 0.89.
    assert [line["tax"] for line in body["lines"]] == ["1.77", "0.89"]
    assert (body["totals"]["tax"], body["totals"]["due"]) == ("2.66", "32.63")


def test_no_rates_no_engine_no_tax(container: Container) -> None:
    with client_with(container, {}) as client:
        placed = client.post("/v1/orders", json=order_payload(("A", 1)))
        assert money(client, placed.json()["id"])["totals"]["tax"] == "0.00"


def test_the_tax_engine_prices_the_order_and_the_table_stands_in_when_it_is_down(
    container: Container, avatax: SimulatorServer
) -> None:
    httpx.post(f"{avatax.url}/_reset", timeout=5).raise_for_status()
    engine = AvaTaxConnector(
        ConnectorConfig("avatax", avatax.url),
        account_id="2000000000",
        license_key="simulator-licence",
        company_code="DEFAULT",
    )
    with client_with(container, {"US": "0.05"}, engine) as client:
        priced = client.post("/v1/orders", json=order_payload(("A", 2), ("B", 1)))
        # New York in the simulator: 4 % + 4.5 % + 0.375 % = 8.875 %.
        by_engine = money(client, priced.json()["id"])
        httpx.post(f"{avatax.url}/_faults", json={"operation": "*", "down": True}, timeout=5).raise_for_status()
        estimated = client.post("/v1/orders", json=order_payload(("A", 2), ("B", 1)))
        httpx.delete(f"{avatax.url}/_faults", timeout=5).raise_for_status()
        assert estimated.status_code == 201, estimated.text
        by_table = money(client, estimated.json()["id"])
    assert [line["tax"] for line in by_engine["lines"]] == ["1.77", "0.89"]
    assert [line["tax"] for line in by_table["lines"]] == ["1.00", "0.50"]  # the table's 5 % for the US
    stats = httpx.get(f"{avatax.url}/_stats", timeout=5).json()
    assert stats["createTransaction"]["calls"] == 2  # once each: no retry inside the capture


def test_a_retried_request_replays_its_order_though_the_rate_changed(container: Container) -> None:
    payload = order_payload(("A", 1))
    key = {"Idempotency-Key": "client-42"}
    with client_with(container, {"US-NY": "0.08"}) as client:
        first = client.post("/v1/orders", json=payload, headers=key)
    with client_with(container, {"US-NY": "0.09"}) as client:
        again = client.post("/v1/orders", json=payload, headers=key)
        assert money(client, again.json()["id"])["totals"]["tax"] == "0.80"  # the first capture's tax stands
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["id"] == again.json()["id"]
