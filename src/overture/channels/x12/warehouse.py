"""X12 with 3PL warehouses: the 940 Warehouse Shipping Order we send, the 945 Shipping Advice back.

- ``shipping_order_940`` builds a release's 940: W05 (N original, F cancel) with our depositor order
  number and the buyer's PO, the ship-to, ship-from and warehouse (N1/N3/N4), our order id and the PO
  as N9s, G62 dates, W66 carrier terms, an LX/W01 per line (quantity, unit, our SKU as VN, the 3PL's
  part number as BP, a UPC as UP) and W76 with the total quantity.
- ``X12WarehouseDocuments`` keeps a 940 in ``outbound_documents`` once per release (kind 940, the
  depositor order number as reference), so a 945 naming that number is matched back to it; the
  cancellation of a release is its 940 again with W0501 F.
- ``read_shipping_advice`` reads a 945 (W06, W27 carrier, MAN / N9 tracking, LX/W12 quantities).

Our order id (30 characters) does not fit W0502 (22): the depositor order number is a digest of the
release instead, and the order id goes in N9 CO.
"""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from overture.channels.x12.envelope import Transaction, read
from overture.channels.x12.tokenizer import Segment
from overture.channels.x12.writer import (
    GroupDraft,
    SegmentValues,
    Sender,
    TransactionDraft,
    reply_envelope,
    write_interchange,
)
from overture.domain.digits import is_digits
from overture.domain.partners import PartnerProfile
from overture.services.errors import ErrorCode, FieldError, PayloadError
from overture.services.ports import UnitOfWork
from overture.services.ports.warehouse import KeptDocument, WarehouseOrder

KIND = "940"
FUNCTIONAL_ID = "OW"  # GS01 of a 940 (a 945 comes as SW)
ORIGINAL, CANCEL = "N", "F"  # W0501, element 473: N original, F cancel
DEPOSITOR_LENGTH = 22  # W0502 holds at most 22 characters


def depositor_order_number(reference: str) -> str:
    """Our W0502 for one release: stable per release, unique across releases."""
    digest = hashlib.sha256(reference.encode()).digest()
    return "W" + base64.b32encode(digest).decode()[: DEPOSITOR_LENGTH - 1]


def shipping_order_940(order: WarehouseOrder, depositor: str, at: datetime) -> TransactionDraft:
    """The 940 asking the 3PL to ship the release's lines to the order's customer."""
    ship_to, location = order.order.ship_to, order.location
    ship_by = at + timedelta(seconds=order.release.ship_by_seconds)
    body: list[SegmentValues] = [
        ["W05", ORIGINAL, depositor, order.po_number[:22]],
        ["N1", "ST", _plain(str(ship_to.get("name") or "SHIP TO"))[:60]],
        ["N3", _plain(str(ship_to.get("line1") or "-"))[:55]],
        _n4(str(ship_to.get("city") or ""), ship_to.get("region"), ship_to.get("postal_code"), ship_to.get("country")),
        ["N1", "SF", _plain(location.name)[:60], "92", location.id[:80]],
        _n4("", "", location.postal_code, location.country),
        ["N1", "WH", _plain(order.partner.name or order.partner.partner_id)[:60], "92", location.id[:80]],
        ["N9", "CO", order.order.order_id[:30]],
        *([["N9", "PO", order.po_number[:30]]] if order.po_number else []),
        ["G62", "04", at.strftime("%Y%m%d")],  # 04: order date
        ["G62", "10", ship_by.strftime("%Y%m%d")],  # 10: requested ship date
        ["W66", "PP", "M"],  # prepaid, motor carrier: the 3PL picks the service
    ]
    for line in order.release.lines:
        body.append(["LX", str(line.line_no)])
        body.append(["W01", str(line.quantity), "EA", "", *_product_ids(line.sku, order.partner)])
    body.append(["W76", str(sum(line.quantity for line in order.release.lines))])
    return TransactionDraft(KIND, body)


