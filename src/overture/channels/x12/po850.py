"""An 850 purchase order into the canonical ``PlaceOrder``.

Reads BEG (PO number, date), CUR, REF, DTM, the N1 loops (ship-to, buyer, bill-to with N3/N4)
and the PO1 loops (quantity, unit of measure, unit price, every product id qualifier, and the
PID description). The partner's profile turns their part numbers into our SKUs and their units
into ours. Whatever cannot become an order is a ``PayloadError`` naming the segment and element.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from decimal import Decimal, InvalidOperation

from overture.channels.x12.envelope import Group, Interchange, Transaction
from overture.channels.x12.tokenizer import Delimiters, Segment
from overture.domain.address_book import AddressLookup, x12_party
from overture.domain.commands import LineRequest, PlaceOrder, Reference
from overture.domain.digits import is_digits
from overture.domain.parties import Address, Customer
from overture.domain.partners import PartnerProfile
from overture.services.errors import ErrorCode, FieldError, PayloadError

CHANNEL = "edi"
# Which product id to take as our SKU when the partner has no cross-reference for the line: ours
# first (SKU, vendor's item and part number: we are the vendor), then global trade item numbers
# (UPC, EAN, GTIN), then the manufacturer's, and the buyer's own numbers last.
SKU_QUALIFIERS = ("SK", "VN", "VP", "UP", "EN", "UK", "MG", "IN", "BP")
# Kept with the order (order_references, system "edi"): the PO's date (BEG05), and per line how the
# buyer wrote it (PO101, quantity, unit, price, every product id in the order received), so that
# the 855, 865 and 810 answer in the buyer's terms and an 860 finds the line by the buyer's number.
PO_DATE_KIND = "po_date"
BUYER_LINE_KIND = "po1.{line_no}"
REFERENCE_LIMIT = 255  # order_references.value


@dataclass(frozen=True, slots=True)
class PoLine:
    line_id: str
    quantity: Decimal
    uom: str
    unit_price: Decimal | None
    product_ids: dict[str, str]  # qualifier -> id, e.g. {"VN": "0054321", "UP": "012345678905"}
    description: str = ""


@dataclass(frozen=True, slots=True)
class PurchaseOrder:
    po_number: str
    purpose: str
    order_type: str
    date: str
    currency: str
    references: dict[str, str]
    dates: dict[str, str]
    parties: dict[str, dict[str, str]]  # N101 entity code (ST, BY, BT, ...) -> name, id, address
    lines: list[PoLine]
    declared_line_count: int | None  # CTT01: the number of PO1 lines (CTT02 is a hash of quantities, not money)
    # AMT02 of the summary's AMT*TT (total transaction amount): the PO's money total, when the buyer sends it.
    declared_total: Decimal | None = None


def read_purchase_order(transaction: Transaction, delimiters: Delimiters) -> PurchaseOrder:
    """The 850's content, without judging it against a partner (that is ``to_command``)."""
    beg = _first(transaction, "BEG")
    if beg is None:
        raise PayloadError(
            ErrorCode.VALIDATION_FAILED, [FieldError("BEG", ErrorCode.REQUIRED, "an 850 needs a BEG segment")]
        )
    currency = ""
    references: dict[str, str] = {}
    dates: dict[str, str] = {}
    parties: dict[str, dict[str, str]] = {}
    lines: list[PoLine] = []
    declared: int | None = None
    total: Decimal | None = None
    summary = False  # past CTT: an AMT here is the PO's (one in a PO1 loop is the line's)
    party: dict[str, str] | None = None
    for segment in transaction.body:
        tag = segment.tag
        if tag == "CUR" and segment.get(1) in ("BY", "SE", ""):
            currency = currency or segment.get(2)
        elif tag == "REF" and not lines:
            references.setdefault(segment.get(1), segment.get(2) or segment.get(3))
        elif tag == "DTM" and not lines:
            dates.setdefault(segment.get(1), segment.get(2))
        elif tag == "N1":
            party = {"name": segment.get(2), "id_qualifier": segment.get(3), "id": segment.get(4)}
            if not lines:
                parties.setdefault(segment.get(1), party)
        elif tag in ("N2", "N3", "N4") and party is not None:
            add_party_address(party, segment)
        elif tag == "PO1":
            party = None
            lines.append(_po_line(segment, len(lines) + 1))
        elif tag == "PID" and lines and segment.get(1) in ("F", "") and segment.get(5):
            lines[-1] = _with_description(lines[-1], segment.get(5))
        elif tag == "CTT":
            declared, summary = _int_or_none(segment.get(1)), True
        elif tag == "AMT" and summary and segment.get(1) == "TT":
            total = optional_decimal(segment.get(2), "AMT02")
    return PurchaseOrder(
        po_number=beg.get(3),
        purpose=beg.get(1),
        order_type=beg.get(2),
        date=beg.get(5),
        currency=currency,
        references=references,
        dates=dates,
        parties=parties,
        lines=lines,
        declared_line_count=declared,
        declared_total=total,
    )


