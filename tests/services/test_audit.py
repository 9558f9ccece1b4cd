"""``overture audit`` (services/audit.py) on both stores: quiet on true books, loud on each kind of lie."""

from __future__ import annotations

import sqlalchemy as sa
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from overture.bootstrap import Container
from overture.cli import app
from overture.services.audit import audit
from overture.services.ports.audit import Check
from overture.store.tables import inventory_positions, order_lines, orders, reservations
from tests.factories import add_locations, add_skus, order_payload, stock


def _placed_order(client: TestClient, container: Container) -> str:
    add_locations(container, ["EWR"])
    add_skus(container, "SKU-1")
    stock(container, "SKU-1", "EWR", 10)
    response = client.post("/v1/orders", json=order_payload(("SKU-1", 3)))
    assert response.status_code == 201, response.text
    order_id: str = response.json()["id"]
    return order_id


def _run(container: Container, statement: sa.Executable) -> None:
    with container.engine.begin() as c:
        c.execute(statement)


def test_true_books_give_no_disagreement(client: TestClient, container: Container) -> None:
    _placed_order(client, container)
    assert audit(container.uow) == []


def test_on_hand_and_reserved_moved_outside_the_ledger_are_both_named(client: TestClient, container: Container) -> None:
    _placed_order(client, container)
    # What the PostgreSQL shipment bug left behind: both figures inflated by the same amount.
    p = inventory_positions
    _run(container, sa.update(p).values(on_hand=p.c.on_hand + 3, reserved=p.c.reserved + 3))
    found = {d.check: d for d in audit(container.uow)}
    assert set(found) == {Check.ON_HAND_VS_LEDGER, Check.RESERVED_VS_LEDGER, Check.RESERVED_VS_RESERVATIONS}
    assert found[Check.ON_HAND_VS_LEDGER].subject == "SKU-1 at EWR"
    assert "on hand 13, ledger movements sum to 10" in found[Check.ON_HAND_VS_LEDGER].detail
    assert "reserved 6, active reservations sum to 3" in found[Check.RESERVED_VS_RESERVATIONS].detail


def test_a_completed_order_still_holding_a_reservation_is_named(client: TestClient, container: Container) -> None:
    order_id = _placed_order(client, container)
    _run(container, sa.update(orders).where(orders.c.id == order_id).values(status="completed"))
    [found] = audit(container.uow)
    assert found.check is Check.CLOSED_ORDER_HOLDS_STOCK
    assert found.subject == f"order {order_id}"
    assert "3 x SKU-1 at EWR" in found.detail


def test_a_shipped_line_without_a_shipment_is_named(client: TestClient, container: Container) -> None:
    order_id = _placed_order(client, container)
    _run(container, sa.update(order_lines).where(order_lines.c.order_id == order_id).values(status="shipped"))
    [found] = audit(container.uow)
    assert found.check is Check.SHIPPED_WITHOUT_SHIPMENT
    assert "line 1 (SKU-1)" in found.detail


def test_a_reservation_settled_as_shipped_with_no_shipment_from_its_location_is_named(
    client: TestClient, container: Container
) -> None:
    order_id = _placed_order(client, container)
    # Settled by hand as the shipment path would, but with no shipment row: the ledger agrees, the shipment is missing.
    p = inventory_positions
    _run(container, sa.update(reservations).where(reservations.c.order_id == order_id).values(status="shipped"))
    _run(container, sa.update(p).values(reserved=0))
    checks = [d.check for d in audit(container.uow)]
    assert Check.SHIPPED_WITHOUT_SHIPMENT in checks
    assert "from EWR" in next(str(d) for d in audit(container.uow) if d.check is Check.SHIPPED_WITHOUT_SHIPMENT)


def test_the_cli_exits_1_and_prints_each_disagreement(client: TestClient, container: Container) -> None:
    order_id = _placed_order(client, container)
    runner = CliRunner()
    url = container.settings.resolved_database_url()
    clean = runner.invoke(app, ["audit", "--database-url", url])
    assert clean.exit_code == 0, clean.output
    assert "books agree" in clean.output
    _run(container, sa.update(orders).where(orders.c.id == order_id).values(status="cancelled"))
    dirty = runner.invoke(app, ["audit", "--database-url", url, "--json"])
    assert dirty.exit_code == 1
    assert '"check":"closed_order_holds_stock"' in dirty.output
