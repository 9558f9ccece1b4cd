"""A buyer's 860 change order applied to the order its PO became, and the 865 answering it.

1. The set is kept raw (the file it came in is kept too, by ``intake.receive_x12``); one that
   cannot be read, or names no PO of this partner (BCH03), is quarantined with the field and why.
2. Each POC is turned into our terms: the line the buyer numbers POC01 (its PO101, kept with the
   order at capture), our SKU and units from the partner's cross-references, a new line number for
   an added item. A line that cannot be (an unknown line, a part number we cannot map) is refused.
3. The rest goes through ``services/change_requests.py``: the same amendment as a person's edit
   (governed, routed and reserved again), line by line refused if it cannot be made, the whole
   refused when a location already has the order.
4. The 865 says per POC what became of it (IA, IQ, IP, IC, ID, IB, or IR with the reason), kept
   once per change order beside the 997, as 855s are.

A whole-PO cancellation (BCH01 01) is not carried out unattended: cancelling may need the
warehouse to call a release back, which is the workflow's to do. It is noted on the order and
answered line by line as refused until a person cancels it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from overture.channels.x12 import documents
from overture.channels.x12.ack997 import CheckedTransaction
from overture.channels.x12.documents import buyer_lines
from overture.channels.x12.outbound import ChangeLineAnswer, LineAck, change_ack_865
from overture.channels.x12.po850 import BUYER_LINE_KIND, SKU_QUALIFIERS, PoLine, buyer_line_value
from overture.channels.x12.po860 import CANCEL, ChangeLine, ChangeOrder, read_change_order
from overture.channels.x12.tokenizer import Segment
from overture.channels.x12.writer import Sender
from overture.domain.exceptions import ExceptionType
from overture.domain.orders import Order
from overture.domain.partners import PartnerProfile
from overture.domain.statuses import LineStatus, OrderStatus
from overture.services.change_requests import (
    ChangeOutcome,
    ChangeRequest,
    LineChangeKind,
    RequestedLineChange,
    apply_change_request,
)
from overture.services.errors import ErrorCode, FieldError, PayloadError
from overture.services.ports import Clock, Geocoder, InboundMessage, MessageStatus, UnitOfWork, UnitOfWorkFactory
from overture.services.retry import in_transaction, read_only

CHANNEL = "edi"
KINDS = {
    "AI": LineChangeKind.ADD,
    "DI": LineChangeKind.DELETE,
    "QI": LineChangeKind.QUANTITY,
    "QD": LineChangeKind.QUANTITY,
    "PC": LineChangeKind.PRICE,
    "CA": LineChangeKind.REPLACE,
    "RZ": LineChangeKind.REPLACE,
    "CT": LineChangeKind.DATES,
}
# What an accepted change is answered with (ACK01).
ACCEPTED = {
    "AI": LineAck.ACCEPTED,
    "DI": LineAck.DELETED,
    "QI": LineAck.QUANTITY_CHANGED,
    "QD": LineAck.QUANTITY_CHANGED,
    "PC": LineAck.PRICE_CHANGED,
    "CA": LineAck.CHANGED,
    "RZ": LineAck.CHANGED,
    "CT": LineAck.ACCEPTED,
}
CANCEL_REASON = "cancelling the whole PO is decided by a person here: noted on the order, not yet done"


@dataclass(frozen=True, slots=True)
class ChangeOrderOutcome:
    order_id: str | None = None
    errors: list[dict[str, str]] = field(default_factory=list)
    ack_865: str | None = None  # None: refused before an order was found, or the same change order again


@dataclass(frozen=True, slots=True)
class _Translated:
    """The POCs in our terms: the request, and the POCs refused before it (by position)."""

    request: ChangeRequest
    by_position: dict[int, RequestedLineChange]
    refused: dict[int, str]


def receive_change_order(
    checked: CheckedTransaction,
    partner: PartnerProfile,
    received_at: datetime,
    *,
    uow_factory: UnitOfWorkFactory,
    geocoder: Geocoder,
    clock: Clock,
    us: Sender,
) -> ChangeOrderOutcome:
    """Apply one 860 and answer it with an 865 (see the module docstring)."""
    interchange = checked.interchange
    assert interchange is not None  # check_document names each set's interchange
    t = checked.transaction
    d = interchange.delimiters
    raw = InboundMessage(CHANNEL, _text(t.segments, d.element, d.segment), received_at, "x12")
    try:
        change = read_change_order(t, interchange.delimiters)
        order_id = _order_of(uow_factory, partner, change)
    except PayloadError as error:
        message_id = _quarantine(uow_factory, raw, error)
        return ChangeOrderOutcome(errors=[_error_dict(e) for e in error.errors] + [_kept(message_id)])
    in_transaction(uow_factory, lambda uow: uow.messages.add(raw, status=MessageStatus.ACCEPTED, order_id=order_id))
    # Names this change order: its sequence (BCH05), else where it came (ISA13 / GS06 / ST02).
    sent_as = f"{interchange.control_number}/{checked.group.control_number}/{t.control_number}"
    key = f"860:{change.po_number}:{change.change_sequence or sent_as}"
    answers: list[ChangeLineAnswer] | None
    if change.purpose == CANCEL:
        answers = _cancel_noted(uow_factory, order_id, change, partner, clock)
    else:
        answers = _applied(uow_factory, order_id, change, partner, key, geocoder=geocoder, clock=clock)
    if answers is None:
        return ChangeOrderOutcome(order_id)  # the same change order again: answered the first time
    done = answers
    text = in_transaction(uow_factory, lambda uow: _keep_865(uow, order_id, change, done, partner, key, us, clock()))
    return ChangeOrderOutcome(order_id, ack_865=text)


def _order_of(uow_factory: UnitOfWorkFactory, partner: PartnerProfile, change: ChangeOrder) -> str:
    external_id = f"{partner.partner_id}:{change.po_number}"
    order_id = read_only(uow_factory, lambda uow: uow.orders.find_by_external_id(CHANNEL, external_id))
    if order_id is None:
        reason = f"{change.po_number!r} is not a purchase order partner {partner.partner_id} sent us"
        raise PayloadError(ErrorCode.NOT_FOUND, [FieldError("BCH03", ErrorCode.NOT_FOUND, reason)])
    return order_id


def _applied(
    uow_factory: UnitOfWorkFactory,
    order_id: str,
    change: ChangeOrder,
    partner: PartnerProfile,
    key: str,
    *,
    geocoder: Geocoder,
    clock: Clock,
) -> list[ChangeLineAnswer] | None:
    order, buyer = read_only(uow_factory, lambda uow: _order_and_buyer_lines(uow, order_id))
    translated = _translate(change, order, buyer, partner, key)
    outcome = apply_change_request(uow_factory, order_id, translated.request, geocoder=geocoder, clock=clock)
    if outcome.repeated:
        return None
    waits = read_only(uow_factory, lambda uow: _waits_for_stock(uow, order_id))
    return [_answer(poc, translated, outcome, buyer, waits) for poc in change.lines]


def _translate(
    change: ChangeOrder, order: Order, buyer: dict[int, PoLine], partner: PartnerProfile, key: str
) -> _Translated:
    # The buyer names a line by its PO101; a line it did not send (none kept) by our number.
    ours = {str(x.line_no): x.line_no for x in order.lines if x.line_no not in buyer}
    ours |= {line.line_id: n for n, line in buyer.items()}
    next_no = max([x.line_no for x in order.lines] + list(buyer)) + 1
    by_position: dict[int, RequestedLineChange] = {}
    refused: dict[int, str] = {}
    references: list[tuple[str, str, str]] = []
    for poc in change.lines:
        line_no = next_no if poc.change == "AI" else ours.get(poc.line_id)
        if line_no is None:
            refused[poc.position] = f"the PO has no line {poc.line_id!r}"
            continue
        try:
            by_position[poc.position] = _requested(poc, line_no, partner)
        except ValueError as error:
            refused[poc.position] = str(error)
            continue
        if poc.change == "AI":
            next_no += 1
            kept = PoLine(poc.line_id, poc.quantity or Decimal(0), poc.uom, poc.unit_price, poc.product_ids)
            references.append(("edi", BUYER_LINE_KIND.format(line_no=line_no), buyer_line_value(kept)))
    reason = f"change order {change.change_sequence or '-'} of PO {change.po_number} (860)"
    request = ChangeRequest(partner.partner_id, reason, key, tuple(by_position.values()), tuple(references))
    return _Translated(request, by_position, refused)


def _requested(poc: ChangeLine, line_no: int, partner: PartnerProfile) -> RequestedLineChange:
    """One POC in our terms; ValueError says why it cannot be."""
    kind = KINDS[poc.change]
    factor = partner.uom_factors.get(poc.uom, 1)
    quantity = None
    if poc.quantity is not None and kind is not LineChangeKind.DELETE:
        units = poc.quantity * factor
        if units != units.to_integral_value() or units < 0:
            raise ValueError(f"{poc.quantity} {poc.uom} is not a whole number of units")
        quantity = int(units)
    price = poc.unit_price / factor if poc.unit_price is not None else None
    sku = _our_sku(poc.product_ids, partner) if kind in (LineChangeKind.ADD, LineChangeKind.REPLACE) else None
    if kind is LineChangeKind.ADD and sku is None:
        raise ValueError("the added line carries no product id")
    if kind is LineChangeKind.QUANTITY and quantity is None:
        raise ValueError(f"a {poc.change} change needs the new quantity (POC03)")
    if kind is LineChangeKind.PRICE and price is None:
        raise ValueError("a price change needs the new unit price (POC06)")
    note = ", ".join(f"DTM {q} {d}" for q, d in poc.dates.items())
    return RequestedLineChange(kind, line_no, sku, quantity, price, note)


def _our_sku(product_ids: dict[str, str], partner: PartnerProfile) -> str | None:
    known = partner.our_sku(product_ids)
    if known is not None:
        return known
    return next((product_ids[q] for q in SKU_QUALIFIERS if product_ids.get(q)), None)


def _answer(
    poc: ChangeLine, translated: _Translated, outcome: ChangeOutcome, buyer: dict[int, PoLine], waits: set[int]
) -> ChangeLineAnswer:
    requested = translated.by_position.get(poc.position)
    line_no = requested.line_no if requested is not None else None
    ids = list(poc.product_ids.items()) or list(buyer[line_no].product_ids.items() if line_no in buyer else [])
    line = next((x for x in outcome.order.lines if x.line_no == line_no), None)
    quantity = line.quantity if line is not None else None
    price = line.unit_price.amount if line is not None else None
    if requested is None:
        ack, reason = LineAck.REJECTED, translated.refused[poc.position]
    else:
        result = next(o for o in outcome.lines if o.change == requested)
        ack, reason = (ACCEPTED[poc.change], "") if result.accepted else (LineAck.REJECTED, result.reason)
    if ack is not LineAck.REJECTED and ack is not LineAck.DELETED and line_no in waits:
        ack, reason = LineAck.BACKORDERED, "waiting for stock"
    if ack is LineAck.DELETED:
        quantity, price = None, None
    return ChangeLineAnswer(poc.line_id or str(line_no or ""), poc.change, ack, quantity, price, ids, reason)


def _cancel_noted(
    uow_factory: UnitOfWorkFactory, order_id: str, change: ChangeOrder, partner: PartnerProfile, clock: Clock
) -> list[ChangeLineAnswer]:
    order, buyer = read_only(uow_factory, lambda uow: _order_and_buyer_lines(uow, order_id))
    note = f"partner {partner.partner_id} asks to cancel PO {change.po_number} (860 BCH01 01): {CANCEL_REASON}"
    in_transaction(uow_factory, lambda uow: uow.fulfilment.add_note(order_id, note, clock()))
    return [
        ChangeLineAnswer(
            buyer[x.line_no].line_id if x.line_no in buyer else str(x.line_no),
            "DI",
            LineAck.REJECTED,
            x.quantity,
            x.unit_price.amount,
            list(buyer[x.line_no].product_ids.items()) if x.line_no in buyer else [],
            CANCEL_REASON,
        )
        for x in order.lines
    ]


def _order_and_buyer_lines(uow: UnitOfWork, order_id: str) -> tuple[Order, dict[int, PoLine]]:
    order = uow.fulfilment.load_order(order_id)
    assert order is not None  # found by its external id a moment ago; orders are never deleted
    return order, buyer_lines(uow.documents.references(order_id))


def _waits_for_stock(uow: UnitOfWork, order_id: str) -> set[int]:
    """Lines that wait for stock after the change: backordered, or held short of stock."""
    order = uow.fulfilment.load_order(order_id)
    plan = uow.fulfilment.plan(order_id)
    if order is None or plan is None:
        return set()
    held_short = order.status is OrderStatus.ON_HOLD and any(
        e.type == ExceptionType.INSUFFICIENT_STOCK.value for e in plan.open_exceptions
    )
    return {
        x.line_no for x in order.lines if x.backordered > 0 or (held_short and x.status is not LineStatus.ALLOCATED)
    }


def _keep_865(
    uow: UnitOfWork,
    order_id: str,
    change: ChangeOrder,
    answers: list[ChangeLineAnswer],
    partner: PartnerProfile,
    key: str,
    us: Sender,
    at: datetime,
) -> str | None:
    po_date = change.po_date or uow.documents.references(order_id).get(("edi", "po_date"), at.strftime("%Y%m%d"))
    draft = change_ack_865(change.po_number, po_date, change.change_sequence, answers, partner)
    return documents.keep(uow, partner, kind="865", reference=key, order_id=order_id, drafts=[draft], sender=us, at=at)


def _quarantine(uow_factory: UnitOfWorkFactory, raw: InboundMessage, error: PayloadError) -> str:
    def work(uow: UnitOfWork) -> str:
        message_id = uow.messages.add(raw)
        uow.messages.settle(message_id, MessageStatus.QUARANTINED, reason=error.kind.value, errors=error.errors)
        return message_id

    return in_transaction(uow_factory, work)


def _error_dict(error: FieldError) -> dict[str, str]:
    return {"field": error.field, "code": error.code.value, "reason": error.reason}


def _kept(message_id: str) -> dict[str, str]:
    return {"field": "message", "code": "quarantined", "reason": f"kept in quarantine as {message_id}"}


def _text(segments: list[Segment], element: str, terminator: str) -> bytes:
    return "\n".join(element.join(s.elements) + terminator for s in segments).encode()
