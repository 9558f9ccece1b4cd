"""A drop-ship supplier's 810 invoice, matched three ways before it is recorded.

Per invoice line (IT1, its IT101 echoing our PO1 line number, else matched by product id): the
quantity invoiced against what the supplier shipped (its 856s, as recorded) and what we ordered (our
850), and the unit price against our PO's (PO104; the partner's contract price when the PO left it
empty). A unit the supplier invoices in (CA) counts as the partner's ``uom_factors`` say.

A line off by more than the tolerance (``uow.invoice_tolerance``: zero unless set) makes the invoice
a mismatch: an exception opens on the order with each line and its differences, and the order itself
moves on (the goods and the buyer's invoice are not the supplier's invoice). Either way the invoice is
kept (``supplier_invoices``), once per supplier and invoice number; an 810 naming no PO of ours is
quarantined with the reason.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from overture.channels.x12.documents import CHANNEL
from overture.channels.x12.envelope import Transaction, read
from overture.channels.x12.supplier import SupplierOutcome
from overture.channels.x12.tokenizer import Delimiters, Segment
from overture.domain.digits import is_digits
from overture.domain.exceptions import ExceptionType, OrderException, default_actions, default_severity
from overture.domain.ids import new_id
from overture.domain.partners import PartnerProfile
from overture.services import drop_ship
from overture.services.errors import ErrorCode, FieldError, PayloadError
from overture.services.ports import Clock, InboundMessage, MessageStatus, UnitOfWork, UnitOfWorkFactory
from overture.services.ports.supplier_invoices import InvoiceMatch, InvoiceTolerance, SupplierInvoiceRecord
from overture.services.retry import in_transaction

INVOICE_SETS = frozenset({"810"})


@dataclass(frozen=True, slots=True)
class InvoiceLine:
    line_no: int  # IT101: our PO1 line number, as suppliers echo it (0 when absent)
    quantity: int  # in our units
    unit_price: Decimal  # per our unit
    product_ids: dict[str, str]


@dataclass(frozen=True, slots=True)
class SupplierInvoice:
    invoice_number: str  # BIG02
    po_number: str  # BIG04
    currency: str
    total: Decimal  # TDS01, implied two decimals
    lines: list[InvoiceLine]


@dataclass(frozen=True, slots=True)
class OrderedLine:
    line_no: int
    sku: str
    quantity: int
    unit_price: Decimal | None  # None: the PO named no price


def read_supplier_invoice(transaction: Transaction, partner: PartnerProfile) -> SupplierInvoice:
    big = next((s for s in transaction.body if s.tag == "BIG"), None)
    if big is None or not big.get(2) or not big.get(4):
        reason = "a supplier's 810 needs BIG02 (its invoice number) and BIG04 (our purchase order number)"
        raise PayloadError(ErrorCode.VALIDATION_FAILED, [FieldError("BIG04", ErrorCode.REQUIRED, reason)])
    cur = next((s for s in transaction.body if s.tag == "CUR"), None)
    tds = next((s for s in transaction.body if s.tag == "TDS"), None)
    lines = [_invoice_line(s, partner) for s in transaction.body if s.tag == "IT1"]
    total = _decimal(tds.get(1), "TDS01") / 100 if tds else sum((x.unit_price * x.quantity for x in lines), Decimal(0))
    return SupplierInvoice(big.get(2), big.get(4), cur.get(2) if cur else partner.currency, total, lines)


def match_lines(
    invoice: SupplierInvoice, ordered: list[OrderedLine], shipped: dict[int, int], tolerance: InvoiceTolerance
) -> list[dict[str, Any]]:
    """Per invoice line: what was ordered, shipped and invoiced, the prices, and each difference found."""
    return [_match(line, ordered, shipped, tolerance) for line in invoice.lines]


def _match(
    line: InvoiceLine, ordered: list[OrderedLine], shipped: dict[int, int], tolerance: InvoiceTolerance
) -> dict[str, Any]:
    po = next((o for o in ordered if line.line_no and o.line_no == line.line_no), None)
    po = po or next((o for o in ordered if o.sku in line.product_ids.values()), None)
    if po is None:
        ids = ", ".join(f"{k} {v}" for k, v in line.product_ids.items())
        return {"line_no": line.line_no, "invoiced": line.quantity, "problems": [f"not on our PO ({ids})"]}
    got = shipped.get(po.line_no, 0)
    problems = []
    if abs(line.quantity - got) > tolerance.quantity:
        problems.append(f"invoiced {line.quantity}, shipped {got}")
    if line.quantity - po.quantity > tolerance.quantity:
        problems.append(f"invoiced {line.quantity}, ordered {po.quantity}")
    price_difference = None if po.unit_price is None else line.unit_price - po.unit_price
    if price_difference is not None and abs(price_difference) > tolerance.unit_price:
        problems.append(f"unit price {line.unit_price}, our PO {po.unit_price}")
    return {
        "line_no": po.line_no,
        "sku": po.sku,
        "ordered": po.quantity,
        "shipped": got,
        "invoiced": line.quantity,
        "quantity_difference": line.quantity - got,
        "po_unit_price": None if po.unit_price is None else str(po.unit_price),
        "invoiced_unit_price": str(line.unit_price),
        "price_difference": None if price_difference is None else str(price_difference),
        "problems": problems,
    }


def receive_supplier_invoice(
    transaction: Transaction,
    delimiters: Delimiters,
    partner: PartnerProfile,
    received_at: datetime,
    *,
    uow_factory: UnitOfWorkFactory,
    clock: Clock,
) -> SupplierOutcome:
    """Match and keep a supplier's 810 (see the module docstring)."""
    raw = InboundMessage(CHANNEL, _text(transaction.segments, delimiters), received_at, "x12")
    try:
        invoice = read_supplier_invoice(transaction, partner)
        return in_transaction(uow_factory, lambda uow: _apply(uow, partner, invoice, raw, clock()))
    except PayloadError as refused:
        error = refused
        message_id = in_transaction(uow_factory, lambda uow: _quarantine(uow, raw, error))
        errors = [{"field": e.field, "code": e.code.value, "reason": e.reason} for e in error.errors]
        kept = {"field": "message", "code": "quarantined", "reason": f"kept in quarantine as {message_id}"}
        return SupplierOutcome(errors=[*errors, kept])


