"""One marketplace order through the services, on SQLite and PostgreSQL: the buy box at capture with
its candidates, a split done once however often it is asked for, a seller's acceptance and another's
refusal (the line re-routed, or refunded when no one else sells it), a shipment, a partial refund
with the commission's clawback, and the payout after the hold."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from decimal import Decimal

import pytest

from overture.bootstrap import Container
from overture.domain.charging import Why
from overture.domain.marketplace.commission import CommissionRule, CommissionTerms
from overture.domain.marketplace.sub_orders import LineState, SubOrderStatus
from overture.services import payments
from overture.services.errors import NotFound
from overture.services.marketplace import seller_ledger, seller_orders, shipping, split
from overture.services.marketplace.seller_orders import SubOrderRefused
from overture.services.retry import read_only
from tests.services.marketplace.builders import Clock, approved_seller, capture, commission_rule, kinds, offer


@pytest.fixture
def market(container: Container) -> Container:
    for seller_id in ("acme", "bolt", "cove"):
        approved_seller(container, seller_id)
    offer(container, "acme", "KETTLE", "20.00", 5, lead_time_days=2)
    offer(container, "bolt", "KETTLE", "19.00", 5, shipping_price="3.00", lead_time_days=2)  # dearer landed
    offer(container, "cove", "KETTLE", "21.00", 5, lead_time_days=9)
    offer(container, "bolt", "MUG", "8.00", 3)
    terms = CommissionTerms("ten", Decimal(10), fee_tax_percent=Decimal(20))
    commission_rule(container, CommissionRule("ten", "default", "", "USD", terms))
    return container


def test_the_buy_box_gives_each_line_to_a_seller_and_keeps_every_candidate(market: Container) -> None:
    order_id = capture(market, ("KETTLE", 2, "20.00"), ("MUG", 1, "8.00"))
    lines = read_only(market.uow, lambda uow: uow.marketplace.lines_of_order(order_id))
    assert [(x.line_no, x.seller_id, x.status) for x in lines] == [
        (1, "acme", LineState.PLACED),
        (2, "bolt", LineState.PLACED),
    ]
    assert [(x.fee_minor, x.fee_tax_minor) for x in lines] == [(400, 80), (80, 16)]  # frozen at placement
    decision = next(d for d in market.views.order(order_id)["decisions"] if d["outcome"] == "buy_box")  # type: ignore[index]
    kettle = decision["inputs"]["buy_box"][0]
    assert {c["seller_id"] for c in kettle["candidates"]} == {"acme", "bolt", "cove"}
    assert [c["seller_id"] for c in sorted(kettle["candidates"], key=lambda c: c["rank"])] == ["acme", "bolt", "cove"]


def test_a_split_asked_for_three_times_is_one_split(market: Container) -> None:
    order_id = capture(market, ("KETTLE", 1, "20.00"), ("MUG", 1, "8.00"))
    first = split.split_order(market.uow, order_id, clock=market.clock)
    again = [split.split_order(market.uow, order_id, clock=market.clock) for _ in range(2)]
    assert first == [f"{order_id}-A", f"{order_id}-B"] and again == [first, first]
    events = read_only(market.uow, lambda uow: uow.outbox.pending(split.TOPIC, 100))
    assert len(events) == 2


def test_a_refused_line_goes_to_the_next_offer_or_is_refunded(market: Container) -> None:
    order_id = capture(market, ("KETTLE", 1, "20.00"), ("MUG", 1, "8.00"))
    a, b = split.split_order(market.uow, order_id, clock=market.clock)
    to_next = seller_orders.refuse(
        market.uow, a, seller_id="acme", actor="acme", reason="out of stock", clock=market.clock
    )
    assert to_next.rerouted_to == [f"{order_id}-C"] and to_next.sub_order.status is SubOrderStatus.REFUSED
    nobody = seller_orders.refuse(market.uow, b, seller_id="bolt", actor="bolt", reason="damaged", clock=market.clock)
    assert nobody.refunded == [2] and nobody.rerouted_to == []
    money = read_only(market.uow, lambda uow: uow.money.ledger(order_id))
    assert money is not None and money.line(2).due == 0  # nothing of it is ever captured
    c = read_only(market.uow, lambda uow: uow.marketplace.sub_order(f"{order_id}-C"))
    assert c is not None and c.seller_id == "bolt" and c.rerouted_from == a  # the next landed price
    with pytest.raises(SubOrderRefused):
        seller_orders.accept(market.uow, a, seller_id="acme", actor="acme", clock=market.clock, line_nos=[1])
    with pytest.raises(NotFound):  # another seller's sub-order is not even named
        seller_orders.accept(market.uow, c.id, seller_id="acme", actor="acme", clock=market.clock)


def test_ship_refund_and_pay_out_to_the_cent(market: Container) -> None:
    order_id = capture(market, ("KETTLE", 2, "20.00"))
    (a,) = split.split_order(market.uow, order_id, clock=market.clock)
    seller_orders.accept(market.uow, a, seller_id="acme", actor="acme", clock=market.clock)
    done = shipping.ship(
        market.uow,
        a,
        seller_id="acme",
        carrier="UPS",
        tracking_number="1Z999AA10123456784",
        actor="acme",
        clock=market.clock,
    )
    assert done.recorded and not done.late and done.tracking_valid
    assert not shipping.ship(
        market.uow,
        a,
        seller_id="acme",
        carrier="UPS",
        tracking_number="1Z999AA10123456784",
        actor="acme",
        clock=market.clock,
    ).recorded
    asyncio.run(payments.capture_shipped(market.uow, None, order_id, clock=market.clock))
    why = Why("goodwill", "test", market.clock())
    asyncio.run(
        payments.refund(
            market.uow,
            None,
            order_id,
            key=f"goodwill:{order_id}",
            per_line={1: 1000},
            owed=payments.goodwill_entries(order_id, "USD", {1: 1000}, why),
            why=why,
        )
    )
    entries = read_only(market.uow, lambda uow: uow.marketplace.entries("acme"))
    # 40.00 sold, 10% fee 4.00 + 20% tax 0.80; 10.00 refunded: a quarter of the fee (1.00) back less the
    # lesser of 5.00 and 20% (0.20), and its tax share.
    assert kinds(entries) == {
        "ORDER_AMOUNT": 4000,
        "COMMISSION_FEE": -400,
        "COMMISSION_TAX": -80,
        "REFUND_ORDER_AMOUNT": -1000,
        "REFUND_COMMISSION_FEE": 80,
        "REFUND_COMMISSION_TAX": 16,
    }
    clock = Clock(market.clock())
    assert seller_ledger.run_payouts(market.uow, clock=clock) == []  # still on hold
    clock.now += timedelta(days=8)
    (payout,) = seller_ledger.run_payouts(market.uow, clock=clock, seller_ids=["acme"])
    assert payout.amount_minor == 4000 - 400 - 80 - 1000 + 80 + 16
    assert sum(e.amount_minor for e in read_only(market.uow, lambda uow: uow.marketplace.entries("acme"))) == 0
    money = read_only(market.uow, lambda uow: uow.money.ledger(order_id))
    assert money is not None and money.line(1).captured == 4000 and money.line(1).refunded == 1000
