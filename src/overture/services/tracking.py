"""The carrier's tracking events on the order: each one stored raw, matched to its shipment by tracking
number, noted on the order's timeline, and a parcel the carrier cannot deliver raised as a
``delivery_exception`` for a person (one open per tracking number, however many events repeat it).

Events come again and out of order (carriers resend what is not answered 2xx; a scan arrives late):
each is taken once by its event id, and a late ``in_transit`` after ``delivered`` is noted but never
undoes the delivery kept on the order (reference ``carrier``/``delivered``).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from overture.domain.exceptions import ExceptionType, OrderException, Severity, default_actions
from overture.domain.ids import id_from
from overture.services.capture import quarantine, translate_or_quarantine
from overture.services.errors import ErrorCode, FieldError
from overture.services.ports import Clock, InboundMessage, MessageStatus, UnitOfWork, UnitOfWorkFactory
from overture.services.retry import in_transaction

SCOPE = "carrier_events"


class TrackingEventLike(Protocol):
    """A carrier's tracking event as its channel reads it (channels/easypost_events.py)."""

    @property
    def event_id(self) -> str: ...
    @property
    def tracking_code(self) -> str: ...
    @property
    def status(self) -> str: ...
    @property
    def carrier(self) -> str: ...
    @property
    def message(self) -> str: ...
    @property
    def problem(self) -> bool: ...


@dataclass(frozen=True, slots=True)
class TrackingOutcome:
    message_id: str
    order_id: str
    recorded: bool  # False: this event was taken before
    exception_id: str | None = None


def record_tracking(
    uow_factory: UnitOfWorkFactory,
    message: InboundMessage,
    translate: Callable[[bytes], TrackingEventLike],
    *,
    clock: Clock,
) -> TrackingOutcome:
    """Store the raw event, then put it on its order once; an unknown tracking number is quarantined."""

    def work(uow: UnitOfWork) -> TrackingOutcome:
        message_id = uow.messages.add(message)
        event = translate_or_quarantine(uow, message_id, message.body, translate)
        found = uow.fulfilment.shipment_by_tracking(event.tracking_code)
        if found is None:
            reason = f"no shipment has tracking number {event.tracking_code!r}"
            quarantine(
                uow, message_id, ErrorCode.NOT_FOUND, [FieldError("result.tracking_code", ErrorCode.NOT_FOUND, reason)]
            )
        order_id, shipment_id = found
        if uow.idempotency.find(SCOPE, event.event_id) is not None:
            uow.messages.settle(message_id, MessageStatus.DUPLICATE, order_id=order_id)
            return TrackingOutcome(message_id, order_id, recorded=False)
        uow.idempotency.add(SCOPE, event.event_id, request_hash=event.status, order_id=order_id, at=clock())
        exception_id = _apply(uow, event, order_id, shipment_id, clock)
        uow.messages.settle(message_id, MessageStatus.ACCEPTED, order_id=order_id)
        return TrackingOutcome(message_id, order_id, recorded=True, exception_id=exception_id)

    return in_transaction(uow_factory, work)


def _apply(uow: UnitOfWork, event: TrackingEventLike, order_id: str, shipment_id: str, clock: Clock) -> str | None:
    at = clock()
    carrier = event.carrier or "carrier"
    said = f": {event.message}" if event.message else ""
    delivered = uow.fulfilment.reference(order_id, "carrier", f"delivered:{event.tracking_code}")
    late = " (after delivery: kept as delivered)" if delivered and event.status != "delivered" else ""
    uow.fulfilment.add_note(
        order_id, f"{carrier} {event.tracking_code}: {event.status.replace('_', ' ')}{said}{late}", at
    )
    if event.status == "delivered" and not delivered:
        uow.fulfilment.add_reference(order_id, "carrier", f"delivered:{event.tracking_code}", at.isoformat(), at)
    if not event.problem or delivered:
        return None
    return _raise(uow, event, order_id, shipment_id, at)


def _raise(uow: UnitOfWork, event: TrackingEventLike, order_id: str, shipment_id: str, at: datetime) -> str | None:
    """One exception per parcel and problem (a repeated ``failure`` scan is the same problem)."""
    kind = ExceptionType.DELIVERY_EXCEPTION
    digest = int.from_bytes(hashlib.sha256(f"{event.tracking_code}:{event.status}".encode()).digest()[:16], "big")
    exception = OrderException(
        id=id_from("exc", digest >> 80, digest & (2**80 - 1)),
        order_id=order_id,
        type=kind,
        step="delivery",
        reason=f"{event.carrier or 'the carrier'} reports {event.status.replace('_', ' ')} for {event.tracking_code}"
        + (f": {event.message}" if event.message else ""),
        severity=Severity.HIGH,
        allowed_actions=default_actions(kind),
        details={"tracking_number": event.tracking_code, "shipment_id": shipment_id, "status": event.status},
        created_at=at,
    )
    return exception.id if uow.fulfilment.add_exception(exception) else None