def _apply(
    uow: UnitOfWork, partner: PartnerProfile, invoice: SupplierInvoice, raw: InboundMessage, at: datetime
) -> SupplierOutcome:
    seen = uow.supplier_invoices.get(partner.partner_id, invoice.invoice_number)
    if seen is not None:  # sent again: matched the first time
        return SupplierOutcome(order_id=seen.order_id, exception_id=None)
    order_id, location_id, ordered = _our_po(uow, partner, invoice.po_number)
    lines = match_lines(invoice, ordered, _shipped(uow, order_id, invoice.po_number, ordered), uow.invoice_tolerance)
    message_id = uow.messages.add(raw)
    uow.messages.settle(message_id, MessageStatus.ACCEPTED, order_id=order_id)
    mismatched = [line for line in lines if line["problems"]]
    exception_id = new_id("exc") if mismatched else None
    record = SupplierInvoiceRecord(
        new_id("sinv"), partner.partner_id, invoice.invoice_number[:22], invoice.po_number[:22], order_id,
        location_id, InvoiceMatch.MISMATCHED if mismatched else InvoiceMatch.MATCHED, invoice.currency[:3],
        invoice.total, lines, at, exception_id, message_id,
    )  # fmt: skip
    uow.supplier_invoices.add(record)
    if exception_id is not None:
        uow.fulfilment.add_exception(_mismatch(exception_id, record, mismatched, uow.invoice_tolerance))
    return SupplierOutcome(order_id=order_id)


def _our_po(uow: UnitOfWork, partner: PartnerProfile, po_number: str) -> tuple[str, str, list[OrderedLine]]:
    """(order, location, our lines) of the 850 we sent this supplier under the PO number."""
    order_id = uow.documents.order_of(partner.partner_id, "850", po_number)
    body = None
    if order_id is not None:
        rows = uow.documents.listing(partner.partner_id, kind="850", order_id=order_id)
        row = next((r for r in rows if r["reference"] == po_number), None)
        body = uow.documents.body(partner.partner_id, str(row["id"])) if row else None
    transaction = next((t for _, _, t in read(body).transactions()), None) if body else None
    if order_id is None or transaction is None:
        reason = f"{po_number!r} is not a purchase order we sent supplier {partner.partner_id}"
        raise PayloadError(ErrorCode.NOT_FOUND, [FieldError("BIG04", ErrorCode.NOT_FOUND, reason)])
    located = drop_ship.locate_po(uow, partner.partner_id, po_number)
    shipped_from = next((str(s["location_id"]) for s in _po_shipments(uow, order_id, po_number)), "")
    location_id = located[1] if located else shipped_from
    ordered = [_ordered(s) for s in transaction.body if s.tag == "PO1"]
    return order_id, location_id, [_priced(o, partner) for o in ordered]


