"""Sellers with offers, sub-orders in every state, an account long enough to page, a payout, a case
and an incident, dated against the real clock (the pages read it), written through the services and
the marketplace port, for the seller pages (tests/ui/test_seller_pages.py, tests/browser).

- acme (approved): 2 offers; 10 sub-orders shipped in the last days, one of them late (10% late
  shipment: over the 4% limit; the review warned of it, a case), all tracked; one more awaiting its
  answer, opened 60 h ago (alert passed 36 h ago, 12 h left). Its account: a credit of 50.00 ten days
  ago, paid out since (-50.00), then 60 sales of 1.00 in three postings of 20 sharing a time each
  (so a page of 50 ends inside a posting); balance 60.00. An incident open on one sub-order.
- bolt (approved, on holiday): 2 sub-orders awaiting, opened 80 h ago (8 h past due) and 1 h ago
  (71 h left, alert in 23 h); too few to judge. No entries.
- cosy (pending): nothing yet.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

import httpx

from overture.bootstrap import Container
from overture.domain.ids import new_id
from overture.domain.marketplace.commission import CommissionTerms
from overture.domain.marketplace.seller_ledger import SellerEntry, SellerEntryKind
from overture.domain.marketplace.sellers import SellerStatus
from overture.domain.marketplace.sub_orders import LineState, SellerLine, SubOrder, SubOrderStatus
from overture.services.marketplace import governance, offers, seller_ledger, sellers
from overture.services.marketplace.split import open_sub_orders
from overture.services.ports import UnitOfWork
from overture.services.ports.marketplace import Incident
from overture.services.retry import in_transaction
from tests.factories import add_locations, add_skus, order_payload, stock

Post = Callable[[dict[str, Any]], str]  # places an order, answers its id
SALES, BALANCE_MINOR = 60, 6000
APPROVE = (SellerStatus.ONBOARDING, SellerStatus.READY_FOR_REVIEW, SellerStatus.APPROVED)


@dataclass
class Sellers:
    now: datetime
    shipped: list[str]  # acme's shipped sub-orders
    late: str
    waiting: dict[str, str]  # "acme" (12 h left), "bolt-overdue", "bolt-fresh" -> sub-order id
    incident: str


def api_poster(client: httpx.Client) -> Post:
    def post(body: dict[str, Any]) -> str:
        answer = client.post("/v1/orders", json=body)
        assert answer.status_code == 201, answer.text
        order_id: str = answer.json()["id"]
        return order_id

    return post


def _fixed(at: datetime) -> Callable[[], datetime]:
    return lambda: at


def _register(container: Container, seller_id: str, name: str, at: datetime, *moves: SellerStatus) -> None:
    sellers.register(container.uow, seller_id, name, profile={"bank_account_ref": f"{seller_id}-bank"}, actor="t",
                     clock=_fixed(at))  # fmt: skip
    for target in moves:
        sellers.set_status(container.uow, seller_id, target, actor="t", note="seeded", clock=_fixed(at))


def _sub_order(container: Container, order_id: str, seller_id: str, opened: datetime) -> SubOrder:
    """The order's line 1 given to the seller and split, as split.py does after the payment."""
    line = SellerLine(
        new_id("sl"), order_id, 1, 1, seller_id, f"of-{seller_id}-GADGET", sellers.location_of(seller_id),
        "GADGET", 2, "USD", CommissionTerms("default", Decimal(10)), 100, 0, created_at=opened,
    )  # fmt: skip

    def work(uow: UnitOfWork) -> SubOrder:
        uow.marketplace.add_lines([line])
        (sub,) = open_sub_orders(uow, order_id, [line], at=opened)
        return sub

    return in_transaction(container.uow, work)