@dataclass(frozen=True, slots=True)
class X12WarehouseDocuments:
    """``WarehouseDocuments`` in X12: 940s kept for the 3PL partner, enveloped as we are known to it."""

    sender: Sender

    def shipping_order(self, uow: UnitOfWork, order: WarehouseOrder, *, at: datetime) -> KeptDocument:
        partner = order.partner
        depositor = depositor_order_number(order.reference)
        kept = _kept_body(uow, partner.partner_id, depositor, order.order.order_id)
        if kept is None:
            draft = shipping_order_940(order, depositor, at)
            kept = _keep(uow, partner, depositor, order.order.order_id, [draft], sender=self.sender, at=at)
        return KeptDocument(depositor, f"940-{depositor}.edi", kept)

    def cancel_shipping_order(
        self, uow: UnitOfWork, partner: PartnerProfile, order_id: str, location_id: str, *, at: datetime
    ) -> KeptDocument | None:
        original = newest_release(uow, partner.partner_id, order_id, location_id)
        if original is None:
            return None
        depositor, transaction = original
        reference = f"{depositor}-{CANCEL}"
        kept = _kept_body(uow, partner.partner_id, reference, order_id)
        if kept is None:
            body = [_cancelled(s) for s in transaction.body]
            kept = _keep(uow, partner, reference, order_id, [TransactionDraft(KIND, body)], sender=self.sender, at=at)
        return KeptDocument(depositor, f"940-{depositor}-cancel.edi", kept)


def newest_release(uow: UnitOfWork, partner_id: str, order_id: str, location_id: str) -> tuple[str, Transaction] | None:
    """The depositor order number and 940 of the newest release we sent for the order at the location."""
    for row in reversed(uow.documents.listing(partner_id, kind=KIND, order_id=order_id)):
        reference = str(row["reference"])
        if reference.endswith(f"-{CANCEL}"):
            continue
        transaction = _transaction(uow.documents.body(partner_id, str(row["id"])) or "")
        if transaction is not None and warehouse_of(transaction) == location_id:
            return reference, transaction
    return None


def sent_release(uow: UnitOfWork, partner_id: str, depositor: str) -> tuple[str, Transaction] | None:
    """(order id, our 940) for a depositor order number the partner names, or None if it is not ours."""
    order_id = uow.documents.order_of(partner_id, KIND, depositor)
    if order_id is None:
        return None
    for row in uow.documents.listing(partner_id, kind=KIND, order_id=order_id):
        if row["reference"] == depositor:
            transaction = _transaction(uow.documents.body(partner_id, str(row["id"])) or "")
            return None if transaction is None else (order_id, transaction)
    return None


def warehouse_of(transaction: Transaction) -> str:
    """The location a 940 we sent was for (its N1 WH, whose id is our location id)."""
    return next((s.get(4) for s in transaction.body if s.tag == "N1" and s.get(1) == "WH"), "")


def lines_of(transaction: Transaction) -> list[tuple[int, dict[str, str], int]]:
    """(our line number, product ids by qualifier, quantity) per LX/W01 of a 940 we sent."""
    lines: list[tuple[int, dict[str, str], int]] = []
    line_no = 0
    for segment in transaction.body:
        if segment.tag == "LX":
            line_no = _int(segment.get(1))
        elif segment.tag == "W01":
            lines.append((line_no, _ids(segment, (4, 6, 15)), _int(segment.get(1))))
    return lines


@dataclass(frozen=True, slots=True)
class AdviceLine:
    assigned: int  # LX01
    status: str  # W1201: CC complete, CP partial, ...
    ordered: int
    shipped: int
    difference: int
    product_ids: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class ShippingAdvice:
    depositor_order_number: str  # W0602: our 940's W0502
    order_reference: str  # N9 CO, our order id, when the 3PL echoes it
    shipment_id: str  # W0604, else the depositor order number
    shipped_at: datetime
    carrier: str
    tracking_number: str
    lines: list[AdviceLine]
    total_units: int  # W0301


def read_shipping_advice(transaction: Transaction) -> ShippingAdvice:
    """A 945's facts; ``PayloadError`` naming the segment when the order's number is missing."""
    w06 = next((s for s in transaction.body if s.tag == "W06"), None)
    refs = {s.get(1): s.get(2) for s in transaction.body if s.tag == "N9"}
    if w06 is None or not (w06.get(2) or refs.get("CO")):
        reason = "a 945 needs W0602, our depositor order number (or N9 CO, our order id)"
        raise PayloadError(ErrorCode.VALIDATION_FAILED, [FieldError("W0602", ErrorCode.REQUIRED, reason)])
    w27 = next((s for s in transaction.body if s.tag == "W27"), None)
    tracking = next((s.get(2) for s in transaction.body if s.tag == "MAN" and s.get(1) in ("CP", "GM", "ZZ")), "")
    w03 = next((s for s in transaction.body if s.tag == "W03"), None)
    return ShippingAdvice(
        depositor_order_number=w06.get(2),
        order_reference=refs.get("CO", ""),
        shipment_id=w06.get(4) or w06.get(2) or refs.get("CO", ""),
        shipped_at=_shipped_at(transaction.body, w06.get(3)),
        carrier=(w27.get(2) or w27.get(3)) if w27 else "",
        tracking_number=tracking or refs.get("CN") or refs.get("2I") or refs.get("BM") or "",
        lines=_advice_lines(transaction.body),
        total_units=_int(w03.get(1)) if w03 else 0,
    )


