"""Capture: store the raw message, translate it, then validate, route and reserve in one transaction.

The raw message is inserted before it is parsed; whatever cannot be parsed is committed
to quarantine, and whatever parses but fails a business check is committed ``on_hold``
with a typed exception. Nothing that reached us is lost.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any, NoReturn, TypeVar

from overture.domain.commands import PlaceOrder
from overture.domain.ids import new_id
from overture.domain.orders import InvalidOrder
from overture.services import telemetry
from overture.services.characters import refusing_nul
from overture.services.errors import (
    DuplicateOrder,
    ErrorCode,
    FieldError,
    IdempotencyConflict,
    OrderRejected,
    PayloadError,
    PayloadRejected,
    RuleRejection,
    ServiceError,
)
from overture.services.governance import RejectedByRules
from overture.services.money import post_placement
from overture.services.placement import place_order
from overture.services.ports import (
    Clock,
    Geocoder,
    InboundMessage,
    MessageStatus,
    OrderRecord,
    OrderSummary,
    UnitOfWork,
    UnitOfWorkFactory,
)
from overture.services.ports.tax import CODE_PREFIX as TAX_CODE_PREFIX
from overture.services.ports.tax import PRICED_BY as TAX_PRICED_BY
from overture.services.retry import in_transaction

log = logging.getLogger(__name__)
Translator = Callable[[bytes], PlaceOrder]
AfterPlace = Callable[[UnitOfWork, OrderRecord], None]
T = TypeVar("T")


def idempotency_scope(channel: str) -> str:
    """Where an order's Idempotency-Key is unique: its channel. Callers of different channels choose
    their keys independently (a storefront's delivery id, a client's own counter), so one channel's key
    must neither replay nor conflict with another channel's order."""
    return f"orders:{channel}"


@dataclass(frozen=True, slots=True)
class CaptureResult:
    order: OrderSummary
    created: bool


def request_hash(command: PlaceOrder) -> str:
    """Fingerprint of the request's meaning (not its bytes: key order and spacing don't count).

    A command that declares no total (or no payment method) is fingerprinted as before
    ``declared_total`` (``payment_method``) existed, so a key stored then still replays its order
    rather than conflicting with its own repeat."""
    # The tax engine's charges are what we added, not what was asked: a retry is the same request
    # even if a rate changed in between (services/tax.py).
    asked = tuple(c for c in command.charges if not c.code.startswith(TAX_CODE_PREFIX))
    refs = tuple(r for r in command.references if (r.system, r.kind) != TAX_PRICED_BY)
    same = asked == command.charges and refs == command.references
    text = repr(command if same else replace(command, charges=asked, references=refs))
    if command.payment_method is None:
        text = text.removesuffix(", payment_method=None)") + ")"
    if command.declared_total is None:
        text = text.removesuffix(", declared_total=None)") + ")"
    return hashlib.sha256(text.encode()).hexdigest()


def capture_order(
    message: InboundMessage,
    translate: Translator,
    *,
    idempotency_key: str | None,
    uow_factory: UnitOfWorkFactory,
    geocoder: Geocoder,
    clock: Clock,
    after_place: AfterPlace | None = None,
) -> CaptureResult:
    """Capture one order message. Retries transient store conflicts; raises ServiceError subclasses.

    ``after_place`` runs in the capture's transaction once the order is written, before its workflow
    can start (an exchange's replacement is held there until its return arrives)."""
    try:
        return in_transaction(
            uow_factory,
            lambda uow: _capture_once(uow, message, translate, idempotency_key, geocoder, clock, after_place),
        )
    except ServiceError:
        raise
    except Exception:
        # The store refused something no check foresaw and rolled the raw message back with the order:
        # keep the message on its own, in quarantine, so that what reached us is not lost; then fail.
        try:
            keep_apart(uow_factory, message, reason="capture_failed")
        except Exception:  # the store is down altogether: the sender's retry is all that is left
            log.exception("could not keep the %s message apart after its capture failed", message.channel)
        raise


def keep_apart(uow_factory: UnitOfWorkFactory, message: InboundMessage, *, reason: str) -> str:
    """Store a raw message in quarantine in a transaction of its own; its id."""

    def work(uow: UnitOfWork) -> str:
        message_id = uow.messages.add(message, status=MessageStatus.QUARANTINED)
        uow.messages.settle(message_id, MessageStatus.QUARANTINED, reason=reason)
        return message_id

    return in_transaction(uow_factory, work)