def _ship(container: Container, sub: SubOrder, at: datetime, *, late: bool) -> None:
    def work(uow: UnitOfWork) -> None:
        for line in uow.marketplace.lines_of_sub_order(sub.id):
            uow.marketplace.update_line(line.id, status=LineState.SHIPPED, decided_at=at)
        uow.marketplace.update_sub_order(
            sub.id, at, status=SubOrderStatus.SHIPPED, ship_by=at - timedelta(hours=2 if late else -24),
            shipped_at=at, late=late, carrier="ups", tracking_number="1Z999AA10123456784", tracking_valid=True,
        )  # fmt: skip

    in_transaction(container.uow, work)


def _account(container: Container, now: datetime) -> None:
    credit = now - timedelta(days=10)
    seller_ledger.manual_entry(container.uow, "acme", kind="MANUAL_CREDIT", amount_minor=5000, reason="welcome",
                               actor="olga (operator)", clock=_fixed(credit))  # fmt: skip
    seller_ledger.run_payouts(container.uow, clock=_fixed(now - timedelta(days=2)), seller_ids=["acme"])
    for batch in range(3):
        at = now - timedelta(hours=3 - batch)
        entries = [
            SellerEntry("acme", SellerEntryKind.ORDER_AMOUNT, 100, "USD", f"sale {batch * 20 + n}", "marketplace", at)
            for n in range(20)
        ]
        in_transaction(
            container.uow, lambda uow, e=entries, a=at, b=batch: uow.marketplace.post(f"sales:{b}", "acme", e, a)
        )


def _incident(container: Container, sub: SubOrder, now: datetime) -> str:
    incident = Incident(
        new_id("inc"), sub.order_id, sub.id, sub.seller_id, "damaged", "arrived broken", "open", "customer",
        now - timedelta(hours=5), now + timedelta(hours=43),
    )  # fmt: skip
    in_transaction(container.uow, lambda uow: uow.marketplace.add_incident(incident))
    return incident.id


def seed_sellers(container: Container, post: Post) -> Sellers:
    now = container.clock()
    add_locations(container, ["EWR"])
    add_skus(container, "GADGET")
    stock(container, "GADGET", "EWR", 1000)
    _register(container, "acme", "Acme Goods", now - timedelta(days=40), *APPROVE)
    _register(container, "bolt", "Bolt & Sons", now - timedelta(days=40), *APPROVE)
    _register(container, "cosy", "Cosy Home", now - timedelta(days=1))
    sellers.set_holiday(container.uow, "bolt", True, actor="t", clock=container.clock)
    # The customers' orders first, from the warehouse: an order placed once acme offers GADGET would go
    # through the buy box, which gives its lines to sellers itself (here they are given by hand).
    orders = [post(order_payload(("GADGET", 2))) for _ in range(13)]
    rows = [
        {"sku": "GADGET", "title": "Gadget", "price": "19.99", "quantity": "40", "shipping_price": "4.50"},
        {"sku": "WIDGET-2", "title": "Widget, two", "price": "5.00", "quantity": "0", "active": "no"},
    ]
    report = offers.import_rows(container.uow, "acme", rows, actor="t", clock=container.clock)
    assert not report.errors, report.errors
    shipped = []
    for n in range(10):
        sub = _sub_order(container, orders[n], "acme", now - timedelta(days=5, hours=n))
        _ship(container, sub, now - timedelta(days=3, hours=n), late=n == 0)
        shipped.append(sub.id)
    waiting = {"acme": _sub_order(container, orders[10], "acme", now - timedelta(hours=60)).id}
    for order_id, name, hours in ((orders[11], "bolt-overdue", 80), (orders[12], "bolt-fresh", 1)):
        waiting[name] = _sub_order(container, order_id, "bolt", now - timedelta(hours=hours)).id
    review = governance.review(container.uow, "acme", clock=container.clock)
    assert review.warned == ["late_shipment_rate"], review
    _account(container, now)
    with container.uow(readonly=True) as uow:
        damaged = uow.marketplace.sub_order(shipped[1])
    assert damaged is not None
    return Sellers(now, shipped, shipped[0], waiting, _incident(container, damaged, now))
