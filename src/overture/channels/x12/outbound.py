"""The documents we send a trading partner about its order: 855, 856, 810, and 846 on demand.

Each builder takes plain facts (the order as the store has it, the shipment, the invoice, the
availability) and the partner's profile, and returns the transaction set's body; the envelope,
control numbers and delimiters are the writer's. Product ids go back in the partner's own terms
(their part number from the cross-reference as BP, our SKU as VN), as partners expect to see them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from enum import StrEnum

from overture.channels.x12.writer import SegmentValues, TransactionDraft
from overture.domain.digits import is_digits
from overture.domain.partners import PartnerProfile


class LineAck(StrEnum):
    """ACK01 (element 668): what we will do with a line, as the 855 and the 865 say it."""

    ACCEPTED = "IA"  # item accepted
    BACKORDERED = "IB"  # item backordered: stock is short and the line waits for it
    REJECTED = "IR"  # item rejected (the reason in the line's N9 / MSG, MTX in 005010)
    QUANTITY_CHANGED = "IQ"  # accepted, quantity changed
    PRICE_CHANGED = "IP"  # accepted, price changed (the contract's, not the PO's)
    CHANGED = "IC"  # accepted with changes
    DELETED = "ID"  # item deleted (an 860 asked it)


# Answers that carry their reason on the line as a note (N9 L1 with MSG, or MTX from 005010).
NOTED = frozenset({LineAck.REJECTED, LineAck.QUANTITY_CHANGED, LineAck.PRICE_CHANGED, LineAck.CHANGED})
MAX_PO1_IDS = 10  # PO106-PO125: ten qualifier / id pairs


@dataclass(frozen=True, slots=True)
class OrderLineFacts:
    line_no: int
    sku: str
    quantity: int
    unit_price: Decimal
    buyer_line_id: str = ""  # PO101 as the buyer sent it ("" for a line it did not send)
    buyer_ids: tuple[tuple[str, str], ...] = ()  # the PO1's product ids, qualifier and id, as received


@dataclass(frozen=True, slots=True)
class OrderFacts:
    order_id: str
    po_number: str
    po_date: str  # CCYYMMDD: the PO's own date (BEG05), which the 855's BAK04 and the 810's BIG03 echo
    currency: str
    ship_to: dict[str, str]
    lines: Sequence[OrderLineFacts]
    total: Decimal


@dataclass(frozen=True, slots=True)
class LineDecision:
    line_no: int
    ack: LineAck
    quantity: int
    reason: str = ""
    expected_date: str = ""  # CCYYMMDD, for backorders


@dataclass(frozen=True, slots=True)
class ShipmentFacts:
    shipment_id: str
    carrier: str
    tracking_number: str
    shipped_at: datetime
    lines: Sequence[tuple[int, int]]  # (line_no, quantity shipped)
    sscc: str


def po_ack_855(
    order: OrderFacts, decisions: Sequence[LineDecision], partner: PartnerProfile, at: datetime
) -> TransactionDraft:
    """BAK with AD (accepted, no change), AC (accepted with changes) or RJ (rejected), then per line
    the PO1 as received and an ACK with what we will do with it."""
    acks = {d.ack for d in decisions}
    purpose = "RJ" if acks == {LineAck.REJECTED} else "AD" if acks == {LineAck.ACCEPTED} else "AC"
    body: list[SegmentValues] = [
        ["BAK", "00", purpose, order.po_number, order.po_date, "", "", "", "", at.strftime("%Y%m%d")]
    ]
    by_line = {d.line_no: d for d in decisions}
    for line in order.lines:
        body.append(_po1(line, partner))
        decision = by_line.get(line.line_no)
        if decision is None:
            continue
        ack: list[str] = ["ACK", decision.ack.value, str(decision.quantity), "EA"]
        if decision.expected_date:
            ack += ["068", decision.expected_date]  # 068: current schedule ship
        body.append(ack)
        if decision.reason and decision.ack in NOTED:
            body += line_note(decision.reason, partner)
    body.append(["CTT", str(len(order.lines))])
    return TransactionDraft("855", body)


def line_note(reason: str, partner: PartnerProfile) -> list[SegmentValues]:
    """ACK has no reason element: the line's N9 loop (after its ACK loop) carries it as a note.
    005010 has MTX where 004010 has MSG."""
    if partner.x12_version >= "005":
        return [["N9", "L1", "REASON"], ["MTX", "", _plain(reason)[:4096]]]
    return [["N9", "L1", "REASON"], ["MSG", _plain(reason)[:264]]]


@dataclass(frozen=True, slots=True)
class ChangeLineAnswer:
    """One POC of an 860 and what we did with it, for the 865."""

    line_id: str  # POC01 as the buyer sent it
    change: str  # POC02 as the buyer sent it
    ack: LineAck
    quantity: int | None  # the line's quantity now, in our units (None: the line is gone or never was)
    unit_price: Decimal | None
    product_ids: Sequence[tuple[str, str]]  # as the POC (or the PO1 it changes) carried them
    reason: str = ""


def change_ack_865(
    po_number: str, po_date: str, change_sequence: str, answers: Sequence[ChangeLineAnswer], partner: PartnerProfile
) -> TransactionDraft:
    """BCA (04, then AT accepted, AC accepted with changes or RJ rejected; the PO's number, the
    change's sequence, the PO's date), then per POC the line as it is now and an ACK with what
    became of the change, a refusal's reason in the line's N9 loop; CTT with the POC count."""
    acks = {a.ack for a in answers}
    kind = "RJ" if acks == {LineAck.REJECTED} else "AT" if acks <= {LineAck.ACCEPTED} else "AC"
    body: list[SegmentValues] = [["BCA", "04", kind, po_number, "", change_sequence[:8], po_date]]
    for answer in answers:
        quantity = "" if answer.quantity is None else str(answer.quantity)
        price = "" if answer.unit_price is None else _price(answer.unit_price)
        ids = [x for pair in list(answer.product_ids)[:MAX_PO1_IDS] for x in pair]
        body.append(
            ["POC", answer.line_id[:20], answer.change, quantity, "", "EA" if quantity else "", price, "", *ids]
        )
        body.append(["ACK", answer.ack.value, *([quantity, "EA"] if quantity else [])])
        if answer.reason and answer.ack in NOTED:
            body += line_note(answer.reason, partner)
    body.append(["CTT", str(len(answers))])
    return TransactionDraft("865", body)


@dataclass(frozen=True, slots=True)
class PurchaseOrderFacts:
    """What we ask a drop-ship supplier for: their lines shipped to our customer under our PO number."""

    po_number: str  # BEG03, at most 22 characters
    po_date: str  # CCYYMMDD
    order_id: str  # our order, sent as the customer order number (REF CO)
    currency: str
    ship_to: dict[str, str]
    lines: Sequence[PurchaseLine]


@dataclass(frozen=True, slots=True)
class PurchaseLine:
    line_no: int  # our order's line number: the supplier echoes it in its 855 and 856
    sku: str
    quantity: int
    unit_price: Decimal | None  # what we pay the supplier; None leaves PO104 empty (price as agreed)


def purchase_order_850(order: PurchaseOrderFacts, partner: PartnerProfile) -> TransactionDraft:
    """BEG (new drop-ship order, DS), our order as REF CO, the customer as ship-to (N1/N3/N4), and per
    line a PO1 with the supplier's part number (VP) and ours (BP), then CTT with the line count."""
    ship_to = order.ship_to
    body: list[SegmentValues] = [
        ["BEG", "00", "DS", order.po_number, "", order.po_date],
        ["CUR", "BY", order.currency],
        ["REF", "CO", order.order_id[:30]],
        ["N1", "ST", _plain(ship_to.get("name", ""))[:60]],
        ["N3", _plain(ship_to.get("line1", ""))[:55]],
        [
            "N4",
            _plain(ship_to.get("city", ""))[:30],
            ship_to.get("region", "")[:2],
            ship_to.get("postal_code", "")[:15],
            ship_to.get("country", "")[:3],
        ],
    ]
    for line in order.lines:
        theirs = partner.their_id(line.sku)
        ids = ["VP", theirs, "BP", line.sku] if theirs != line.sku else ["BP", line.sku]
        price = "" if line.unit_price is None else _price(line.unit_price)
        body.append(["PO1", str(line.line_no), str(line.quantity), "EA", price, "", *ids])
    body.append(["CTT", str(len(order.lines))])
    return TransactionDraft("850", body)


