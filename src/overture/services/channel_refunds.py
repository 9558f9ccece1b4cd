"""Refunds issued on the marketplace that collected the money (Walmart), once each.

Two steps, as for shipment confirmations (services/channel_fulfilment.py), so no buyer is refunded for
a refund that did not commit and none owed is lost:

1. ``owe_refund`` runs in the refund's own ledger transaction (services/payments.py ``refund``): a money
   refund of an order from a channel in ``REFUNDED_CHANNELS`` adds an outbox row (topic ``TOPIC``,
   keyed by the ledger posting's key) holding each line's amount, split as the line was charged
   (goods, tax, shipping, by largest remainder: exact minor units, no float).
2. ``send_owed_refunds`` (the worker side, workflows/channel_refunds.py) sends each owed row through the
   ``ChannelRefunds`` port and marks it sent in the transaction that notes the outcome on the order.

A retryable failure (a 429, a 5xx, a timeout) leaves the row owed for the next pass: the port finds a
refund it already issued, so a send whose answer was lost is safe to repeat. A permanent one (the
channel refused, its answer drifted) is marked sent and opens an exception on the order with the
channel's words and raw answer, for a person to refund by hand in the channel's seller centre.
Store credit is not the channel's business (it is ours to give) and sends nothing.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from overture.domain.exceptions import ExceptionAction, ExceptionType, OrderException
from overture.domain.money.allocation import largest_remainder
from overture.domain.money.ledger import Entry, EntryKind
from overture.services.ports import Clock, UnitOfWork, UnitOfWorkFactory
from overture.services.ports.channel_refunds import (
    ChannelRefunds,
    OwedRefunds,
    RefundedLine,
    RefundOwed,
    RefundResult,
)
from overture.services.ports.connector_errors import ApiDriftError, PermanentConnectorError, RetryableConnectorError
from overture.services.retry import in_transaction

log = logging.getLogger(__name__)

TOPIC = "refund.channel_refund"
REFUNDED_CHANNELS = frozenset({"walmart"})
STEP = "refund_to_channel"
GOODWILL = "goodwill"
_GOODS = frozenset({EntryKind.CHARGE, EntryKind.DISCOUNT, EntryKind.FEE, EntryKind.ADJUSTMENT})


@dataclass(frozen=True, slots=True)
class RefundSent:
    key: str
    order_id: str
    outcome: str  # a RefundOutcome, or "failed" / "not_configured"


class NoChannelRefunds:
    """``ChannelRefunds`` when no channel is connected: every owed refund is noted as not sent."""

    def handles(self, channel: str) -> bool:
        return False

    async def issue_refund(self, refund: RefundOwed) -> RefundResult:
        raise AssertionError("handles() is False for every channel")


def owe_refund(
    uow: UnitOfWork,
    order_id: str,
    *,
    key: str,
    given: Sequence[Entry],
    owed: Sequence[Entry],
    reasons: Mapping[int, str],
    at: datetime,
) -> bool:
    """In the refund's transaction: owe the order's channel the refund, if it is one that takes them.
    ``given`` are the refund entries posted, ``owed`` what the lines no longer owe (their kinds say how
    much of the refund is goods, tax and shipping); ``reasons`` ours per line, ``goodwill`` if absent."""
    money = {e.line_no: e.amount for e in given if e.kind is EntryKind.REFUND and e.line_no is not None and e.amount}
    summary = uow.orders.summary(order_id)
    if not money or summary is None or summary.channel not in REFUNDED_CHANNELS:
        return False
    order = uow.fulfilment.load_order(order_id)
    assert order is not None
    skus = {line.line_no: line.sku for line in order.lines}
    lines = tuple(
        _split(n, skus.get(n, ""), amount, [e for e in owed if e.line_no == n], reasons.get(n, GOODWILL))
        for n, amount in sorted(money.items())
    )
    currency = given[0].currency
    refund = RefundOwed(summary.channel, order_id, summary.external_id, key, currency, lines, given[0].cause)
    uow.outbox.add(TOPIC, key, refund.payload(), at)
    return True


def _split(line_no: int, sku: str, amount: int, owed: Sequence[Entry], reason: str) -> RefundedLine:
    """The refund of one line shared over goods, tax and shipping in proportion to what the line no longer
    owes of each (a goodwill refund owes nothing less of its tax: all goods)."""
    goods = -sum(e.amount for e in owed if e.kind in _GOODS)
    tax = -sum(e.amount for e in owed if e.kind is EntryKind.TAX)
    shipping = -sum(e.amount for e in owed if e.kind is EntryKind.SHIPPING)
    weights = [max(goods, 0), max(tax, 0), max(shipping, 0)]
    parts = largest_remainder(amount, weights) if any(weights) else [amount, 0, 0]
    return RefundedLine(line_no, sku, parts[0], parts[1], parts[2], reason)


async def send_owed_refunds(
    uow_factory: UnitOfWorkFactory, owed: OwedRefunds, refunds: ChannelRefunds, *, clock: Clock, limit: int = 50
) -> list[RefundSent]:
    """Send every owed refund, oldest first; stops at the first retryable failure (the channel is unwell
    or throttling: the rest wait for the next pass, and this one is sent again, found issued if it was)."""
    done: list[RefundSent] = []
    for row_id, payload in owed.pending(limit):
        refund = RefundOwed.from_payload(payload)
        if not refunds.handles(refund.channel):
            note = f"{refund.channel} not asked to issue refund {refund.key}: no connection configured"
            _settle(uow_factory, row_id, refund, note, clock=clock)
            done.append(RefundSent(refund.key, refund.order_id, "not_configured"))
            continue
        try:
            result = await refunds.issue_refund(refund)
        except RetryableConnectorError as error:
            log.warning("refund %s not issued on %s yet: %s", refund.key, refund.channel, error)
            break
        except PermanentConnectorError as error:
            note = f"{refund.channel} could not issue refund {refund.key}: {error}"
            _settle(uow_factory, row_id, refund, note, clock=clock, error=error)
            done.append(RefundSent(refund.key, refund.order_id, "failed"))
            continue
        _settle(uow_factory, row_id, refund, _note(refund, result), clock=clock, result=result)
        done.append(RefundSent(refund.key, refund.order_id, result.outcome.value))
    return done


def _note(refund: RefundOwed, result: RefundResult) -> str:
    what = {"refunded": "refund issued", "already_refunded": "the refund was already there"}[result.outcome.value]
    ref = f" ({result.reference})" if result.reference else ""
    total = sum(x.total for x in refund.lines)
    return f"{refund.channel} asked to refund {refund.key} ({total} minor units {refund.currency}): {what}{ref}"


def _settle(
    uow_factory: UnitOfWorkFactory,
    row_id: int,
    refund: RefundOwed,
    note: str,
    *,
    clock: Clock,
    result: RefundResult | None = None,
    error: PermanentConnectorError | None = None,
) -> None:
    def work(uow: UnitOfWork) -> None:
        at = clock()
        uow.outbox.mark_dispatched([row_id], at)
        uow.fulfilment.add_note(refund.order_id, note, at)
        if result is not None and result.reference:
            uow.fulfilment.add_reference(refund.order_id, refund.channel, "refund_id", result.reference, at)
        if error is not None:
            uow.fulfilment.add_exception(_exception(refund, error, at))

    in_transaction(uow_factory, work)


def _exception(refund: RefundOwed, error: PermanentConnectorError, at: datetime) -> OrderException:
    """Not a hold: our ledger has refunded; someone issues it in the channel's seller centre and overrides."""
    digest = hashlib.sha256(f"{TOPIC}:{refund.key}".encode()).hexdigest()[:29]
    details: dict[str, Any] = {"refund_key": refund.key, "operation": error.operation, "status": error.status}
    details["lines"] = refund.payload()["lines"]
    kind = ExceptionType.CONNECTOR_FAILURE
    if isinstance(error, ApiDriftError):
        kind = ExceptionType.API_DRIFT
        details |= {"problems": list(error.problems), "raw": error.raw}
    else:
        # A refusal's body as the channel sent it, when its connector kept it (connectors/walmart.py).
        details["raw"] = str(getattr(error, "raw", "") or error.message)
    return OrderException(
        id=f"cr-{digest}",
        order_id=refund.order_id,
        type=kind,
        step=STEP,
        reason=str(error),
        allowed_actions=(ExceptionAction.OVERRIDE,),
        details=details,
        created_at=at,
    )
