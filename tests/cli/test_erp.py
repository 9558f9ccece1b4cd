"""``overture erp sync-items`` and ``push-items`` against the Acumatica simulator, into a real store on
SQLite and PostgreSQL: the settings name the instance, the item class and the base currency; exit 1
when something was reported and not applied, 2 when Acumatica is not configured."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import httpx
import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

from overture.bootstrap import Container
from overture.cli import app
from overture.domain.inventory import Sku
from overture.services import inventory
from overture.simulators import SimulatorServer
from overture.simulators.acumatica import SIM_PASSWORD, SIM_TENANT, SIM_USER, create_acumatica_app
from overture.store.tables import skus

runner = CliRunner()


@pytest.fixture(scope="module")
def server() -> Iterator[SimulatorServer]:
    with SimulatorServer(create_acumatica_app()) as running:
        yield running


@pytest.fixture
def env(server: SimulatorServer) -> dict[str, str]:
    httpx.post(server.url + "/_reset").raise_for_status()
    return {
        "OVERTURE_ERP_KIND": "acumatica",
        "OVERTURE_ACUMATICA_URL": server.url,
        "OVERTURE_ACUMATICA_USERNAME": SIM_USER,
        "OVERTURE_ACUMATICA_PASSWORD": SIM_PASSWORD,
        "OVERTURE_ACUMATICA_TENANT": SIM_TENANT,
        "OVERTURE_ACUMATICA_ITEM_CLASS": "WEBITEM",
        "OVERTURE_ACUMATICA_BASE_CURRENCY": "CAD",
    }


def test_sync_items_then_push_items_through_the_command_line(
    container: Container, env: dict[str, str], tmp_path: Path
) -> None:
    url = env["OVERTURE_ACUMATICA_URL"]
    httpx.post(url + "/_stock_items", json={"InventoryID": "ERP-1", "DefaultPrice": 8}).raise_for_status()
    httpx.post(url + "/_stock_items", json={"InventoryID": "ERP-2", "ItemStatus": "Inactive"}).raise_for_status()
    inventory.upsert_skus(container.uow, [Sku("HUB-1", "Made here")], clock=container.clock)
    store = ["--database-url", container.settings.resolved_database_url(), "--home", str(tmp_path)]

    pulled = runner.invoke(app, ["erp", "sync-items", *store], env=env)
    pushed = runner.invoke(app, ["erp", "push-items", *store], env=env)

    assert pulled.exit_code == 1, pulled.output  # ERP-2 is inactive: reported
    assert "1 SKU(s) created" in pulled.output and "ERP-2: Inactive in Acumatica" in pulled.output
    assert pushed.exit_code == 0, pushed.output
    assert "1 SKU(s) created in the ERP" in pushed.output
    with container.engine.connect() as c:
        held = {r.sku: r.price_currency for r in c.execute(sa.select(skus.c.sku, skus.c.price_currency))}
    assert held == {"ERP-1": "CAD", "HUB-1": None}
    records = {r["InventoryID"]: r for r in httpx.get(url + "/_records").json()["StockItem"]}
    assert records["HUB-1"]["ItemClass"] == "WEBITEM" and Decimal(records["ERP-1"]["DefaultPrice"]) == 8


def test_without_acumatica_configured_the_commands_refuse(container: Container, tmp_path: Path) -> None:
    store = ["--database-url", container.settings.resolved_database_url(), "--home", str(tmp_path)]
    for command in ("sync-items", "push-items"):
        result = runner.invoke(app, ["erp", command, *store], env={"OVERTURE_ERP_KIND": "generic"})
        assert result.exit_code == 2, result.output
