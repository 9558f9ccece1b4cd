"""Shipped orders and returns in every state, dated against the real clock, for the returns page.

Orders (9.99 a unit, no charges, no payment method: the channel collected), all placed 60 days ago:

- o1: 4 x A, 2 x B, shipped 10 days ago;  o2: 2 x A, 3 x C, shipped 5 days ago;
- o3: 5 x A, shipped 45 days ago (outside the last 30 days).

Returns (``days`` ago: requested / received / settled):

- r1 o1: 2 x A damaged, 1 x B wrong_item, refund; 9 / 7 / 6; A restock + scrap, B refurbish
- r2 o2: 2 x C size_or_fit, store credit; 4 / 3 / 1; C restock + restock
- r3 o1: 1 x A damaged, refund; 2; awaiting review
- r4 o3: 1 x A defective, refund; 20; rejected
- r5 o2: 1 x A no_longer_needed, refund; 1; approved
- r6 o3: 2 x A damaged, refund; 40 / 39 / 35 (outside the period); A restock + restock
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable, Coroutine
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import sqlalchemy as sa

from overture.bootstrap import Container
from overture.domain.returns import Outcome, RequestReturn, ReturnLineRequest, ReturnPolicy, ReturnReason, Settlement
from overture.services import payments, return_settlement, returns
from overture.services.fulfilment import receive_shipment
from overture.services.plans import ShipmentRecord
from overture.services.ports import InboundMessage
from overture.store.tables import orders
from tests.factories import add_locations, add_skus, order_payload, stock

REVIEW_ALL = ReturnPolicy(auto_approve_minor=0)  # every return waits for a person
Post = Callable[[dict[str, Any]], str]  # places an order, answers its id
Run = Callable[[Coroutine[Any, Any, Any]], Any]


def ago(now: datetime, days: float) -> Callable[[], datetime]:
    return lambda: now - timedelta(days=days)


def ship(container: Container, order_id: str, at: datetime, run: Run = asyncio.run) -> None:
    record = ShipmentRecord("shp_" + order_id, order_id, "EWR", "ups", "1Z999AA10123456784", at, [])
    message = InboundMessage("wms", json.dumps({"order_id": order_id}).encode(), container.clock())
    receive_shipment(container.uow, message, lambda _body: record, clock=container.clock)
    run(payments.capture_shipped(container.uow, None, order_id, clock=container.clock))


def ask(
    container: Container,
    order_id: str,
    lines: list[tuple[int, int, ReturnReason]],
    at: datetime,
    settlement: Settlement = Settlement.REFUND,
) -> str:
    requests = tuple(ReturnLineRequest(units, reason, line_no=line_no) for line_no, units, reason in lines)
    command = RequestReturn("api", f"R-{order_id}-{at.timestamp()}", requests, settlement, order_id=order_id)
    ret = returns.request_return(container.uow, command, message=None, policy=REVIEW_ALL, clock=lambda: at).ret
    return ret.id


def approve(container: Container, return_id: str, at: datetime) -> None:
    returns.review_return(container.uow, return_id, approve=True, actor="t", note="", clock=lambda: at)


def receive(container: Container, return_id: str, outcomes: dict[int, list[Outcome]], at: datetime) -> None:
    returns.receive_return(container.uow, return_id, location_id="EWR", outcomes=outcomes, actor="t", clock=lambda: at)


def settle(container: Container, return_id: str, at: datetime, run: Run = asyncio.run) -> None:
    run(return_settlement.settle_return(container.uow, None, return_id, clock=lambda: at))


def place_orders(container: Container, post: Post) -> dict[str, str]:
    add_locations(container, ["EWR"])
    add_skus(container, "A", "B", "C")
    for sku in ("A", "B", "C"):
        stock(container, sku, "EWR", 100)
    return {
        "o1": post(order_payload(("A", 4), ("B", 2))),
        "o2": post(order_payload(("A", 2), ("C", 3))),
        "o3": post(order_payload(("A", 5))),
    }


def placed_days_ago(container: Container, days: float) -> None:
    """Move every order's capture back: the store's age is its first order's."""
    with container.engine.begin() as c:
        c.execute(sa.update(orders).values(created_at=datetime.now(UTC) - timedelta(days=days)))


def seed(container: Container, post: Post, run: Run = asyncio.run) -> dict[str, str]:
    """The store above; the ids of its orders and returns by name."""
    now = datetime.now(UTC)
    ids = place_orders(container, post)
    o1, o2, o3 = ids["o1"], ids["o2"], ids["o3"]
    for order_id, days in ((o1, 10), (o2, 5), (o3, 45)):
        ship(container, order_id, now - timedelta(days=days), run)
    r = ReturnReason
    ids["r6"] = ask(container, o3, [(1, 2, r.DAMAGED)], now - timedelta(days=40))
    ids["r1"] = ask(container, o1, [(1, 2, r.DAMAGED), (2, 1, r.WRONG_ITEM)], now - timedelta(days=9))
    ids["r4"] = ask(container, o3, [(1, 1, r.DEFECTIVE)], now - timedelta(days=20))
    ids["r2"] = ask(container, o2, [(2, 2, r.SIZE_OR_FIT)], now - timedelta(days=4), Settlement.STORE_CREDIT)
    ids["r3"] = ask(container, o1, [(1, 1, r.DAMAGED)], now - timedelta(days=2))
    ids["r5"] = ask(container, o2, [(1, 1, r.NO_LONGER_NEEDED)], now - timedelta(days=1))
    _move_on(container, ids, now, run)
    placed_days_ago(container, 60)
    return ids


def _move_on(container: Container, ids: dict[str, str], now: datetime, run: Run) -> None:
    def at(days: float) -> datetime:
        return now - timedelta(days=days)

    o = Outcome
    for name, days in (("r6", 40), ("r1", 9), ("r2", 4), ("r5", 1)):
        approve(container, ids[name], at(days))
    returns.review_return(container.uow, ids["r4"], approve=False, actor="t", note="worn", clock=lambda: at(19))
    receive(container, ids["r6"], {1: [o.RESTOCK, o.RESTOCK]}, at(39))
    receive(container, ids["r1"], {1: [o.RESTOCK, o.SCRAP], 2: [o.REFURBISH]}, at(7))
    receive(container, ids["r2"], {2: [o.RESTOCK, o.RESTOCK]}, at(3))
    for name, days in (("r6", 35), ("r1", 6), ("r2", 1)):
        settle(container, ids[name], at(days), run)


def api_poster(client: Any) -> Post:
    """Orders through the real API (a TestClient or an httpx client on a live server)."""

    def post(body: dict[str, Any]) -> str:
        answer = client.post("/v1/orders", json=body)
        assert answer.status_code == 201, answer.text
        return str(answer.json()["id"])

    return post


def live_poster(url: str) -> Post:
    def post(body: dict[str, Any]) -> str:
        answer = httpx.post(f"{url}/v1/orders", json=body, timeout=10)
        assert answer.status_code == 201, answer.text
        return str(answer.json()["id"])

    return post