def _capture_once(
    uow: UnitOfWork,
    message: InboundMessage,
    translate: Translator,
    idempotency_key: str | None,
    geocoder: Geocoder,
    clock: Clock,
    after_place: AfterPlace | None = None,
) -> CaptureResult:
    order_id = new_id("ord")
    # Stored before it is parsed. The status anticipates success; every other path below corrects
    # it with settle() before the transaction commits, so no reader ever sees a wrong one.
    message_id = uow.messages.add(message, status=MessageStatus.ACCEPTED, order_id=order_id)
    command = translate_or_quarantine(uow, message_id, message.body, refusing_nul(translate))
    replay = _replay(uow, message_id, command, idempotency_key)
    if replay is not None:
        return replay
    try:
        record = place_order(
            command,
            order_id=order_id,
            message_id=message_id,
            clock=clock,
            uow=uow,
            geocoder=geocoder,
        )
    except InvalidOrder as error:
        quarantine(
            uow, message_id, ErrorCode.INVALID_VALUE, [FieldError(error.field, ErrorCode.INVALID_VALUE, error.reason)]
        )
    except RejectedByRules as rejected:
        refuse(uow, message_id, rejected)
    uow.orders.add(record)
    post_placement(uow, record.order)
    if after_place is not None:
        after_place(uow, record)
    if idempotency_key is not None:
        uow.idempotency.add(
            idempotency_scope(command.channel),
            idempotency_key,
            request_hash=request_hash(command),
            order_id=order_id,
            at=message.received_at,
        )
    _owe_workflow(uow, record, message.received_at)
    order = record.order
    summary = OrderSummary(
        order.id,
        order.status,
        order.channel,
        order.external_id,
        order.created_at,
        tuple(e.type.value for e in record.exceptions),
    )
    return CaptureResult(summary, created=True)


def translate_or_quarantine(uow: UnitOfWork, message_id: str, body: bytes, translate: Callable[[bytes], T]) -> T:
    """Parse a stored raw message; on failure commit it to quarantine and raise PayloadRejected."""
    try:
        return translate(body)
    except PayloadError as error:
        quarantine(uow, message_id, error.kind, error.errors)


def quarantine(uow: UnitOfWork, message_id: str, kind: ErrorCode, errors: list[FieldError]) -> NoReturn:
    uow.messages.settle(message_id, MessageStatus.QUARANTINED, reason=kind.value, errors=errors)
    uow.commit()
    raise PayloadRejected(message_id=message_id, kind=kind, errors=errors)


def refuse(uow: UnitOfWork, message_id: str, rejected: RejectedByRules) -> NoReturn:
    """Refuse an order a rule configured to reject: no order exists; the raw message is kept in
    quarantine with each rule, its reason and the rule-set version, and the sender is told."""
    rejections = [RuleRejection(e.rule.value, e.reason, e.scope, e.version) for e in rejected.rejections]
    error = OrderRejected(message_id=message_id, rejections=rejections)
    uow.messages.settle(message_id, MessageStatus.QUARANTINED, reason=error.kind.value, errors=error.errors)
    uow.commit()
    raise error


def _replay(uow: UnitOfWork, message_id: str, command: PlaceOrder, idempotency_key: str | None) -> CaptureResult | None:
    """Return the earlier result for a repeated request, or raise if the repeat conflicts."""
    # One statement, one snapshot: a concurrent first request is either wholly seen or not at all
    # (then its unique keys make this transaction fail and retry).
    scope = idempotency_scope(command.channel)
    previous = uow.orders.previous_capture(command.channel, command.external_id, scope, idempotency_key)
    existing = previous.by_external_id
    if previous.by_key is not None and idempotency_key is not None:
        stored_hash, order_id = previous.by_key
        uow.messages.settle(message_id, MessageStatus.DUPLICATE, order_id=order_id, reason="idempotency_key")
        if stored_hash != request_hash(command):
            uow.commit()
            raise IdempotencyConflict(key=idempotency_key, order_id=order_id, channel=command.channel)
        summary = uow.orders.summary(order_id)
        assert summary is not None, f"idempotency key points at missing order {order_id}"
        return CaptureResult(summary, created=False)
    if existing is not None:
        uow.messages.settle(message_id, MessageStatus.DUPLICATE, order_id=existing, reason="external_id")
        uow.commit()
        raise DuplicateOrder(channel=command.channel, external_id=command.external_id, order_id=existing)
    return None


def _owe_workflow(uow: UnitOfWork, record: OrderRecord, at: datetime) -> None:
    """The outbox row the dispatcher starts the order's workflow from, carrying the current trace (when
    tracing is on) so the workflow joins it, and the trace named on the order's timeline."""
    order = record.order
    payload: dict[str, Any] = {"order_id": order.id, "status": order.status}
    trace = telemetry.trace_carrier()
    if trace:
        payload["trace"] = trace
        uow.fulfilment.add_note_at(order.id, f"trace {telemetry.trace_id_of(trace)}", at, order.status.value)
    uow.outbox.add("order.placed", order.id, payload, at)