def to_command(
    order: PurchaseOrder,
    profile: PartnerProfile,
    *,
    interchange: Interchange,
    group: Group,
    transaction: Transaction,
    address_book: AddressLookup | None = None,
) -> PlaceOrder:
    """The canonical order for this PO from this partner. PayloadError names what cannot map.

    ``address_book`` completes a party the PO names by id only (``N1*ST*STORE 42*92*0042``) from the
    partner's address book."""
    if address_book is not None:
        order = replace(order, parties={code: _from_book(p, address_book) for code, p in order.parties.items()})
    errors: list[FieldError] = []
    if not order.po_number:
        errors.append(FieldError("BEG03", ErrorCode.REQUIRED, "the purchase order number is empty"))
    if not order.lines:
        errors.append(FieldError("PO1", ErrorCode.REQUIRED, "the purchase order has no PO1 lines"))
    if order.declared_line_count is not None and order.declared_line_count != len(order.lines):
        errors.append(
            FieldError(
                "CTT01",
                ErrorCode.INVALID_VALUE,
                f"CTT01 says {order.declared_line_count} lines; the order has {len(order.lines)}",
            )
        )
    lines = []
    for n, line in enumerate(order.lines):
        request = _line_request(line, profile, n, errors)
        if request is not None:
            lines.append(request)
    ship_to = order.parties.get("ST") or order.parties.get("BT") or order.parties.get("BY")
    if ship_to is None or not ship_to.get("postal_code"):
        errors.append(FieldError("N1*ST/N4", ErrorCode.REQUIRED, "no ship-to address with a postal code"))
    address = _address(ship_to, errors) if ship_to is not None else None
    if errors:
        raise PayloadError(ErrorCode.VALIDATION_FAILED, errors)
    assert ship_to is not None and address is not None
    buyer = order.parties.get("BY") or order.parties.get("BT") or ship_to
    references = [
        Reference("buyer", "po_number", order.po_number),
        Reference("edi", "interchange", interchange.control_number),
        Reference("edi", "transaction", f"{group.control_number}/{transaction.control_number}"),
        *([Reference("edi", PO_DATE_KIND, order.date)] if order.date else []),
        *(
            Reference("edi", BUYER_LINE_KIND.format(line_no=n), buyer_line_value(line))
            for n, line in enumerate(order.lines, start=1)
        ),
    ]
    return PlaceOrder(
        channel=CHANNEL,
        external_id=f"{profile.partner_id}:{order.po_number}",
        customer=Customer(
            reference=profile.partner_id, name=buyer.get("name") or profile.name, partner_id=profile.partner_id
        ),
        ship_to=address,
        currency=order.currency or profile.currency,
        lines=tuple(lines),
        references=tuple(references),
        declared_total=order.declared_total,
    )


def buyer_line_value(line: PoLine) -> str:
    """The line as the buyer wrote it, as one reference value (ids past the column's size are left out)."""
    ids = list(line.product_ids.items())
    price = "" if line.unit_price is None else str(line.unit_price)
    while True:
        value = json.dumps([line.line_id, str(line.quantity), line.uom, price, ids], separators=(",", ":"))
        if len(value) <= REFERENCE_LIMIT or not ids:
            return value[:REFERENCE_LIMIT]
        ids.pop()


def read_buyer_line(value: str) -> PoLine | None:
    """A line kept by ``buyer_line_value``; None if the value is not one."""
    try:
        line_id, quantity, uom, price, ids = json.loads(value)
        return PoLine(
            str(line_id), Decimal(quantity), str(uom), Decimal(price) if price else None, {q: v for q, v in ids}
        )
    except (ValueError, TypeError, InvalidOperation):
        return None


