"""Incidents through the services, on SQLite and PostgreSQL: a damaged unit of a shipped and captured
sub-order claimed, the seller's answer, an escalation when its time is up, and each outcome: a refund
posted once however often resolved (the seller's ledger shows the REFUND_* entries and the clawback),
one replacement order paid by store credit, and a rejection that moves no money."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from decimal import Decimal

import pytest

from overture.bootstrap import Container
from overture.domain.marketplace.commission import CommissionRule, CommissionTerms
from overture.domain.marketplace.incidents import ClaimedLine
from overture.services import incident_settlement
from overture.services.errors import NotFound
from overture.services.marketplace import incidents, seller_orders, shipping, split
from overture.services.marketplace.incidents import ESCALATED_CASE, IncidentActionRefused
from overture.services.payments import capture_shipped
from overture.services.ports.marketplace import Incident
from overture.services.retry import read_only
from tests.services.marketplace.builders import Clock, approved_seller, capture, commission_rule, kinds, offer


@pytest.fixture
def shipped(container: Container) -> tuple[Container, str, str]:
    """Two kettles at 20.00 from acme (10% commission, 20% tax on it), shipped and captured."""
    approved_seller(container, "acme")
    approved_seller(container, "bolt")
    offer(container, "acme", "KETTLE", "20.00", 5)
    commission_rule(
        container,
        CommissionRule("ten", "default", "", "USD", CommissionTerms("ten", Decimal(10), fee_tax_percent=Decimal(20))),
    )
    order_id = capture(container, ("KETTLE", 2, "20.00"))
    (sub,) = split.split_order(container.uow, order_id, clock=container.clock)
    seller_orders.accept(container.uow, sub, seller_id="acme", actor="acme", clock=container.clock)
    shipping.ship(
        container.uow,
        sub,
        seller_id="acme",
        carrier="UPS",
        tracking_number="1Z999AA10123456784",
        actor="acme",
        clock=container.clock,
    )
    asyncio.run(capture_shipped(container.uow, None, order_id, clock=container.clock))
    return container, order_id, sub


def _open(container: Container, order_id: str, sub: str, clock: Clock | None = None) -> Incident:
    return incidents.open_incident(
        container.uow,
        order_id,
        sub_order_id=sub,
        reason="damaged",
        message="the lid is cracked",
        lines=[ClaimedLine(1, 1)],
        actor="carla (customer service)",
        clock=clock or container.clock,
    )


def _resolve(container: Container, incident_id: str, outcome: str) -> tuple[Incident, str]:
    return asyncio.run(
        incident_settlement.resolve(
            container.uow,
            None,
            incident_id,
            outcome=outcome,
            note="photo checked",
            actor="olga (operator)",
            geocoder=container.geocoder,
            clock=container.clock,
        )
    )


def test_a_refund_is_posted_once_and_the_sellers_ledger_follows(shipped: tuple[Container, str, str]) -> None:
    container, order_id, sub = shipped
    incident = _open(container, order_id, sub)
    assert incident.respond_by - incident.opened_at == timedelta(hours=48) and incident.lines == [
        {"line_no": 1, "quantity": 1}
    ]
    answered = incidents.respond(
        container.uow, incident.id, seller_id="acme", response="sorry", offer="refund", clock=container.clock
    )
    assert answered.status == "responded" and answered.seller_response == "refund: sorry"
    with pytest.raises(NotFound):  # another seller's incident is not even named
        incidents.respond(
            container.uow, incident.id, seller_id="bolt", response="x", offer="reject", clock=container.clock
        )
    done, reference = _resolve(container, incident.id, "refund")
    again, same = _resolve(container, incident.id, "refund")  # a retry: nothing twice
    assert done.status == again.status == "resolved" and done.outcome == "refund" and reference == same
    money = read_only(container.uow, lambda uow: uow.money.ledger(order_id))
    assert money is not None and money.line(1).captured == 4000 and money.line(1).refunded == 2000  # one unit of two
    assert money.line(1).due == 2000  # the goodwill adjustment: the customer keeps the unit, owes that much less
    # 20.00 back: half the 4.00 fee (2.00) less the clawback of 20% (0.40) is returned, and its tax share.
    assert kinds(read_only(container.uow, lambda uow: uow.marketplace.entries("acme"))) == {
        "ORDER_AMOUNT": 4000,
        "COMMISSION_FEE": -400,
        "COMMISSION_TAX": -80,
        "REFUND_ORDER_AMOUNT": -2000,
        "REFUND_COMMISSION_FEE": 160,
        "REFUND_COMMISSION_TAX": 32,
    }
    with pytest.raises(IncidentActionRefused):  # decided: another outcome is refused
        _resolve(container, incident.id, "replace")


def test_a_replacement_is_made_once_and_paid_by_store_credit(shipped: tuple[Container, str, str]) -> None:
    container, order_id, sub = shipped
    incident = _open(container, order_id, sub)
    _, replacement = _resolve(container, incident.id, "replace")
    _, again = _resolve(container, incident.id, "replace")
    assert replacement == again and replacement != order_id
    orders = read_only(container.uow, lambda uow: uow.orders.find_by_external_id("incident", incident.id))
    assert orders == replacement
    ledger = read_only(container.uow, lambda uow: uow.money.ledger(replacement))
    assert ledger is not None and ledger.line(1).charge == 2000 and ledger.totals().outstanding == 0
    original = read_only(container.uow, lambda uow: uow.money.ledger(order_id))
    assert original is not None and original.line(1).refunded == 0  # nothing given back on the original


def test_a_rejection_moves_no_money(shipped: tuple[Container, str, str]) -> None:
    container, order_id, sub = shipped
    before_money = read_only(container.uow, lambda uow: uow.money.ledger(order_id))
    before_seller = read_only(container.uow, lambda uow: uow.marketplace.entries("acme"))
    incident = _open(container, order_id, sub)
    escalated = incidents.escalate(
        container.uow, incident.id, actor="carla", why="the customer insists", clock=container.clock
    )
    assert escalated.status == "escalated"
    done, made = _resolve(container, incident.id, "rejected")
    assert (done.status, done.outcome, made) == ("resolved", "rejected", "")
    after = read_only(container.uow, lambda uow: uow.money.ledger(order_id))
    assert before_money is not None and after is not None and len(after.entries) == len(before_money.entries)
    assert read_only(container.uow, lambda uow: uow.marketplace.entries("acme")) == before_seller
    (case,) = read_only(
        container.uow, lambda uow: uow.marketplace.cases(seller_id="acme", status=None, kind=ESCALATED_CASE)
    )
    assert (case.subject, case.status, case.resolution) == (incident.id, "resolved", "rejected")


def test_an_unanswered_incident_escalates_after_its_time(shipped: tuple[Container, str, str]) -> None:
    container, order_id, sub = shipped
    clock = Clock(container.clock())
    incident = _open(container, order_id, sub, clock)
    clock.now += timedelta(hours=47)
    assert incidents.escalate_overdue(container.uow, clock=clock) == []
    clock.now += timedelta(hours=1)
    assert incidents.escalate_overdue(container.uow, clock=clock) == [incident.id]
    assert incidents.escalate_overdue(container.uow, clock=clock) == []  # once
    (case,) = read_only(container.uow, lambda uow: uow.marketplace.cases(seller_id="acme", kind=ESCALATED_CASE))
    assert case.subject == incident.id and case.details["escalated_by"] == incidents.TIMER
    late = incidents.respond(
        container.uow, incident.id, seller_id="acme", response="late", offer="replace", clock=clock
    )
    assert late.status == "escalated"  # the answer is kept; the operator decides
    assert [x.id for x in incidents.incidents(container.uow, status="escalated")] == [incident.id]


def test_claims_are_checked_against_the_sub_order(shipped: tuple[Container, str, str]) -> None:
    container, order_id, sub = shipped
    claim = dict(sub_order_id=sub, reason="damaged", message="x", actor="carla", clock=container.clock)
    with pytest.raises(IncidentActionRefused):
        incidents.open_incident(container.uow, order_id, lines=[ClaimedLine(1, 3)], **claim)  # type: ignore[arg-type]
    with pytest.raises(IncidentActionRefused):
        incidents.open_incident(container.uow, order_id, lines=[ClaimedLine(2, 1)], **claim)  # type: ignore[arg-type]
    with pytest.raises(NotFound):
        incidents.open_incident(container.uow, "ord_other", lines=[ClaimedLine(1, 1)], **claim)  # type: ignore[arg-type]
