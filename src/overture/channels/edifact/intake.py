"""Receiving an EDIFACT interchange: keep it, check it, turn its ORDERS into orders, answer with ORDRSP.

1. The file is stored raw before it is read, so nothing a partner sent is lost.
2. It is read and every message checked (envelopes, elements, the ORDERS structure, amounts).
3. Each ORDERS that is not rejected is captured through the same capture as every other channel,
   with the partner's profile applied. The partner is the first interchange's UNB sender: its id
   is the profile's ``partner_id`` (profiles have no EDIFACT identity of their own). An order
   the partner sent before (same partner, same order number) is reported, not doubled.
4. Each ORDCHG is applied to its order (``ordchg.py``: the change-request use case an X12 860
   goes through) and answered in the same ORDRSP interchange as the orders.
5. Each order captured is answered in one ORDRSP interchange: 29 when it was routed; when it is
   on hold, line by line from what stock and catalogue allow: 5 accepted, 3 changed to what is
   available, 7 not accepted (unknown SKU or no stock), so 4 (change) or 27 (not accepted).
6. Every interchange is answered with a CONTRL (``contrl.py``), every ORDERS or ORDCHG that is good
   EDIFACT but cannot be acted on (it does not map, a rule refuses it, a duplicate) with an APERAK
   (``aperak.py``). An interchange of a syntax version we do not read is rejected whole.

A file that is not EDIFACT, or whose sender has no profile, is quarantined with the reason; the
caller gets ``PayloadRejected``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace
from decimal import Decimal
from functools import partial

from overture.channels.edifact import replies
from overture.channels.edifact.aperak import Refusal
from overture.channels.edifact.checks import CheckedMessage, Verdict, check_document
from overture.channels.edifact.contrl import DEFAULT_OPTIONS, ContrlOptions, interchange_rejected
from overture.channels.edifact.envelope import Document, Interchange, read
from overture.channels.edifact.errors import EdifactError
from overture.channels.edifact.facts import capture_references
from overture.channels.edifact.mapping import to_command
from overture.channels.edifact.ordchg import receive_order_change
from overture.channels.edifact.orders import CHANNEL, OrderLine, PurchaseOrder, read_purchase_order
from overture.channels.edifact.ordrsp import (
    Envelope,
    LineAction,
    OrderResponse,
    PartyId,
    ResponseLine,
    response_type,
    write_interchange,
)
from overture.channels.edifact.syntax import to_text
from overture.channels.edifact.writer import style_of
from overture.domain import address_book
from overture.domain.commands import LineRequest, PlaceOrder
from overture.domain.partners import PartnerProfile
from overture.domain.statuses import OrderStatus
from overture.services.capture import capture_order
from overture.services.errors import DuplicateOrder, ErrorCode, FieldError, PayloadRejected
from overture.services.ports import (
    Clock,
    Geocoder,
    InboundMessage,
    MessageStatus,
    OrderSummary,
    UnitOfWork,
    UnitOfWorkFactory,
)
from overture.services.ports.exchanges import PartnerReceipt
from overture.services.retry import in_transaction, read_only

CONTENT_TYPE = "application/edifact"


@dataclass(frozen=True, slots=True)
class OurIdentity:
    """How we appear in the UNB of what we send (ZZZ: mutually defined)."""

    id: str = "OVERTURE"
    qualifier: str = "ZZZ"


@dataclass(frozen=True, slots=True)
class MessageOutcome:
    type: str
    reference: str
    verdict: str
    order_id: str | None = None
    order_status: str | None = None
    duplicate: bool = False
    response: str | None = None  # the ORDRSP's response type for this order
    problems: list[dict[str, object]] = field(default_factory=list)
    errors: list[dict[str, str]] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class EdifactReceipt:
    message_id: str
    partner_id: str
    messages: list[MessageOutcome]
    ordrsp: str | None  # the ORDRSP interchange to send back, when an order was captured or changed
    contrl: str | None = None  # the CONTRL answering each interchange (contrl.py)
    aperak: str | None = None  # the APERAK for each ORDERS or ORDCHG we could not act on (aperak.py)


@dataclass(frozen=True, slots=True)
class _Handled:
    """What became of one message: its outcome, and what to answer it with."""

    outcome: MessageOutcome
    response: OrderResponse | None = None
    refusal: Refusal | None = None


@dataclass(frozen=True, slots=True)
class _Context:
    uow_factory: UnitOfWorkFactory
    geocoder: Geocoder
    clock: Clock
    partner: PartnerProfile
    received_at: dt.datetime
    us: OurIdentity


def receive_edifact(
    uow_factory: UnitOfWorkFactory,
    message: InboundMessage,
    *,
    geocoder: Geocoder,
    clock: Clock,
    us: OurIdentity = OurIdentity(),
    contrl_options: ContrlOptions = DEFAULT_OPTIONS,
) -> EdifactReceipt:
    message_id = in_transaction(uow_factory, lambda uow: uow.messages.add(message))
    try:
        document = read(message.body)
    except EdifactError as error:
        problem = error.problem
        reason = FieldError(problem.segment_id or "UNB", ErrorCode.INVALID_VALUE, str(problem))
        raise _quarantined(uow_factory, message_id, ErrorCode.VALIDATION_FAILED, reason) from error
    first = document.interchanges[0]  # read() refuses a file that does not begin with UNB
    partner = _partner(uow_factory, first)
    if partner is None:
        text = f"no trading partner profile for UNB sender {first.sender[0]!r}"
        reason = FieldError("UNB.S002", ErrorCode.NOT_FOUND, text)
        raise _quarantined(uow_factory, message_id, ErrorCode.NOT_FOUND, reason)
    context = _Context(uow_factory, geocoder, clock, partner, message.received_at, us)
    checked = check_document(document)
    results = [_handle(c, context) for c in checked]
    responses = [r.response for r in results if r.response is not None]
    ordrsp = _write_ordrsp(context, document, responses) if responses else None
    ours, at = (us.id, us.qualifier), clock()
    contrl = replies.contrl(uow_factory, partner.partner_id, checked, us=ours, at=at, options=contrl_options)
    refused = [(c, r.refusal) for c, r in zip(checked, results, strict=True) if r.refusal is not None]
    aperak = replies.aperak(uow_factory, partner.partner_id, refused, us=ours, at=at)
    outcomes = [r.outcome for r in results]
    receipt = _receipt_summary(message_id, partner.partner_id, message.received_at, document, checked, outcomes)

    def settle(uow: UnitOfWork) -> None:
        uow.exchanges.record_receipt(receipt)  # the partner view lists it beside the X12 files
        uow.messages.settle(message_id, MessageStatus.ACCEPTED)

    in_transaction(uow_factory, settle)
    return EdifactReceipt(message_id, partner.partner_id, outcomes, ordrsp, contrl, aperak)


_VERDICT_LETTER = {Verdict.ACCEPTED: "A", Verdict.ACCEPTED_WITH_ERRORS: "E", Verdict.REJECTED: "R"}


def _receipt_summary(
    message_id: str,
    partner_id: str,
    at: dt.datetime,
    document: Document,
    checked: list[CheckedMessage],
    outcomes: list[MessageOutcome],
) -> PartnerReceipt:
    """The file as the partner view shows a file: per interchange (UNB 0020) its messages and our verdicts."""
    interchanges = []
    for interchange in document.interchanges:
        mine = [c for c in checked if c.interchange is interchange]
        sets = [
            {"code": c.message.type, "control_number": c.message.reference, "verdict": _VERDICT_LETTER[c.verdict]}
            for c in mine
        ]
        worst = max((s["verdict"] for s in sets), key="AER".index, default="A")
        group = {
            "functional_id": "UNH",
            "control_number": interchange.control_reference,
            "verdict": worst,
            "sets": sets,
        }
        interchanges.append({"control_number": interchange.control_reference, "groups": [group], "notes": []})
    order_ids = list(dict.fromkeys(o.order_id for o in outcomes if o.order_id))
    return PartnerReceipt(message_id, partner_id, at, {"interchanges": interchanges, "ta1s_matched": []}, order_ids)


def _address_of(
    uow_factory: UnitOfWorkFactory, partner_id: str, party: address_book.PartyId
) -> address_book.PartnerAddress | None:
    """The partner's own entry for the party; for a GLN, which names one place whoever sends it, any partner's."""

    def find(uow: UnitOfWork) -> address_book.PartnerAddress | None:
        entry = uow.partners.address(partner_id, party)
        if entry is None and party.scheme == "gln":
            entry = next(iter(uow.partners.addresses_of(party)), None)
        return entry

    return read_only(uow_factory, find)


def _partner(uow_factory: UnitOfWorkFactory, interchange: Interchange) -> PartnerProfile | None:
    sender = interchange.sender[0]
    return read_only(uow_factory, lambda uow: uow.partners.get(sender)) if sender else None


def _handle(checked: CheckedMessage, context: _Context) -> _Handled:
    """An ORDERS is captured, an ORDCHG applied; other messages, and those rejected, only reported."""
    message = checked.message
    problems = [p.to_json() for p in checked.problems]
    verdict = Verdict.REJECTED if interchange_rejected(checked.interchange) else checked.verdict
    base = MessageOutcome(message.type, message.reference, verdict.value, problems=problems)
    if verdict is Verdict.REJECTED or not checked.supported:
        return _Handled(base)
    if message.type == "ORDCHG":
        return _change(checked, context, base)
    if checked.is_order:
        return _capture(checked, context, base)
    return _Handled(base)


def _change(checked: CheckedMessage, context: _Context, base: MessageOutcome) -> _Handled:
    result = receive_order_change(
        checked,
        context.partner,
        uow_factory=context.uow_factory,
        geocoder=context.geocoder,
        clock=context.clock,
        us=PartyId(context.us.id),
    )
    response = result.response.response if result.response else None
    errors = [_error(e) for e in result.refusal.errors] if result.refusal else []
    outcome = replace(base, order_id=result.order_id, duplicate=result.repeated, response=response, errors=errors)
    return _Handled(outcome, result.response, result.refusal)


def _error(error: FieldError) -> dict[str, str]:
    return {"field": error.field, "code": error.code.value, "reason": error.reason}


def _capture(checked: CheckedMessage, context: _Context, base: MessageOutcome) -> _Handled:
    message = checked.message
    order = read_purchase_order(message)
    kept = capture_references(checked.interchange, message, order)
    interchange_reference = checked.interchange.control_reference

    def translate(_: bytes) -> PlaceOrder:
        command = to_command(
            order,
            context.partner,
            interchange_reference=interchange_reference,
            message_reference=message.reference,
            address_book=partial(_address_of, context.uow_factory, context.partner.partner_id),
        )
        # What the DESADV, INVOIC and ORDCHG answers need later (facts.py), kept with the order.
        return replace(command, references=command.references + kept)

    # Each order keeps its own message as its raw message; the whole file is kept too.
    text = to_text(message.segments, checked.interchange.characters)
    raw = InboundMessage(CHANNEL, text.encode(), context.received_at, CONTENT_TYPE)
    try:
        result = capture_order(
            raw,
            translate,
            idempotency_key=None,
            uow_factory=context.uow_factory,
            geocoder=context.geocoder,
            clock=context.clock,
        )
    except DuplicateOrder as duplicate:
        reason = f"order {order.po_number} was placed before, as {duplicate.order_id}"
        refusal = Refusal(message.reference, order.po_number, [FieldError("BGM", ErrorCode.DUPLICATE_ORDER, reason)])
        return _Handled(replace(base, order_id=duplicate.order_id, duplicate=True), refusal=refusal)
    except PayloadRejected as rejected:
        refusal = Refusal(message.reference, order.po_number, rejected.errors)
        return _Handled(replace(base, errors=[_error(e) for e in rejected.errors]), refusal=refusal)
    summary = result.order
    response = _response(order, translate(b""), summary, context)
    outcome = replace(base, order_id=summary.id, order_status=summary.status, response=response.response)
    return _Handled(outcome, response)


def _response(order: PurchaseOrder, command: PlaceOrder, summary: OrderSummary, context: _Context) -> OrderResponse:
    on_hold = summary.status == OrderStatus.ON_HOLD
    free = _available(context.uow_factory, command) if on_hold else None
    lines = tuple(
        _response_line(line, request, context.partner, free, order.delivery_date)
        for line, request in zip(order.lines, command.lines, strict=True)
    )
    buyer = order.parties.get("BY")
    supplier = order.parties.get("SU")
    return OrderResponse(
        number=summary.id,
        po_number=order.po_number,
        response=response_type([line.action for line in lines]),
        issued=context.clock().date(),
        buyer=PartyId(buyer.id, buyer.agency) if buyer and buyer.id else None,
        supplier=PartyId(supplier.id, supplier.agency) if supplier and supplier.id else PartyId(context.us.id),
        lines=lines,
    )


def _available(uow_factory: UnitOfWorkFactory, command: PlaceOrder) -> dict[str, int]:
    """Units free now per SKU across every location (0 for a SKU we do not know)."""
    skus = {line.sku for line in command.lines}
    availability = read_only(uow_factory, lambda uow: uow.inventory.availability(skus))
    return {sku: sum(s.available.get(sku, 0) for s in availability.stock) for sku in skus}


def _response_line(
    line: OrderLine, request: LineRequest, partner: PartnerProfile, free: dict[str, int] | None, delivery: str
) -> ResponseLine:
    factor = partner.uom_factors.get(line.unit, 1)
    units = request.quantity
    if free is not None:
        # Whole partner units only (no part of a case); what one line takes, the next cannot.
        units = min(units, max(free.get(request.sku, 0), 0)) // factor * factor
        free[request.sku] = free.get(request.sku, 0) - units
    action = LineAction.ACCEPTED if units == request.quantity else LineAction.CHANGED
    if units == 0:
        action = LineAction.NOT_ACCEPTED
    item_type, item = next(iter(line.product_ids.items()), ("", ""))
    return ResponseLine(
        line_no=line.line_no,
        item=item,
        item_type=item_type if item_type != "?" else "",
        action=action,
        ordered=line.quantity,
        confirmed=Decimal(units // factor),
        delivery_date=_date(line.delivery_date or delivery) if units else None,
    )


def _date(value: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value[:10])
    except ValueError:
        return None


def _write_ordrsp(context: _Context, document: Document, responses: list[OrderResponse]) -> str:
    partner_id = context.partner.partner_id
    control = in_transaction(context.uow_factory, lambda uow: uow.partners.next_control_number(partner_id))
    first = document.interchanges[0]
    envelope = Envelope(
        sender=(context.us.id, context.us.qualifier),
        recipient=first.sender,
        control_reference=str(control),
        prepared=context.clock(),
    )
    return write_interchange(envelope, responses, style_of(first, first.messages[0] if first.messages else None))


def _quarantined(
    uow_factory: UnitOfWorkFactory, message_id: str, kind: ErrorCode, error: FieldError
) -> PayloadRejected:
    def work(uow: UnitOfWork) -> None:
        uow.messages.settle(message_id, MessageStatus.QUARANTINED, reason=kind.value, errors=[error])

    in_transaction(uow_factory, work)
    return PayloadRejected(message_id=message_id, kind=kind, errors=[error])
