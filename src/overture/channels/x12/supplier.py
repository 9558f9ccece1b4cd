"""X12 with drop-ship suppliers: the 850 we send them, and their 855 and 856 back.

- ``send_purchase_order`` writes the 850 for an order's lines at the supplier's location and keeps
  it in ``outbound_documents`` under our PO number, once: a retried release writes nothing new.
- ``read_po_ack`` reads an 855 (BAK, and per PO1 its ACK, with the MSG before it as the reason);
  ``read_ship_notice`` reads an 856 (BSN, TD5 carrier, REF CN tracking, PRF PO number, LIN/SN1
  items). Both raise ``PayloadError`` naming the segment when something needed is missing.
- ``receive_supplier_set`` is what the EDI intake calls for an 855 or 856 from a supplier: it keeps
  the transaction set as its own raw message, matches it to our PO (BAK03 or PRF01 = our BEG03)
  and applies it; a set naming no PO of ours is quarantined with the reason, never dropped.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

from overture.channels.x12 import seller_answers
from overture.channels.x12.documents import CHANNEL, keep
from overture.channels.x12.envelope import Transaction
from overture.channels.x12.outbound import PurchaseLine, PurchaseOrderFacts, purchase_order_850
from overture.channels.x12.tokenizer import Delimiters, Segment
from overture.channels.x12.writer import Sender
from overture.domain.partners import PartnerProfile
from overture.services import drop_ship
from overture.services.drop_ship import AckLine, DropShipNotConfigured, SupplierAck, SupplierShipment
from overture.services.errors import ErrorCode, FieldError, PayloadError, PayloadRejected
from overture.services.plans import ShipmentOutcome
from overture.services.ports import Clock, InboundMessage, MessageStatus, UnitOfWork, UnitOfWorkFactory
from overture.services.ports.partner_documents import SupplierOrder
from overture.services.retry import in_transaction

SUPPLIER_SETS = frozenset({"855", "856"})


@dataclass(frozen=True, slots=True)
class SupplierOutcome:
    order_id: str | None = None
    errors: list[dict[str, str]] = field(default_factory=list)
    shipment: ShipmentOutcome | None = None  # an 856 recorded (or seen before)
    exception_id: str | None = None  # an 855 that refused lines


def send_purchase_order(uow: UnitOfWork, order: SupplierOrder, *, sender: Sender, at: datetime) -> str:
    """Keep the 850 for the supplier (once per PO number) and return the PO number."""
    if order.partner.x12 is None:
        raise DropShipNotConfigured(f"supplier {order.partner.partner_id} has no X12 identity to send an 850 to")
    ship_to = order.order.ship_to
    facts = PurchaseOrderFacts(
        po_number=order.po_number,
        po_date=at.strftime("%Y%m%d"),
        order_id=order.order.order_id,
        currency=order.partner.currency or order.order.currency,
        ship_to={k: str(ship_to.get(k) or "") for k in ("name", "line1", "city", "region", "postal_code", "country")},
        lines=[PurchaseLine(x.line_no, x.sku, x.quantity, order.unit_prices.get(x.sku)) for x in order.release.lines],
    )
    draft = purchase_order_850(facts, order.partner)
    order_id = order.order.order_id
    keep(
        uow,
        order.partner,
        kind="850",
        reference=order.po_number,
        order_id=order_id,
        drafts=[draft],
        sender=sender,
        at=at,
    )
    return order.po_number


def read_po_ack(transaction: Transaction) -> SupplierAck:
    bak = _required(transaction, "BAK", 3, "an 855 needs BAK03, our purchase order number")
    lines: list[AckLine] = []
    line_no, reason = 0, ""
    acks: list[tuple[str, int]] = []
    # A line's reason is a MSG of its N9 loop (after the ACK, as the standard places it) or, as some
    # suppliers send it, a MSG before the ACK.
    for segment in [*transaction.body, None]:
        if segment is None or segment.tag == "PO1":
            lines += [AckLine(line_no, status, quantity, reason) for status, quantity in acks]
            if segment is not None:
                line_no, reason, acks = _int(segment.get(1), len(lines) + 1), "", []
        elif segment.tag == "MSG" and line_no and not reason:
            reason = segment.get(1)
        elif segment.tag == "MTX" and line_no and not reason:
            reason = segment.get(2)
        elif segment.tag == "ACK" and line_no:
            acks.append((segment.get(1), _int(segment.get(2), 0)))
    return SupplierAck(bak.get(3), bak.get(2), lines)


def read_ship_notice(transaction: Transaction, partner: PartnerProfile) -> SupplierShipment:
    bsn = _required(transaction, "BSN", 2, "an 856 needs BSN02, the shipment id")
    prf = _required(transaction, "PRF", 1, "an 856 needs PRF01, our purchase order number")
    refs = {s.get(1): s.get(2) for s in transaction.body if s.tag == "REF"}
    tracking = refs.get("CN") or refs.get("2I") or ""
    if not tracking:
        raise _error("REF*CN", ErrorCode.REQUIRED, "an 856 needs the tracking number (REF CN)")
    td5 = next((s for s in transaction.body if s.tag == "TD5"), None)
    carrier = (td5.get(3) or td5.get(5)) if td5 else ""
    return SupplierShipment(
        po_number=prf.get(1),
        shipment_id=bsn.get(2),
        carrier=carrier or "UNKNOWN",
        tracking_number=tracking,
        shipped_at=_when(bsn.get(3), bsn.get(4)),
        lines=_items(transaction.body, partner),
    )


def receive_supplier_set(
    transaction: Transaction,
    delimiters: Delimiters,
    partner: PartnerProfile,
    received_at: datetime,
    *,
    uow_factory: UnitOfWorkFactory,
    clock: Clock,
) -> SupplierOutcome:
    """Apply a supplier's 855 or 856 to the order its PO number names (see the module docstring)."""
    raw = InboundMessage(CHANNEL, _text(transaction.segments, delimiters), received_at, "x12")
    try:
        if transaction.code == "855":
            ack = read_po_ack(transaction)
            if (order_id := seller_answers.acknowledge(uow_factory, raw, partner, ack, clock=clock)) is not None:
                return SupplierOutcome(order_id=order_id)  # a partner seller's sub-order
            located = _located(uow_factory, raw, partner, ack.po_number, "BAK03")
            outcome = drop_ship.acknowledge(uow_factory, partner, ack, located, clock=clock)
            in_transaction(
                uow_factory, lambda uow: uow.messages.add(raw, status=MessageStatus.ACCEPTED, order_id=outcome.order_id)
            )
            return SupplierOutcome(order_id=outcome.order_id, exception_id=outcome.exception_id)
        notice = read_ship_notice(transaction, partner)
        if (order_id := seller_answers.ship(uow_factory, raw, partner, notice, clock=clock)) is not None:
            return SupplierOutcome(order_id=order_id)
        located = _located(uow_factory, raw, partner, notice.po_number, "PRF01")
        shipment = drop_ship.record_shipment(uow_factory, raw, notice, located, clock=clock)
        return SupplierOutcome(order_id=shipment.order_id, shipment=shipment)
    except PayloadError as error:
        message_id = _quarantine(uow_factory, raw, error.kind, error.errors)
        return SupplierOutcome(errors=[_error_dict(e) for e in error.errors] + [_kept(message_id)])
    except PayloadRejected as rejected:
        return SupplierOutcome(errors=[_error_dict(e) for e in rejected.errors] + [_kept(rejected.message_id)])