def _from_book(party: dict[str, str], address_book: AddressLookup) -> dict[str, str]:
    if not party.get("id"):
        return party
    entry = address_book(x12_party(party.get("id_qualifier", ""), party["id"]))
    return party if entry is None else entry.fill(party)


def _address(party: dict[str, str], errors: list[FieldError]) -> Address | None:
    try:
        return Address(
            postal_code=party.get("postal_code", ""),
            country=_country(party.get("country", "")),
            name=party.get("name", ""),
            line1=party.get("line1", ""),
            line2=party.get("line2", ""),
            city=party.get("city", ""),
            region=party.get("region", ""),
        )
    except ValueError as error:
        errors.append(FieldError("N1*ST/N4", ErrorCode.INVALID_VALUE, str(error)))
        return None


def _line_request(line: PoLine, profile: PartnerProfile, n: int, errors: list[FieldError]) -> LineRequest | None:
    where = f"PO1[{n + 1}]"
    sku = _our_sku(line, profile)
    if sku is None:
        errors.append(FieldError(f"{where}.PO107", ErrorCode.REQUIRED, "the line carries no product id"))
        return None
    factor = profile.uom_factors.get(line.uom, 1)
    units = line.quantity * factor
    if units <= 0 or units != units.to_integral_value():
        errors.append(
            FieldError(
                f"{where}.PO102", ErrorCode.INVALID_VALUE, f"{line.quantity} {line.uom} is not a whole number of units"
            )
        )
        return None
    if line.unit_price is None:
        errors.append(FieldError(f"{where}.PO104", ErrorCode.REQUIRED, "the line has no unit price"))
        return None
    return LineRequest(sku, int(units), line.unit_price / factor)


def _our_sku(line: PoLine, profile: PartnerProfile) -> str | None:
    known = profile.our_sku(line.product_ids)
    if known is not None:
        return known
    for qualifier in SKU_QUALIFIERS:
        if line.product_ids.get(qualifier):
            return line.product_ids[qualifier]
    return next(iter(line.product_ids.values()), None)


def _po_line(segment: Segment, n: int) -> PoLine:
    product_ids = segment.id_pairs(6)
    return PoLine(
        line_id=segment.get(1) or str(n),
        quantity=optional_decimal(segment.get(2), f"PO1[{n}].PO102") or Decimal(0),
        uom=segment.get(3),
        unit_price=optional_decimal(segment.get(4), f"PO1[{n}].PO104"),
        product_ids=product_ids,
    )


def _with_description(line: PoLine, description: str) -> PoLine:
    return PoLine(line.line_id, line.quantity, line.uom, line.unit_price, line.product_ids, description)


def add_party_address(party: dict[str, str], segment: Segment) -> None:
    """An N1 loop's N2 / N3 / N4 onto its party (the 850's and the 860's alike)."""
    if segment.tag == "N3":
        party.setdefault("line1", segment.get(1))
        if segment.get(2):
            party.setdefault("line2", segment.get(2))
    elif segment.tag == "N4":
        party.update(city=segment.get(1), region=segment.get(2), postal_code=segment.get(3))
        party["country"] = segment.get(4) or "US"
    elif segment.tag == "N2" and not party.get("name"):
        party["name"] = segment.get(1)


def _country(code: str) -> str:
    # N404 is ISO 3166 alpha-2 or alpha-3; the canonical address wants alpha-2.
    return {"USA": "US", "CAN": "CA", "MEX": "MX"}.get(code.upper(), code.upper())


def optional_decimal(text: str, field_name: str) -> Decimal | None:
    """A decimal element, None when empty; a PayloadError naming ``field_name`` when it is not a number."""
    if not text:
        return None
    try:
        return Decimal(text)
    except InvalidOperation:
        raise PayloadError(
            ErrorCode.VALIDATION_FAILED, [FieldError(field_name, ErrorCode.INVALID_VALUE, f"{text!r} is not a number")]
        ) from None


def _int_or_none(text: str) -> int | None:
    return int(text) if is_digits(text) else None


def _first(transaction: Transaction, tag: str) -> Segment | None:
    return next((s for s in transaction.body if s.tag == tag), None)