def _priced(line: OrderedLine, partner: PartnerProfile) -> OrderedLine:
    """A PO line without a price is checked against the partner's contract price, if it has one."""
    if line.unit_price is not None:
        return line
    return replace(line, unit_price=partner.contract_prices.get(line.sku))


def _shipped(uow: UnitOfWork, order_id: str, po_number: str, ordered: list[OrderedLine]) -> dict[int, int]:
    """Units shipped per our line number, from the supplier's recorded 856s for this PO."""
    shipped: dict[int, int] = {}
    for shipment in _po_shipments(uow, order_id, po_number):
        lines = shipment.get("lines") or [{"line_no": o.line_no, "quantity": o.quantity} for o in ordered]
        for line in lines:
            shipped[int(line["line_no"])] = shipped.get(int(line["line_no"]), 0) + int(line["quantity"])
    return shipped


def _po_shipments(uow: UnitOfWork, order_id: str, po_number: str) -> list[dict[str, Any]]:
    # drop_ship.record_shipment names a supplier's shipment "<our PO>:<its BSN02>".
    return [s for s in uow.documents.shipments(order_id) if str(s["id"]).startswith(f"{po_number}:")]


def _mismatch(
    exception_id: str, record: SupplierInvoiceRecord, lines: list[dict[str, Any]], tolerance: InvoiceTolerance
) -> OrderException:
    kind = ExceptionType.SUPPLIER_INVOICE_MISMATCH
    reason = f"supplier {record.partner_id} invoice {record.invoice_number} for PO {record.po_number}: " + "; ".join(
        f"line {x['line_no']} {', '.join(x['problems'])}" for x in lines
    )
    details = {
        "supplier": record.partner_id,
        "invoice_number": record.invoice_number,
        "po_number": record.po_number,
        "location_id": record.location_id,
        "total": str(record.total),
        "currency": record.currency,
        "lines": lines,
        "tolerance": {"quantity": tolerance.quantity, "unit_price": str(tolerance.unit_price)},
    }
    return OrderException(
        id=exception_id, order_id=record.order_id, type=kind, step="supplier_invoice", reason=reason[:500],
        severity=default_severity(kind), allowed_actions=default_actions(kind), details=details,
        created_at=record.received_at,
    )  # fmt: skip


def _invoice_line(segment: Segment, partner: PartnerProfile) -> InvoiceLine:
    factor = partner.uom_factors.get(segment.get(3), 1) or 1
    quantity = _decimal(segment.get(2) or "0", "IT102")
    price = _decimal(segment.get(4) or "0", "IT104")
    ids = {segment.get(q): segment.get(q + 1) for q in range(6, 25, 2) if segment.get(q) and segment.get(q + 1)}
    ours = partner.our_sku(ids)
    if ours:
        ids["BP"] = ours  # the SKU our PO names, whatever the supplier called it
    return InvoiceLine(_line_no(segment.get(1)), int(quantity * factor), price / factor, ids)


def _ordered(segment: Segment) -> OrderedLine:
    ids = {segment.get(q): segment.get(q + 1) for q in range(6, 25, 2) if segment.get(q) and segment.get(q + 1)}
    price = _decimal(segment.get(4), "PO104") if segment.get(4) else None
    return OrderedLine(_line_no(segment.get(1)), ids.get("BP", ""), int(_decimal(segment.get(2), "PO102")), price)


def _quarantine(uow: UnitOfWork, raw: InboundMessage, error: PayloadError) -> str:
    message_id = uow.messages.add(raw)
    uow.messages.settle(message_id, MessageStatus.QUARANTINED, reason=error.kind.value, errors=error.errors)
    return message_id


def _decimal(text: str, field_name: str) -> Decimal:
    try:
        return Decimal(text)
    except InvalidOperation:
        reason = f"{text!r} is not a number"
        raise PayloadError(
            ErrorCode.VALIDATION_FAILED, [FieldError(field_name, ErrorCode.INVALID_VALUE, reason)]
        ) from None


def _line_no(text: str) -> int:
    return int(text) if is_digits(text) else 0


def _text(segments: list[Segment], delimiters: Delimiters) -> bytes:
    return "\n".join(delimiters.element.join(s.elements) + delimiters.segment for s in segments).encode()
