"""The order page as a workbench, over the real app and store (SQLite and PostgreSQL): who and where to,
the money, lines with their stock, shipments, and the actions allowed now with their answers in place.

Orders are placed through the API; the workflow engine is absent (no Temporal here), so a cancel that
reaches it goes to a stand-in that answers as the workflow does."""

from __future__ import annotations

import html
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from overture.app import create_app
from overture.bootstrap import Container
from overture.services.ports.order_workflow import CancelOutcome, CancelRequest
from overture.store.tables import order_exceptions, orders
from tests.factories import add_locations, add_skus, order_payload, stock


class CancelStandIn:
    def __init__(self, answer: CancelOutcome) -> None:
        self.answer = answer
        self.asked: list[tuple[str, CancelRequest]] = []

    async def cancel(self, order_id: str, request: CancelRequest) -> CancelOutcome:
        self.asked.append((order_id, request))
        return self.answer


@pytest.fixture
def engine() -> CancelStandIn:
    return CancelStandIn(CancelOutcome("cancelled", "stock given back at EWR"))


@pytest.fixture
def console(container: Container, engine: CancelStandIn) -> Iterator[TestClient]:
    add_locations(container, ["EWR"])
    add_skus(container, "A")
    stock(container, "A", "EWR", 10)
    app = create_app(container)
    app.state.order_workflows = engine
    with TestClient(app) as client:
        yield client


def _place(client: TestClient, **extra: Any) -> str:
    ship_to = {"name": "Zoë Marchetti", "line1": "12 Harbour Rd", "line2": "Unit 4", "city": "Portland",
               "region": "ME", "postal_code": "04101", "country": "US"}  # fmt: skip
    body = order_payload(("A", 3), ship_to=ship_to, **extra)
    body["customer"] = {"reference": "C-77", "name": "Zoë Marchetti", "email": "zoe@shop.example"}
    answer = client.post("/v1/orders", json=body)
    assert answer.status_code == 201, answer.text
    return str(answer.json()["id"])


def _text(page: str) -> str:
    return html.unescape(page)


def test_the_page_shows_customer_ship_to_money_and_each_lines_stock(console: TestClient) -> None:
    order_id = _place(console, charges=[{"kind": "shipping", "amount": "5.00"}])
    page = _text(console.get(f"/orders/{order_id}").text)
    who = ("Zoë Marchetti", "zoe@shop.example", "reference C-77")
    for shown in (*who, "12 Harbour Rd", "Unit 4", "Portland, ME 04101"):
        assert shown in page, shown
    assert "29.97 USD" in page  # 3 x 9.99 on the lines
    assert "shipping" in page and "5.00 USD" in page and "34.97 USD" in page
    assert "3 at EWR (active)" in page
    assert "Not shipped yet." in page


def test_a_declared_total_that_differs_is_shown_with_the_difference(console: TestClient, container: Container) -> None:
    order_id = _place(console)
    with container.engine.begin() as c:
        c.execute(sa.update(orders).where(orders.c.id == order_id).values(declared_total=Decimal("31.00")))
    page = _text(console.get(f"/orders/{order_id}").text)
    assert "Declared by the channel" in page and "differs by 1.03 USD" in page


def test_an_order_not_yet_shipped_offers_cancel_and_the_answer_shows_in_place(
    console: TestClient, engine: CancelStandIn
) -> None:
    order_id = _place(console)
    page = console.get(f"/orders/{order_id}").text
    assert 'data-testid="cancel-form"' in page
    answer = console.post(f"/orders/{order_id}/cancel", data={"reason": "customer changed their mind"})
    assert answer.status_code == 200
    assert "cancelled: stock given back at EWR" in answer.text and 'hx-swap-oob="true"' in answer.text
    assert engine.asked == [(order_id, CancelRequest("customer changed their mind", "dashboard"))]


def test_a_refused_cancel_says_why_in_place(console: TestClient, container: Container, engine: CancelStandIn) -> None:
    order_id = _place(console)
    without_reason = console.post(f"/orders/{order_id}/cancel", data={"reason": " "})
    assert without_reason.status_code == 409 and "say why the order is cancelled" in _text(without_reason.text)
    engine.answer = CancelOutcome("refused", "the warehouse shipped it already")
    refused = console.post(f"/orders/{order_id}/cancel", data={"reason": "late"})
    assert refused.status_code == 409 and "not cancelled: the warehouse shipped it already" in _text(refused.text)
    with container.engine.begin() as c:
        c.execute(sa.update(orders).where(orders.c.id == order_id).values(status="completed"))
    page = _text(console.get(f"/orders/{order_id}").text)
    assert 'data-testid="cancel-form"' not in page and "Nothing to decide: the order is completed" in page
    too_late = console.post(f"/orders/{order_id}/cancel", data={"reason": "late"})
    assert too_late.status_code == 409 and "completed can no longer be cancelled" in _text(too_late.text)


def test_open_exceptions_are_the_queues_rows_with_their_actions(console: TestClient, container: Container) -> None:
    order_id = _place(console)
    with container.engine.begin() as c:
        c.execute(
            order_exceptions.insert(),
            {"id": "exc_held", "order_id": order_id, "type": "insufficient_stock", "step": "reserve",
             "reason": "short of A", "severity": "high", "allowed_actions": ["retry", "reroute", "cancel"],
             "details": {}, "status": "open", "created_at": container.clock()},
        )  # fmt: skip
    page = console.get(f"/orders/{order_id}").text
    assert 'id="exc-exc_held"' in page
    for action in ('data-testid="action-retry-exc_held"', 'data-testid="action-reroute-exc_held"'):
        assert action in page