def ship_notice_856(order: OrderFacts, shipment: ShipmentFacts, partner: PartnerProfile) -> TransactionDraft:
    """Shipment / order / pack / item hierarchy (HL S, O, P, I), carrier, tracking and the SSCC-18."""
    lines = {line.line_no: line for line in order.lines}
    shipped = shipment.shipped_at
    body: list[SegmentValues] = [
        ["BSN", "00", shipment.shipment_id[:30], shipped.strftime("%Y%m%d"), shipped.strftime("%H%M"), "0001"],
        ["HL", "1", "", "S"],
        ["TD5", "", "2", shipment.carrier[:80] or "UNKNOWN"],
        ["REF", "CN", shipment.tracking_number[:30]],
        ["DTM", "011", shipped.strftime("%Y%m%d")],
        ["N1", "ST", order.ship_to.get("name", "")[:60] or "SHIP TO"],
        ["N3", order.ship_to.get("line1", "")[:55] or "-"],
        [
            "N4",
            order.ship_to.get("city", "")[:30],
            order.ship_to.get("region", "")[:2],
            order.ship_to.get("postal_code", ""),
            order.ship_to.get("country", ""),
        ],
        ["HL", "2", "1", "O"],
        ["PRF", order.po_number],
        ["HL", "3", "2", "P"],
        ["MAN", "GM", shipment.sscc],
    ]
    hl = 3
    for line_no, quantity in shipment.lines:
        hl += 1
        line = lines[line_no]
        body.append(["HL", str(hl), "3", "I"])
        body.append(["LIN", str(line_no), *_product_ids(line.sku, partner)])
        body.append(["SN1", "", str(quantity), "EA"])
    body.append(["CTT", str(hl)])
    return TransactionDraft("856", body)