def _advice_lines(body: list[Segment]) -> list[AdviceLine]:
    lines: list[AdviceLine] = []
    assigned = 0
    for segment in body:
        if segment.tag == "LX":
            assigned = _int(segment.get(1))
        elif segment.tag == "W12":
            ordered, shipped = _int(segment.get(2)), _int(segment.get(3))
            difference = _int(segment.get(4)) if segment.get(4) else ordered - shipped
            ids = _ids(segment, (7, 16, 21))
            lines.append(AdviceLine(assigned, segment.get(1), ordered, shipped, difference, ids))
    return lines


def _shipped_at(body: list[Segment], w06_date: str) -> datetime:
    g62 = next((s for s in body if s.tag == "G62" and s.get(1) == "11"), None)  # 11: shipped on this date
    date, time = (g62.get(2), g62.get(4)) if g62 else (w06_date, "")
    try:
        return datetime.strptime((date or w06_date) + (time[:4] or "0000"), "%Y%m%d%H%M").replace(tzinfo=UTC)
    except ValueError:
        error = FieldError("W0603", ErrorCode.INVALID_VALUE, f"{date!r} is not a CCYYMMDD date")
        raise PayloadError(ErrorCode.VALIDATION_FAILED, [error]) from None


def _keep(
    uow: UnitOfWork,
    partner: PartnerProfile,
    reference: str,
    order_id: str,
    drafts: list[TransactionDraft],
    *,
    sender: Sender,
    at: datetime,
) -> str:
    control = uow.partners.next_control_number(partner.partner_id)
    group = GroupDraft(FUNCTIONAL_ID, uow.interchanges.next_group_control_number(partner.partner_id), drafts)
    text = write_interchange(reply_envelope(partner, sender), control, [group], at)
    uow.documents.add(
        partner_id=partner.partner_id,
        order_id=order_id,
        kind=KIND,
        reference=reference,
        control_number=control,
        body=text,
        at=at,
    )
    return text


def _kept_body(uow: UnitOfWork, partner_id: str, reference: str, order_id: str) -> str | None:
    if not uow.documents.exists(partner_id, KIND, reference):
        return None
    rows = uow.documents.listing(partner_id, kind=KIND, order_id=order_id)
    row = next(r for r in rows if r["reference"] == reference)
    return uow.documents.body(partner_id, str(row["id"]))


def _transaction(text: str) -> Transaction | None:
    return next((t for _, _, t in read(text).transactions()), None)


def _cancelled(segment: Segment) -> SegmentValues:
    return [segment.tag, CANCEL, *segment.elements[2:]] if segment.tag == "W05" else segment.elements


def _product_ids(sku: str, partner: PartnerProfile) -> list[str]:
    """VN our SKU and BP the 3PL's part number (W0104-07), and UP (W0115-16) when the SKU is a UPC-A."""
    theirs = partner.their_id(sku)
    ids = ["VN", sku, *(["BP", theirs] if theirs != sku else [])]
    if len(sku) == 12 and is_digits(sku):
        ids += [""] * (11 - len(ids)) + ["UP", sku]  # W0104 is the list's first: W0115 its twelfth
    return ids


def _ids(segment: Segment, qualifiers: tuple[int, ...]) -> dict[str, str]:
    return {segment.get(q): segment.get(q + 1) for q in qualifiers if segment.get(q) and segment.get(q + 1)}


def _n4(city: str, region: object, postal: object, country: object) -> list[str]:
    place = _plain(city)[:30] if city else ""
    return ["N4", place, str(region or "")[:2], str(postal or "")[:15], str(country or "")[:3]]


def _plain(text: str) -> str:
    """Free text without characters that are delimiters in some partner's set."""
    return "".join(c if c.isalnum() or c in " .,-/()#&%@!?" else " " for c in text).strip() or "-"


def _int(text: str) -> int:
    try:
        return int(float(text))
    except ValueError:
        return 0