def _located(
    uow_factory: UnitOfWorkFactory, raw: InboundMessage, partner: PartnerProfile, po: str, field_name: str
) -> tuple[str, str]:
    located = drop_ship.locate(uow_factory, partner.partner_id, po)
    if located is None:
        reason = f"{po!r} is not a purchase order we sent supplier {partner.partner_id}"
        raise _error(field_name, ErrorCode.NOT_FOUND, reason)
    return located


def _quarantine(uow_factory: UnitOfWorkFactory, raw: InboundMessage, kind: ErrorCode, errors: list[FieldError]) -> str:
    def work(uow: UnitOfWork) -> str:
        message_id = uow.messages.add(raw)
        uow.messages.settle(message_id, MessageStatus.QUARANTINED, reason=kind.value, errors=errors)
        return message_id

    return in_transaction(uow_factory, work)


def _items(body: list[Segment], partner: PartnerProfile) -> list[tuple[int, str, int]]:
    """(our line number, our SKU, quantity) per LIN and the SN1 after it."""
    items: list[tuple[int, str, int]] = []
    current: tuple[int, str] | None = None
    for segment in body:
        if segment.tag == "LIN":
            ids = dict(zip(segment.elements[2::2], segment.elements[3::2], strict=False))
            sku = ids.get("BP") or partner.our_sku(ids) or next(iter(ids.values()), "")
            current = (_int(segment.get(1), len(items) + 1), sku)
        elif segment.tag == "SN1" and current is not None:
            items.append((*current, _int(segment.get(2), 0)))
            current = None
    return items


def _when(date: str, clock_time: str) -> datetime:
    try:
        return datetime.strptime(date + (clock_time[:4] or "0000"), "%Y%m%d%H%M").replace(tzinfo=UTC)
    except ValueError as error:
        raise _error(
            "BSN03", ErrorCode.INVALID_VALUE, f"{date!r} {clock_time!r} is not a CCYYMMDD HHMM time"
        ) from error


def _required(transaction: Transaction, tag: str, element: int, reason: str) -> Segment:
    segment = next((s for s in transaction.body if s.tag == tag), None)
    if segment is None or not segment.get(element):
        raise _error(f"{tag}{element:02d}", ErrorCode.REQUIRED, reason)
    return segment


def _error(field_name: str, code: ErrorCode, reason: str) -> PayloadError:
    kind = ErrorCode.NOT_FOUND if code is ErrorCode.NOT_FOUND else ErrorCode.VALIDATION_FAILED
    return PayloadError(kind, [FieldError(field_name, code, reason)])


def _error_dict(error: FieldError) -> dict[str, str]:
    return {"field": error.field, "code": error.code.value, "reason": error.reason}


def _kept(message_id: str) -> dict[str, str]:
    return {"field": "message", "code": "quarantined", "reason": f"kept in quarantine as {message_id}"}


def _int(text: str, default: int) -> int:
    try:
        return int(float(text))
    except ValueError:
        return default


def _text(segments: list[Segment], delimiters: Delimiters) -> bytes:
    return "\n".join(delimiters.element.join(s.elements) + delimiters.segment for s in segments).encode()
