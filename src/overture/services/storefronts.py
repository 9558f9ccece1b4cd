"""Storefront webhooks that do not place an order: updates, cancellations, refunds, unknown topics.

Each one is stored raw before it is parsed, then recorded once per delivery: the platform's
webhook id is kept as an idempotency key (scope ``webhooks``), so a redelivery finds it and
changes nothing. An event for an order we captured becomes a note on that order's timeline;
the order itself is never placed again.

A cancellation is the exception to "claim the delivery at once": its key is stored only after
the workflow has answered (``conclude_webhook``), so when the engine cannot be reached the
platform's retry tries the cancellation again instead of being taken for a duplicate.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass

from overture.services.capture import translate_or_quarantine
from overture.services.ports import Clock, InboundMessage, MessageStatus, UnitOfWork, UnitOfWorkFactory
from overture.services.retry import in_transaction

WEBHOOK_SCOPE = "webhooks"
_NO_ORDER = ""  # idempotency rows need an order id; deliveries about no known order store this
_MAX_KEY = 255


@dataclass(frozen=True, slots=True)
class StorefrontEvent:
    """What a channel read from a webhook that does not place an order."""

    external_id: str | None  # the platform's order id, when the event is about an order
    note: str  # what happened, for the order's timeline
    cancel: bool = False  # the storefront cancelled the order: ask its workflow to cancel too
    cancel_reason: str = ""


@dataclass(frozen=True, slots=True)
class WebhookReceipt:
    message_id: str
    order_id: str | None  # the order the event is about, if we captured it
    duplicate: bool
    event: StorefrontEvent | None = None  # None for a duplicate


def delivery_key(channel: str, delivery_id: str | None) -> str | None:
    """The idempotency key of one webhook delivery, unique across channels and within the column."""
    if not delivery_id:
        return None
    key = f"{channel}:{delivery_id.strip()}"
    return key if len(key) <= _MAX_KEY else f"{channel}:sha256:{hashlib.sha256(key.encode()).hexdigest()}"


def record_webhook(
    uow_factory: UnitOfWorkFactory,
    message: InboundMessage,
    describe: Callable[[bytes], StorefrontEvent],
    *,
    key: str | None,
    clock: Clock,
) -> WebhookReceipt:
    """Store the raw webhook, read it, and note it on its order once per delivery key.

    Raises PayloadRejected (after committing the message to quarantine) when it cannot be read.
    """
    return in_transaction(uow_factory, lambda uow: _record_once(uow, message, describe, key, clock))


def _record_once(
    uow: UnitOfWork,
    message: InboundMessage,
    describe: Callable[[bytes], StorefrontEvent],
    key: str | None,
    clock: Clock,
) -> WebhookReceipt:
    message_id = uow.messages.add(message)
    event = translate_or_quarantine(uow, message_id, message.body, describe)
    seen = uow.idempotency.find(WEBHOOK_SCOPE, key) if key is not None else None
    if seen is not None:
        earlier_order = seen[1] or None
        uow.messages.settle(message_id, MessageStatus.DUPLICATE, order_id=earlier_order, reason="webhook_id")
        return WebhookReceipt(message_id, earlier_order, duplicate=True)
    order_id = uow.orders.find_by_external_id(message.channel, event.external_id) if event.external_id else None
    cancelling = event.cancel and order_id is not None
    if key is not None and not cancelling:
        _claim(uow, key, message, order_id)
    if order_id is not None:
        uow.fulfilment.add_note(order_id, event.note, clock())
        uow.messages.settle(message_id, MessageStatus.ACCEPTED, order_id=order_id)
    else:
        # Kept as received: an event about an order we never captured (or about no order) is
        # there to read, but nothing was done with it.
        reason = "order_not_captured" if event.external_id else "no_order"
        uow.messages.settle(message_id, MessageStatus.RECEIVED, reason=reason)
    return WebhookReceipt(message_id, order_id, duplicate=False, event=event)


def conclude_webhook(
    uow_factory: UnitOfWorkFactory,
    message: InboundMessage,
    *,
    key: str | None,
    order_id: str,
    note: str,
    clock: Clock,
) -> bool:
    """Note how a cancellation ended and claim its delivery key; False if another delivery claimed it first."""

    def work(uow: UnitOfWork) -> bool:
        if key is not None:
            if uow.idempotency.find(WEBHOOK_SCOPE, key) is not None:
                return False
            _claim(uow, key, message, order_id)
        uow.fulfilment.add_note(order_id, note, clock())
        return True

    return in_transaction(uow_factory, work)


def _claim(uow: UnitOfWork, key: str, message: InboundMessage, order_id: str | None) -> None:
    body_hash = hashlib.sha256(message.body).hexdigest()
    uow.idempotency.add(
        WEBHOOK_SCOPE, key, request_hash=body_hash, order_id=order_id or _NO_ORDER, at=message.received_at
    )
