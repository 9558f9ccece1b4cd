"""A 3PL's 945 Warehouse Shipping Advice, received: matched to the 940 we sent, recorded as a shipment.

What the EDI intake calls for a 945. The set is kept as its own raw message and recorded through
``services/fulfilment.receive_shipment``, as a WMS's JSON shipment notice is, so the order's workflow
moves to shipped and the buyer gets its 856 and 810 as for any shipment. Matching goes by W0602 (our
940's depositor order number) and falls back to N9 CO (our order id); the location is the 940's N1 WH.
Lines shipped short (W12 with a difference) are recorded with the quantity shipped and named in a note
on the order. A 945 naming no order of ours is quarantined with the reason, never dropped.
"""

from __future__ import annotations

from datetime import datetime

from overture.channels.x12.documents import CHANNEL
from overture.channels.x12.envelope import Transaction
from overture.channels.x12.supplier import SupplierOutcome
from overture.channels.x12.tokenizer import Delimiters, Segment
from overture.channels.x12.warehouse import (
    CANCEL,
    KIND,
    AdviceLine,
    ShippingAdvice,
    lines_of,
    read_shipping_advice,
    sent_release,
    warehouse_of,
)
from overture.domain.partners import PartnerProfile
from overture.services import fulfilment
from overture.services.errors import ErrorCode, FieldError, PayloadError, PayloadRejected
from overture.services.plans import ShipmentRecord
from overture.services.ports import Clock, InboundMessage, UnitOfWork, UnitOfWorkFactory
from overture.services.retry import read_only

ADVICE_SETS = frozenset({"945"})


def receive_shipping_advice(
    transaction: Transaction,
    delimiters: Delimiters,
    partner: PartnerProfile,
    received_at: datetime,
    *,
    uow_factory: UnitOfWorkFactory,
    clock: Clock,
) -> SupplierOutcome:
    """Record the shipment a 945 reports (see the module docstring)."""
    raw = InboundMessage(CHANNEL, _text(transaction.segments, delimiters), received_at, "x12")
    try:
        advice = read_shipping_advice(transaction)
        located: ShipmentRecord | PayloadError = read_only(uow_factory, lambda uow: _record(uow, partner, advice))
    except PayloadError as error:
        located = error

    def translate(_: bytes) -> ShipmentRecord:
        if isinstance(located, PayloadError):
            raise located
        return located

    try:
        shipment = fulfilment.receive_shipment(uow_factory, raw, translate, clock=clock)
    except PayloadRejected as rejected:
        kept = {"field": "message", "code": "quarantined", "reason": f"kept in quarantine as {rejected.message_id}"}
        errors = [{"field": e.field, "code": e.code.value, "reason": e.reason} for e in rejected.errors]
        return SupplierOutcome(errors=[*errors, kept])
    short = [line for line in advice.lines if line.difference > 0 or line.shipped < line.ordered]
    if shipment.recorded and short:
        fulfilment.note(uow_factory, shipment.order_id, _short_note(partner, short), clock=clock)
    return SupplierOutcome(order_id=shipment.order_id, shipment=shipment)


def _record(uow: UnitOfWork, partner: PartnerProfile, advice: ShippingAdvice) -> ShipmentRecord | PayloadError:
    found = sent_release(uow, partner.partner_id, advice.depositor_order_number)
    if found is None and advice.order_reference:
        found = _by_order_id(uow, partner, advice.order_reference)
    if found is None:
        number = advice.depositor_order_number or advice.order_reference
        reason = f"{number!r} names no shipping order (940) we sent {partner.partner_id}"
        return PayloadError(ErrorCode.NOT_FOUND, [FieldError("W0602", ErrorCode.NOT_FOUND, reason)])
    order_id, sent = found
    if not advice.tracking_number:
        reason = "a 945 needs a tracking number (MAN CP, or N9 CN / 2I / BM)"
        return PayloadError(ErrorCode.VALIDATION_FAILED, [FieldError("MAN02", ErrorCode.REQUIRED, reason)])
    return ShipmentRecord(
        shipment_id=f"{advice.depositor_order_number or order_id}:{advice.shipment_id}"[:64],
        order_id=order_id,
        location_id=warehouse_of(sent),
        carrier=(advice.carrier or "UNKNOWN")[:64],
        tracking_number=advice.tracking_number[:64],
        shipped_at=advice.shipped_at,
        lines=_shipped_lines(advice.lines, sent, partner),
    )


def _by_order_id(uow: UnitOfWork, partner: PartnerProfile, order_id: str) -> tuple[str, Transaction] | None:
    """The newest 940 we sent for our order id (N9 CO), at whichever location the partner serves."""
    for row in reversed(uow.documents.listing(partner.partner_id, kind=KIND, order_id=order_id)):
        reference = str(row["reference"])
        found = None if reference.endswith(f"-{CANCEL}") else sent_release(uow, partner.partner_id, reference)
        if found is not None:
            return found
    return None


def _shipped_lines(lines: list[AdviceLine], sent: Transaction, partner: PartnerProfile) -> list[dict[str, object]]:
    """Our (line number, SKU, quantity shipped) for each 945 line that shipped anything, matched to the
    940's lines by our SKU (VN), the 3PL's part number (BP) or, failing both, the LX number."""
    ours = lines_of(sent)
    shipped: list[dict[str, object]] = []
    for line in lines:
        match = next((o for o in ours if _same_item(o[1], line.product_ids, partner)), None)
        match = match or next((o for o in ours if o[0] == line.assigned), None)
        if match is not None and line.shipped > 0:
            shipped.append({"line_no": match[0], "sku": match[1].get("VN", ""), "quantity": line.shipped})
    return shipped


def _same_item(sent: dict[str, str], received: dict[str, str], partner: PartnerProfile) -> bool:
    if received.get("VN") and received["VN"] == sent.get("VN"):
        return True
    if received.get("BP") and partner.our_sku({"BP": received["BP"]}) == sent.get("VN"):
        return True
    return bool(received.get("UP")) and received.get("UP") == sent.get("UP")


def _short_note(partner: PartnerProfile, short: list[AdviceLine]) -> str:
    parts = [
        f"line {x.assigned} {x.product_ids.get('VN') or next(iter(x.product_ids.values()), '')}: "
        f"{x.shipped} of {x.ordered} shipped (difference {x.difference or x.ordered - x.shipped}, {x.status})"
        for x in short
    ]
    return f"3PL {partner.partner_id} shipped short: " + "; ".join(parts)


def _text(segments: list[Segment], delimiters: Delimiters) -> bytes:
    return "\n".join(delimiters.element.join(s.elements) + delimiters.segment for s in segments).encode()