def invoice_810(order: OrderFacts, invoice_number: str, partner: PartnerProfile, at: datetime) -> TransactionDraft:
    """BIG, ship-to, one IT1 per line and TDS with the total in cents (implied two decimals)."""
    body: list[SegmentValues] = [
        ["BIG", at.strftime("%Y%m%d"), invoice_number[:22], order.po_date, order.po_number],
        ["CUR", "SE", order.currency],
        ["N1", "ST", order.ship_to.get("name", "")[:60] or "SHIP TO"],
    ]
    for line in order.lines:
        body.append(
            [
                "IT1",
                str(line.line_no),
                str(line.quantity),
                "EA",
                _price(line.unit_price),
                "",
                *_product_ids(line.sku, partner),
            ]
        )
    cents = (order.total * 100).quantize(Decimal(1))
    body += [["TDS", str(cents)], ["CTT", str(len(order.lines))]]
    return TransactionDraft("810", body)


def inventory_advice_846(
    reference: str, available: Sequence[tuple[str, int]], partner: PartnerProfile, at: datetime
) -> TransactionDraft:
    """BIA and, per SKU, LIN with the partner's id and QTY 33 (quantity available for sale)."""
    body: list[SegmentValues] = [["BIA", "00", "MM", reference[:30], at.strftime("%Y%m%d"), at.strftime("%H%M")]]
    for n, (sku, quantity) in enumerate(available, start=1):
        body.append(["LIN", str(n), *_product_ids(sku, partner)])
        body.append(["QTY", "33", str(max(quantity, 0)), "EA"])
    body.append(["CTT", str(len(available))])
    return TransactionDraft("846", body)


def sscc18(company_prefix: str, serial: int, extension: int = 0) -> str:
    """An SSCC-18: extension digit, GS1 company prefix and serial reference, then the GS1 check digit."""
    digits = f"{extension}{company_prefix}"
    digits += str(serial).zfill(17 - len(digits))
    if len(digits) != 17 or not is_digits(digits):
        raise ValueError(f"company prefix {company_prefix!r} and serial {serial} do not make 17 digits")
    return digits + gs1_check_digit(digits)


def gs1_check_digit(digits: str) -> str:
    """Mod 10 with weights 3 and 1 from the right, as GS1 defines it for GTINs and SSCCs."""
    total = sum(int(d) * (3 if n % 2 == 0 else 1) for n, d in enumerate(reversed(digits)))
    return str((10 - total % 10) % 10)


def _po1(line: OrderLineFacts, partner: PartnerProfile) -> list[str]:
    """The line as the buyer numbered and identified it (each id with its own qualifier, in the
    order received); a line it did not send (or sent without ids) in the partner's terms."""
    ids = [x for pair in line.buyer_ids[:MAX_PO1_IDS] for x in pair] or _product_ids(line.sku, partner)
    return [
        "PO1",
        line.buyer_line_id[:20] or str(line.line_no),
        str(line.quantity),
        "EA",
        _price(line.unit_price),
        "",
        *ids,
    ]


def _product_ids(sku: str, partner: PartnerProfile) -> list[str]:
    theirs = partner.their_id(sku)
    return ["BP", theirs, "VN", sku] if theirs != sku else ["VN", sku]


def _plain(text: str) -> str:
    """Free text without characters that are delimiters in some partner's set."""
    return "".join(c if c.isalnum() or c in " .,-/()#&%@!?" else " " for c in text).strip() or "-"


def _price(amount: Decimal) -> str:
    text = format(amount.normalize(), "f")
    return text if "." not in text else text.rstrip("0").rstrip(".")
