"""The payment provider's webhook confirmations: each Event stored raw, recorded once per event id, and
checked against the ledger.

An Event about an authorisation we hold updates its status (``requires_capture``, ``succeeded``,
``canceled``) and is noted on the order's timeline with what the provider says it holds. When the
provider's captured or refunded amount differs from the ledger's for that authorisation, the note says
so, with both figures: the provider and the books drifted apart and a person should look (a capture
made outside the hub, a refund from the provider's dashboard).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass

from overture.domain.money import from_minor
from overture.domain.money.ledger import EntryKind
from overture.services.capture import translate_or_quarantine
from overture.services.marketplace.split import split_paid
from overture.services.ports import Clock, InboundMessage, MessageStatus, UnitOfWork, UnitOfWorkFactory
from overture.services.ports.payments import PspEvent
from overture.services.retry import in_transaction

SCOPE = "webhooks"
_NO_ORDER = "-"


@dataclass(frozen=True, slots=True)
class EventReceipt:
    message_id: str
    order_id: str | None
    duplicate: bool
    note: str = ""


def record_event(
    uow_factory: UnitOfWorkFactory, message: InboundMessage, parse: Callable[[bytes], PspEvent], *, clock: Clock
) -> EventReceipt:
    """Store the raw Event, read it, and act on it once per event id (a redelivery is a duplicate)."""
    return in_transaction(uow_factory, lambda uow: _record(uow, message, parse, clock))


def _record(uow: UnitOfWork, message: InboundMessage, parse: Callable[[bytes], PspEvent], clock: Clock) -> EventReceipt:
    message_id = uow.messages.add(message)
    event = translate_or_quarantine(uow, message_id, message.body, parse)
    key = f"stripe:{event.event_id}"
    seen = uow.idempotency.find(SCOPE, key)
    if seen is not None:
        uow.messages.settle(message_id, MessageStatus.DUPLICATE, order_id=seen[1] if seen[1] != _NO_ORDER else None)
        return EventReceipt(message_id, None, duplicate=True)
    payment = uow.money.payment_by_intent(event.intent_id) if event.intent_id else None
    order_id = payment.order_id if payment else None
    uow.idempotency.add(
        SCOPE,
        key,
        request_hash=hashlib.sha256(message.body).hexdigest(),
        order_id=order_id or _NO_ORDER,
        at=message.received_at,
    )
    if payment is None:
        uow.messages.settle(message_id, MessageStatus.RECEIVED, reason="no_payment_of_ours")
        return EventReceipt(message_id, None, duplicate=False)
    status = _status(event)
    if status:
        uow.money.set_payment_status(payment.intent_id, status, f"{event.type} at the provider")
    if status == "requires_capture":
        split_paid(uow, payment.order_id, clock())  # a marketplace order is split once its money is held
    note = _note(uow, event, payment.order_id, payment.intent_id, payment.currency)
    uow.fulfilment.add_note(payment.order_id, note, clock())
    uow.messages.settle(message_id, MessageStatus.ACCEPTED, order_id=payment.order_id)
    return EventReceipt(message_id, payment.order_id, duplicate=False, note=note)


def _status(event: PspEvent) -> str:
    return {
        "payment_intent.amount_capturable_updated": "requires_capture",
        "payment_intent.succeeded": "succeeded",
        "payment_intent.canceled": "canceled",
        "payment_intent.payment_failed": "requires_payment_method",
    }.get(event.type, "")


def _note(uow: UnitOfWork, event: PspEvent, order_id: str, intent_id: str, currency: str) -> str:
    ledger = uow.money.ledger(order_id)
    assert ledger is not None
    ours = {
        kind: sum(e.amount for e in ledger.entries if e.kind is kind and e.reference_is(intent_id))
        for kind in (EntryKind.CAPTURE, EntryKind.REFUND)
    }
    theirs = {EntryKind.CAPTURE: event.amount_received, EntryKind.REFUND: event.amount_refunded}
    text = f"payment provider: {event.type} ({event.event_id})"
    for kind, amount in theirs.items():
        if amount is not None and amount != ours[kind] and _final_figure(event, kind):
            text += (
                f"; it holds {from_minor(amount, currency)} {currency} {kind.value}d, the ledger "
                f"{from_minor(ours[kind], currency)}: the two disagree"
            )
    return text


def _final_figure(event: PspEvent, kind: EntryKind) -> bool:
    """Only events sent after our own step committed carry a figure the ledger must already show."""
    if kind is EntryKind.CAPTURE:
        return event.type in ("payment_intent.succeeded", "charge.captured")
    return event.type in ("charge.refunded",)
