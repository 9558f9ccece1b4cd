"""Changing an order's lines from its page, over the real app and store (SQLite and PostgreSQL): the
form offers each line's quantity; a preview says what the order would owe and where its units would
come from and changes nothing; applying goes through the one edit path (stock given back, the ledger
re-priced); a change without a reason, or with nothing changed, is refused in words."""

from __future__ import annotations

from decimal import Decimal

import sqlalchemy as sa
from fastapi.testclient import TestClient

from overture.bootstrap import Container
from overture.store.tables import inventory_positions
from tests.factories import add_locations, add_skus, order_payload, stock


def _placed(client: TestClient, container: Container) -> str:
    add_locations(container, ["EWR"])
    add_skus(container, "A", "B")
    stock(container, "A", "EWR", 10)
    stock(container, "B", "EWR", 10)
    answer = client.post("/v1/orders", json=order_payload(("A", 3), ("B", 1)))
    assert answer.status_code == 201, answer.text
    return str(answer.json()["id"])


def _reserved(container: Container, sku: str) -> int:
    p = inventory_positions.c
    with container.engine.connect() as c:
        return int(c.scalar(sa.select(p.reserved).where(p.sku == sku, p.location_id == "EWR")) or 0)


def _due(client: TestClient, order_id: str) -> Decimal:
    return Decimal(client.get(f"/v1/orders/{order_id}/money").json()["totals"]["due"])


def test_a_preview_changes_nothing_and_applying_goes_through_the_edit_path(
    client: TestClient, container: Container
) -> None:
    order_id = _placed(client, container)
    page = client.get(f"/orders/{order_id}").text
    assert 'data-testid="lines-form"' in page and 'name="qty_1" value="3"' in page
    form = {"qty_1": "1", "qty_2": "1", "reason": "customer wants fewer", "mode": "preview"}
    preview = client.post(f"/orders/{order_id}/lines", data=form)
    assert preview.status_code == 200, preview.text
    assert "would leave it" in preview.text and "owes 19.98 USD (-19.98 USD)" in preview.text
    assert "line 1: 1 at EWR" in preview.text
    assert _reserved(container, "A") == 3 and _due(client, order_id) == Decimal("39.96")
    applied = client.post(f"/orders/{order_id}/lines", data={**form, "mode": "apply"})
    assert applied.status_code == 200 and "applied:" in applied.text, applied.text
    assert _reserved(container, "A") == 1 and _due(client, order_id) == Decimal("19.98")
    timeline = client.get(f"/v1/orders/{order_id}").json()["timeline"]
    assert any("customer wants fewer" in str(entry.get("reason", "")) for entry in timeline), timeline


def test_without_a_reason_or_a_change_it_is_refused_in_words(client: TestClient, container: Container) -> None:
    order_id = _placed(client, container)
    no_reason = client.post(f"/orders/{order_id}/lines", data={"qty_1": "2", "reason": " ", "mode": "apply"})
    assert no_reason.status_code == 409 and "say why the lines change" in no_reason.text
    unchanged = client.post(f"/orders/{order_id}/lines", data={"qty_1": "3", "reason": "x", "mode": "apply"})
    assert unchanged.status_code == 409 and "nothing to change" in unchanged.text
    gone = client.post(f"/orders/{order_id}/lines", data={"qty_1": "0", "qty_2": "0", "reason": "x", "mode": "apply"})
    assert gone.status_code == 409 and "cancel the order instead" in gone.text
