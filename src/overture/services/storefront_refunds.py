"""A refund a storefront already paid out (Shopify ``refunds/create``) recorded in our ledger, per line.

The channel collected the money and gave it back itself, so nothing goes to our payment provider: the
ledger only learns that each refunded line gave back its amount (a ``refund`` entry referencing the
channel's refund) and owes as much less (an ``adjustment``, as for a goodwill refund,
services/payments.py ``goodwill_entries``), so the books stay balanced.

Once, however it is delivered: the posting key is the channel's refund id, so a redelivery (same
webhook id, or a second webhook for the same refund) posts nothing. A refund we cannot match (a line
that is not on the order, a line without its amount, money beyond what a line captured, an amount not
on any line such as a shipping refund) posts nothing and opens an exception on the order holding the
raw webhook, for a person to settle by hand.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from overture.domain.charging import Why
from overture.domain.exceptions import ExceptionAction, ExceptionType, OrderException
from overture.domain.money.amount import to_minor
from overture.domain.money.ledger import Entry, EntryKind, LedgerError
from overture.services.money import ledger_of
from overture.services.payments import goodwill_entries
from overture.services.ports import Clock, UnitOfWork, UnitOfWorkFactory
from overture.services.retry import in_transaction

STEP = "channel_refund"
_RAW_LIMIT = 64 * 1024


@dataclass(frozen=True, slots=True)
class RefundedLine:
    sku: str  # ours, as the channel's translator names the line's SKU
    quantity: int
    amount: Decimal | None  # what the line gave back, tax included; None when the channel did not say


@dataclass(frozen=True, slots=True)
class ChannelRefund:
    """A refund the channel made, as its translator read it."""

    channel: str
    refund_id: str
    currency: str
    total: Decimal  # the successful refund transactions
    lines: tuple[RefundedLine, ...]
    note: str = ""


def apply_refund(
    uow_factory: UnitOfWorkFactory,
    order_id: str,
    refund: ChannelRefund,
    *,
    message_id: str,
    raw: bytes,
    clock: Clock,
) -> str:
    """Post the channel's refund to the order's ledger once; what happened, as noted on the order."""
    return in_transaction(uow_factory, lambda uow: _apply(uow, order_id, refund, message_id, raw, clock))


def _apply(uow: UnitOfWork, order_id: str, refund: ChannelRefund, message_id: str, raw: bytes, clock: Clock) -> str:
    key = f"{refund.channel}:refund:{refund.refund_id}"
    if uow.money.posted(key):
        return f"{refund.channel} refund {refund.refund_id} already in the ledger"
    at = clock()
    problems, per_line = _match(uow, order_id, refund)
    if problems:
        uow.fulfilment.add_exception(_exception(order_id, refund, problems, message_id, raw, at))
        note = f"{refund.channel} refund {refund.refund_id} not matched to the order's lines: {'; '.join(problems)}"
        uow.fulfilment.add_note(order_id, note, at)
        return note
    why = Why("channel_refund", refund.channel, at)
    reference = f"{refund.channel}:refund:{refund.refund_id}"
    currency = ledger_of(uow, order_id).currency
    given = [
        Entry(order_id, n, EntryKind.REFUND, amount, currency, why.cause, why.actor, at, reference)
        for n, amount in sorted(per_line.items())
    ]
    if uow.money.post(key, order_id, [*goodwill_entries(order_id, currency, per_line, why), *given], at):
        note = f"{refund.channel} refund {refund.refund_id} of {refund.total} {refund.currency} posted to the ledger"
        uow.fulfilment.add_note(order_id, note, at)
        return note
    return f"{refund.channel} refund {refund.refund_id} already in the ledger"


def _match(uow: UnitOfWork, order_id: str, refund: ChannelRefund) -> tuple[list[str], dict[int, int]]:
    """(problems, minor units per line number): every line found, its amount known and captured."""
    order = uow.fulfilment.load_order(order_id)
    assert order is not None
    ledger = ledger_of(uow, order_id)
    line_of: dict[str, int] = {}
    for line in order.lines:
        line_of.setdefault(line.sku, line.line_no)
    problems: list[str] = []
    if refund.currency and refund.currency != ledger.currency:
        problems.append(f"refund in {refund.currency}, the order is in {ledger.currency}")
    per_line: dict[int, int] = {}
    for refunded in refund.lines:
        line_no = line_of.get(refunded.sku)
        if line_no is None:
            problems.append(f"{refunded.sku} is not a line of the order")
        elif refunded.amount is None:
            problems.append(f"{refunded.sku}: the refund does not say how much the line gave back")
        else:
            per_line[line_no] = per_line.get(line_no, 0) + to_minor(refunded.amount, ledger.currency)
    lines_total = sum((x.amount or Decimal(0) for x in refund.lines), Decimal(0))
    if not problems and lines_total != refund.total:
        problems.append(f"{refund.total} refunded, {lines_total} of it on lines (the rest matches no line)")
    for line_no, amount in per_line.items():
        try:
            ledger.check_refund(line_no, amount)
        except LedgerError as error:
            problems.append(str(error))
    return problems, per_line


def _exception(
    order_id: str, refund: ChannelRefund, problems: list[str], message_id: str, raw: bytes, at: datetime
) -> OrderException:
    """Not a hold: the customer has the money already; a person settles the ledger and overrides."""
    digest = hashlib.sha256(f"{refund.channel}:{refund.refund_id}".encode()).hexdigest()[:29]
    text = raw[:_RAW_LIMIT].decode("utf-8", errors="replace")
    return OrderException(
        id=f"rf-{digest}",
        order_id=order_id,
        type=ExceptionType.INVALID_DATA,
        step=STEP,
        reason=f"{refund.channel} refund {refund.refund_id} could not be matched: {'; '.join(problems)}",
        allowed_actions=(ExceptionAction.OVERRIDE,),
        details={"refund_id": refund.refund_id, "message_id": message_id, "problems": problems, "raw": text},
        created_at=at,
    )
