"""What an operator's decision on a marketplace incident makes, through the after-sale path (beside
return_settlement.py, and for the same reason: it needs payments and capture, which the marketplace
package sits under). The incident's rules are services/marketplace/incidents.py's.

- **refund**: a goodwill refund of the claimed units' share of each line's goods, discount and tax,
  never beyond what the line captured, through ``payments.refund`` under ``incident:<id>``: a resolve
  retried refunds once, and the seller's ledger follows in the same transaction (``mirror_refunds``:
  REFUND_* entries and the commission's clawback).
- **replace**: a replacement order of the claimed units, captured like an exchange's (channel
  ``incident``, its external id the incident's, so it is made once), paid in full with store credit.
- **rejected**: no money moves.
"""

from __future__ import annotations

import json

from overture.domain.charging import Why
from overture.domain.commands import LineRequest, PlaceOrder
from overture.domain.marketplace.incidents import Outcome
from overture.domain.money.ledger import Entry, EntryKind
from overture.services import payments
from overture.services.capture import capture_order
from overture.services.errors import DuplicateOrder, ErrorCode, InvalidRequest
from overture.services.marketplace.incidents import IncidentActionRefused, incident, record_outcome
from overture.services.money import ledger_of, units_back_entries
from overture.services.ports import Clock, Geocoder, InboundMessage, OrderRecord, UnitOfWork, UnitOfWorkFactory
from overture.services.ports.marketplace import Incident
from overture.services.ports.payments import PaymentGateway
from overture.services.retry import in_transaction, read_only

REPLACEMENT_CHANNEL = "incident"


async def resolve(
    uow_factory: UnitOfWorkFactory,
    gateway: PaymentGateway | None,
    incident_id: str,
    *,
    outcome: str,
    note: str,
    actor: str,
    geocoder: Geocoder,
    clock: Clock,
) -> tuple[Incident, str]:
    """The operator's decision and what it made: the refund's reference, the replacement order's id, or
    "" for a rejection. The decision is recorded first (a refund's amount checked before), then carried
    out under keys named after the incident, so a resolve retried after a failure (the provider down)
    with the same outcome finishes what it started, and makes nothing twice."""
    if not note.strip():
        raise InvalidRequest("note", "say why (it is kept with the decision)", ErrorCode.REQUIRED)
    found = incident(uow_factory, incident_id)
    per_line = read_only(uow_factory, lambda uow: refund_per_line(uow, found)) if outcome == Outcome.REFUND else {}
    decided = in_transaction(
        uow_factory,
        lambda uow: record_outcome(uow, incident_id, outcome=outcome, note=note, actor=actor, at=clock()),
    )
    if outcome == Outcome.REFUND:
        return decided, await _refund(uow_factory, gateway, decided, per_line, actor, clock)
    if outcome == Outcome.REPLACE:
        return decided, replace_units(uow_factory, decided, geocoder=geocoder, clock=clock)
    return decided, ""


def refund_per_line(uow: UnitOfWork, claim: Incident) -> dict[int, int]:
    """The claimed units' share of each line's goods, discount and tax, never beyond what the line has
    captured and not given back. Refused when nothing of it was captured (nothing shipped yet)."""
    ledger = ledger_of(uow, claim.order_id)
    order = uow.fulfilment.load_order(claim.order_id)
    assert order is not None
    quantities = {line.line_no: line.quantity for line in order.lines}
    why = Why("incident", "incidents", claim.opened_at)
    per_line: dict[int, int] = {}
    for line in claim.lines:
        n = line["line_no"]
        back = units_back_entries(ledger, n, units=line["quantity"], of=quantities[n], why=why)
        amount = min(-sum(e.amount for e in back), ledger.line(n).refundable)
        if amount > 0:
            per_line[n] = amount
    if not per_line:
        raise IncidentActionRefused(f"incident {claim.id}: nothing captured on its lines to refund")
    return per_line


async def _refund(
    uow_factory: UnitOfWorkFactory,
    gateway: PaymentGateway | None,
    claim: Incident,
    per_line: dict[int, int],
    actor: str,
    clock: Clock,
) -> str:
    currency = read_only(uow_factory, lambda uow: ledger_of(uow, claim.order_id).currency)
    why = Why(f"incident {claim.id}: {claim.reason}", actor, clock())
    owed = payments.goodwill_entries(claim.order_id, currency, per_line, why)
    return await payments.refund(
        uow_factory,
        gateway,
        claim.order_id,
        key=f"incident:{claim.id}",
        per_line=per_line,
        owed=owed,
        why=why,
        reasons=dict.fromkeys(per_line, str(claim.reason)),
    )


def replace_units(uow_factory: UnitOfWorkFactory, claim: Incident, *, geocoder: Geocoder, clock: Clock) -> str:
    """The replacement order of the claimed units (captured once: its external id is the incident's),
    paid in full with store credit in its capture's transaction; its id."""
    existing = read_only(uow_factory, lambda uow: uow.orders.find_by_external_id(REPLACEMENT_CHANNEL, claim.id))
    if existing is not None:
        return existing
    command = read_only(uow_factory, lambda uow: _replacement(uow, claim))
    message = InboundMessage(REPLACEMENT_CHANNEL, json.dumps({"incident_id": claim.id}).encode(), clock())
    try:
        result = capture_order(
            message,
            lambda _body: command,
            idempotency_key=None,
            uow_factory=uow_factory,
            geocoder=geocoder,
            clock=clock,
            after_place=lambda uow, record: _paid_by_credit(uow, claim, record, clock),
        )
    except DuplicateOrder as twice:  # a concurrent resolve captured it first
        return twice.order_id
    return result.order.id


def _replacement(uow: UnitOfWork, claim: Incident) -> PlaceOrder:
    order = uow.fulfilment.load_order(claim.order_id)
    assert order is not None
    by_no = {line.line_no: line for line in order.lines}
    lines = tuple(
        LineRequest(by_no[c["line_no"]].sku, c["quantity"], by_no[c["line_no"]].unit_price.amount) for c in claim.lines
    )
    return PlaceOrder(
        channel=REPLACEMENT_CHANNEL,
        external_id=claim.id,
        customer=order.customer,
        ship_to=order.ship_to,
        currency=order.currency,
        lines=lines,
        payment_method=order.payment_method,
    )


def _paid_by_credit(uow: UnitOfWork, claim: Incident, record: OrderRecord, clock: Clock) -> None:
    """The customer pays nothing for a replacement: store credit settles what each line is due."""
    order, at = record.order, clock()
    cause = f"incident {claim.id}: replacement"
    dues = {n: b.due for n, b in ledger_of(uow, order.id).lines().items()}
    entries = [
        Entry(order.id, n, EntryKind.STORE_CREDIT, -due, order.currency, cause, "incidents", at, f"incident:{claim.id}")
        for n, due in dues.items()
        if due
    ]
    if entries:
        uow.money.post(f"replacement:{claim.id}", order.id, entries, at)
    uow.fulfilment.add_note(claim.order_id, f"incident {claim.id}: replacement order {order.id} placed", at)
