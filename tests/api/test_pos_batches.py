"""``POST /v1/channels/pos/batches`` and ``overture import pos FILE``: per-row answers, a file that cannot
be read refused (422, kept in quarantine), and the same import from the command line."""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from overture.bootstrap import Container, bootstrap
from overture.cli import app as cli
from overture.config import Settings
from overture.domain.inventory import Location, LocationKind
from overture.services import inventory
from overture.store.tables import inbound_messages
from tests.factories import add_skus, stock

BATCH = b"store,receipt,sku,quantity,unit_price\nSTORE-1,1,MUG,2,10\nSTORE-1,2,MUG,x,10\nSTORE-1,3,MUG,-1,10\n"


def _shop(container: Container) -> None:
    store = Location("STORE-1", "Store 1", 40.75, -73.99, LocationKind.STORE, postal_code="10001")
    inventory.add_location(container.uow, store, clock=container.clock)
    add_skus(container, "MUG")
    stock(container, "MUG", "STORE-1", 5)


def test_each_row_is_answered(client: TestClient, container: Container) -> None:
    _shop(container)
    answer = client.post("/v1/channels/pos/batches", content=BATCH, headers={"Content-Type": "text/csv"})
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert not body["complete"]
    assert [(r["row"], r["status"]) for r in body["rows"]] == [(2, "completed"), (3, "rejected"), (4, "refunded")]
    assert body["rows"][1]["errors"] == [
        {"row": 3, "column": "quantity", "code": "invalid_value", "reason": "'x' is not a whole number"}
    ]
    order = client.get(f"/v1/orders/{body['rows'][0]['order_id']}")
    assert order.status_code == 200 and order.json()["status"] == "completed" and order.json()["channel"] == "pos"
    assert client.get(f"/orders/{body['rows'][0]['order_id']}").status_code == 200  # the dashboard's order page
    again = client.post("/v1/channels/pos/batches", content=BATCH, headers={"Content-Type": "text/csv"}).json()
    assert [r["status"] for r in again["rows"]] == ["duplicate", "rejected", "duplicate"]


def test_a_file_that_cannot_be_read_is_422_and_kept(client: TestClient, container: Container) -> None:
    answer = client.post("/v1/channels/pos/batches", content=b"store,sku\n", headers={"Content-Type": "text/csv"})
    assert answer.status_code == 422
    assert "receipt" in answer.json()["errors"][0]["reason"]
    with container.engine.connect() as c:
        status = c.scalar(
            sa.select(inbound_messages.c.status).where(inbound_messages.c.id == answer.json()["message_id"])
        )
    assert status == "quarantined"


def test_the_command_line_imports_the_same(tmp_path: Path) -> None:
    container = bootstrap(Settings(home=tmp_path, database_url=None, auth="off"))
    _shop(container)
    container.close()
    path = tmp_path / "till.csv"
    path.write_bytes(BATCH)
    env = {"OVERTURE_HOME": str(tmp_path), "OVERTURE_DATABASE_URL": ""}
    result = CliRunner().invoke(cli, ["import", "pos", str(path)], env=env)
    assert result.exit_code == 1, result.output  # row 3 is bad
    assert "3 rows, 3 receipts: 2 recorded, 0 already recorded, 1 rejected" in result.output
    assert "row 3, quantity: 'x' is not a whole number" in result.output
    path.write_bytes(BATCH.replace(b"MUG,x,10", b"MUG,1,10"))
    result = CliRunner().invoke(cli, ["import", "pos", str(path)], env=env)
    assert result.exit_code == 0 and "1 recorded, 2 already recorded, 0 rejected" in result.output
