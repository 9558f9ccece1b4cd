"""An edit being carried out while the workflow releases the order: on both stores the release waits
for the edit's transaction (the order's row is locked from the status check on), then finds the order
placed again and releases that. Before, on PostgreSQL, the release committed in between and the edit
then put an order the warehouse already held back to routed, where its shipment could never be
recorded (the soak run found one such order in 7,132)."""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from overture.bootstrap import Container
from overture.domain.orders import LineEdit
from overture.services import amendments, order_edits
from overture.services.amendments import Amendment
from overture.store.tables import order_lines, orders
from tests.factories import add_locations, add_skus, order_payload, stock


def test_a_release_during_an_edit_waits_for_it_and_the_order_is_not_routed_again(
    client: TestClient, container: Container, monkeypatch: pytest.MonkeyPatch
) -> None:
    add_locations(container, ["EWR"])
    add_skus(container, "WIDGET")
    stock(container, "WIDGET", "EWR", 10)
    order_id = client.post("/v1/orders", json=order_payload(("WIDGET", 2))).json()["id"]
    placed = amendments.replace_placement
    released_at: list[float] = []

    def release() -> None:  # the workflow's step, as a conditional status change in its own transaction
        with container.engine.begin() as c:
            c.execute(
                sa.update(orders).where(orders.c.id == order_id, orders.c.status == "routed").values(status="released")
            )
        released_at.append(time.monotonic())

    def placing_while_released(*args: Any, **kwargs: Any) -> Any:
        releasing = threading.Thread(target=release)
        releasing.start()
        releasing.join(1.0)  # it must wait for this transaction, not commit now
        return placed(*args, **kwargs)

    monkeypatch.setattr(amendments, "replace_placement", placing_while_released)
    amendment = Amendment("ops (operator)", "one more", "edit", (LineEdit(1, quantity=3),))
    order_edits.apply_edit(container.uow, order_id, amendment, geocoder=container.geocoder, clock=container.clock)
    edited_at = time.monotonic()

    deadline = time.monotonic() + 30
    while not released_at and time.monotonic() < deadline:
        time.sleep(0.05)
    assert released_at and released_at[0] >= edited_at - 0.05, "the release committed inside the edit"
    with container.engine.connect() as c:
        assert c.scalar(sa.select(orders.c.status).where(orders.c.id == order_id)) == "released"
        assert c.scalar(sa.select(order_lines.c.quantity).where(order_lines.c.order_id == order_id)) == 3
