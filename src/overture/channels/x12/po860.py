"""An 860 (Purchase Order Change Request - Buyer Initiated, 004010 and 005010), read.

BCH: purpose (BCH01: 04 change, 01 cancel), PO number (BCH03), change sequence (BCH05), the PO's
date (BCH06) and the change request's date (BCH11). Header DTM and N1 loops (with N3/N4), as the
850's are read. Per POC loop: the buyer's line id (POC01), the change (POC02), the quantity ordered
now (POC03, the whole new quantity, not the difference), the unit (POC05), the unit price (POC06),
the product ids (POC08 on, in pairs) and the line's DTMs. Whatever cannot be read is a
``PayloadError`` naming the segment and element; judging the change against the order is
``change_orders.py``'s.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from overture.channels.x12.envelope import Transaction
from overture.channels.x12.po850 import add_party_address, optional_decimal
from overture.channels.x12.tokenizer import Delimiters, Segment
from overture.services.errors import ErrorCode, FieldError, PayloadError

# POC02 (element 670) codes we act on.
CHANGE_TYPES = {
    "AI": "add item",
    "DI": "delete item",
    "QI": "quantity increase",
    "QD": "quantity decrease",
    "CA": "changes to line items",
    "PC": "price change",
    "RZ": "replace all values",
    "CT": "change of dates",
}
CANCEL = "01"
CHANGE = "04"


@dataclass(frozen=True, slots=True)
class ChangeLine:
    line_id: str  # POC01: the buyer's PO101 of the line it changes (or of the line it adds)
    change: str  # POC02
    quantity: Decimal | None  # POC03: the quantity ordered after the change
    uom: str  # POC05
    unit_price: Decimal | None  # POC06
    product_ids: dict[str, str]  # qualifier -> id, in the order received
    dates: dict[str, str] = field(default_factory=dict)  # DTM01 -> DTM02 in the POC loop
    position: int = 0  # which POC loop (1-based), for error fields


@dataclass(frozen=True, slots=True)
class ChangeOrder:
    purpose: str  # BCH01
    po_number: str  # BCH03
    change_sequence: str  # BCH05
    po_date: str  # BCH06, CCYYMMDD
    request_date: str  # BCH11, CCYYMMDD
    dates: dict[str, str]  # header DTM01 -> DTM02
    parties: dict[str, dict[str, str]]  # N101 -> name, id, address, as po850 reads them
    lines: list[ChangeLine]


def read_change_order(transaction: Transaction, delimiters: Delimiters) -> ChangeOrder:
    """The 860's content; a PayloadError for a missing BCH or PO number, or a bad number."""
    bch = next((s for s in transaction.body if s.tag == "BCH"), None)
    if bch is None:
        raise _error("BCH", ErrorCode.REQUIRED, "an 860 needs a BCH segment")
    if not bch.get(3):
        raise _error("BCH03", ErrorCode.REQUIRED, "the purchase order number is empty")
    if bch.get(1) not in (CHANGE, CANCEL):
        raise _error("BCH01", ErrorCode.INVALID_VALUE, f"purpose {bch.get(1)!r}: we take 04 (change) and 01 (cancel)")
    dates: dict[str, str] = {}
    parties: dict[str, dict[str, str]] = {}
    lines: list[ChangeLine] = []
    party: dict[str, str] | None = None
    for segment in transaction.body:
        tag = segment.tag
        if tag == "POC":
            party = None
            lines.append(_poc(segment, len(lines) + 1, delimiters))
        elif tag == "DTM" and lines:
            lines[-1].dates.setdefault(segment.get(1), segment.get(2))
        elif tag == "DTM":
            dates.setdefault(segment.get(1), segment.get(2))
        elif tag == "N1" and not lines:
            party = {"name": segment.get(2), "id_qualifier": segment.get(3), "id": segment.get(4)}
            parties.setdefault(segment.get(1), party)
        elif tag in ("N2", "N3", "N4") and party is not None:
            add_party_address(party, segment)
    return ChangeOrder(
        purpose=bch.get(1),
        po_number=bch.get(3),
        change_sequence=bch.get(5),
        po_date=bch.get(6),
        request_date=bch.get(11),
        dates=dates,
        parties=parties,
        lines=lines,
    )


def _poc(segment: Segment, n: int, delimiters: Delimiters) -> ChangeLine:
    where = f"POC[{n}]"
    change = segment.get(2)
    if change not in CHANGE_TYPES:
        raise _error(f"{where}.POC02", ErrorCode.INVALID_VALUE, f"change type {change!r} is not one we act on")
    product_ids = segment.id_pairs(8)
    return ChangeLine(
        line_id=segment.get(1),
        change=change,
        quantity=optional_decimal(segment.get(3), f"{where}.POC03"),
        uom=segment.components(5, delimiters)[0],
        unit_price=optional_decimal(segment.get(6), f"{where}.POC06"),
        product_ids=product_ids,
        position=n,
    )


def _error(field_name: str, code: ErrorCode, reason: str) -> PayloadError:
    return PayloadError(ErrorCode.VALIDATION_FAILED, [FieldError(field_name, code, reason)])
