"""Sourcing through the real app: the configured rate table decides, the routing endpoint and the CLI explain."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from rich.console import Console
from typer.testing import CliRunner

from overture.bootstrap import Container
from overture.cli import app as cli
from overture.cli import routing as routing_cli
from tests.factories import order_payload

runner = CliRunner()


@pytest.fixture(autouse=True)
def wide_console(monkeypatch: pytest.MonkeyPatch) -> None:
    """The CLI's tables at 200 columns whatever the process's terminal (an xdist worker's is a pipe)."""
    monkeypatch.setattr(routing_cli, "console", Console(width=200))


# A store's floor is dear to pick from; the warehouse 130 km away is in the next zone but still cheaper.
SETTINGS = {
    "rate_table": [
        {"max_km": 50, "base": 5.0, "per_kg": 0.5, "transit_days": 1},
        {"max_km": 500, "base": 7.0, "per_kg": 0.5, "transit_days": 2},
        {"max_km": None, "base": 12.0, "per_kg": 1.0, "transit_days": 4},
    ],
    "handling_by_kind": {"store": 9.0, "warehouse": 1.0},
    "split_penalty": 5.0,
}


def _network(client: TestClient, *, hazmat: bool = False) -> None:
    assert client.put("/v1/sourcing/settings", json=SETTINGS).status_code == 200
    for body in (
        {"id": "NYC-STORE", "name": "Herald Sq", "kind": "store", "postal_code": "10001"},
        {"id": "PHL-DC", "name": "Philadelphia DC", "postal_code": "19103", "capabilities": ["hazmat"]},
    ):
        assert client.post("/v1/locations", json=body).status_code == 201
    client.post("/v1/skus", json=[{"sku": "KETTLE", "weight_kg": 2.0, "hazmat": hazmat}])
    receipts = [{"sku": "KETTLE", "location_id": loc, "quantity": 5} for loc in ("NYC-STORE", "PHL-DC")]
    assert client.post("/v1/inventory/receipts", json={"entries": receipts}).status_code == 201


def _routing(client: TestClient, order_id: str) -> dict[str, Any]:
    response = client.get(f"/v1/orders/{order_id}/routing")
    assert response.status_code == 200
    (decision,) = response.json()["decisions"]
    return dict(decision)


def _by_location(candidates: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {c["location_id"]: c for c in candidates if "location_id" in c}


def test_cost_strategy_picks_the_cheaper_farther_warehouse_and_explains_why(client: TestClient) -> None:
    _network(client)
    order_id = client.post("/v1/orders", json=order_payload(("KETTLE", 1), zip_code="10001")).json()["id"]
    order = client.get(f"/v1/orders/{order_id}").json()
    assert [r["location_id"] for r in order["reservations"]] == ["PHL-DC"]
    routing = _routing(client, order_id)
    assert routing["strategy"] == "cost"
    assert routing["chosen"]["locations"] == ["PHL-DC"]
    store, warehouse = (_by_location(routing["candidates"])[k] for k in ("NYC-STORE", "PHL-DC"))
    assert store["distance_km"] < warehouse["distance_km"]
    assert store["components"]["total"] > warehouse["components"]["total"]
    assert store["components"]["handling"] == 9.0 and warehouse["components"]["shipping"] == 7.0 + 0.5 * 2.0
    assert store["constraint"] is None and "nearer" in store["reason"]
    assert routing["rejected"] == []


def test_a_hard_constraint_rules_the_nearer_location_out(client: TestClient) -> None:
    _network(client, hazmat=True)
    assert client.put("/v1/sourcing/settings", json={"handling_by_kind": {}}).status_code == 200
    order_id = client.post("/v1/orders", json=order_payload(("KETTLE", 1), zip_code="10001")).json()["id"]
    routing = _routing(client, order_id)
    assert routing["chosen"]["locations"] == ["PHL-DC"]
    (store,) = routing["rejected"]
    assert (store["location_id"], store["constraint"]) == ("NYC-STORE", "capability")


def test_the_channel_strategy_comes_from_the_settings(client: TestClient) -> None:
    _network(client)
    settings = {**SETTINGS, "strategies": {"edi": "nearest"}}
    assert client.put("/v1/sourcing/settings", json=settings).json()["strategies"] == {"edi": "nearest"}
    order_id = client.post("/v1/orders", json=order_payload(("KETTLE", 1), channel="edi")).json()["id"]
    routing = _routing(client, order_id)
    assert (routing["strategy"], routing["chosen"]["locations"]) == ("nearest", ["NYC-STORE"])


def test_settings_refuse_a_rate_table_without_an_open_last_zone(client: TestClient) -> None:
    table = [{"max_km": 50, "base": 5.0, "per_kg": 0.5, "transit_days": 1}]
    assert client.put("/v1/sourcing/settings", json={"rate_table": table}).status_code == 422


def test_routing_of_an_unknown_order_is_404(client: TestClient) -> None:
    assert client.get("/v1/orders/ord_missing/routing").status_code == 404


def test_cli_prints_the_explanation_as_a_table(client: TestClient, container: Container) -> None:
    _network(client)
    order_id = client.post("/v1/orders", json=order_payload(("KETTLE", 1), zip_code="10001")).json()["id"]
    env = {"OVERTURE_HOME": str(container.settings.home), "OVERTURE_DATABASE_URL": str(container.engine.url)}
    result = runner.invoke(cli, ["route", "explain", order_id], env={**env, "COLUMNS": "200"}, terminal_width=200)
    assert result.exit_code == 0, result.output
    assert "cost strategy" in result.output, result.output
    chosen_row = next(line for line in result.output.splitlines() if "PHL-DC" in line and "chosen" in line)
    assert "8.00" in chosen_row  # shipping: zone base 7.00 + 2 kg x 0.50
    assert any("NYC-STORE" in line and "rejected" in line for line in result.output.splitlines())
    missing = runner.invoke(cli, ["route", "explain", "ord_missing"], env=env)
    assert missing.exit_code == 1
