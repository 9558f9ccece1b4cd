"""What we keep of an ORDERS at capture to write about its order later, and those facts read back.

The DESADV, the INVOIC and the ORDRSP answering an ORDCHG are written days after the ORDERS, in
the partner's style (syntax, service characters, release), to the UNB sender it wrote from, for
the parties it named (NAD BY, SU, DP/ST by id), with each line as the buyer numbered and
identified it (LIN 1082 and C212). These are kept with the order as references of system
``edifact`` at capture (in the capture's own transaction), and ``order_facts`` reads them back;
an order captured before they were kept is written in the default style with our line numbers.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from overture.channels.edifact.envelope import Interchange, Message
from overture.channels.edifact.orders import PurchaseOrder
from overture.channels.edifact.ordrsp import PartyId
from overture.channels.edifact.writer import Style, style_of
from overture.domain.commands import Reference
from overture.domain.digits import is_digits
from overture.domain.orders import Order

SYSTEM = "edifact"
STYLE, SENDER, LINE, PARTY = "style", "unb_sender", "lin.{line_no}", "nad.{qualifier}"
PARTIES = ("BY", "SU", "DP", "ST")
SEPARATOR = "|"  # not a character of any value kept here but free text, which is kept last


@dataclass(frozen=True, slots=True)
class BuyerLine:
    line_no: str  # LIN 1082 as the buyer sent it
    item: str = ""  # its first product id
    item_type: str = ""  # and that id's type (SA, EN, BP, ...)


@dataclass(frozen=True, slots=True)
class OrderFacts:
    """An EDIFACT partner's order as our documents about it need it."""

    order: Order
    po_number: str
    style: Style
    partner_address: tuple[str, str]  # the UNB sender: id, code qualifier
    parties: dict[str, PartyId]
    buyer_lines: dict[int, BuyerLine]  # our line number -> the buyer's

    def buyer_line(self, line_no: int) -> BuyerLine:
        return self.buyer_lines.get(line_no, BuyerLine(str(line_no)))


def capture_references(interchange: Interchange, message: Message, order: PurchaseOrder) -> tuple[Reference, ...]:
    """The references to keep with an ORDERS' order (see the module docstring)."""
    style = style_of(interchange, message)
    kept = [
        Reference(SYSTEM, STYLE, SEPARATOR.join([style.syntax, str(style.version), style.release, style.characters])),
        Reference(SYSTEM, SENDER, SEPARATOR.join(interchange.sender)),
    ]
    for qualifier in PARTIES:
        party = order.parties.get(qualifier)
        if party is not None and party.id:
            kept.append(Reference(SYSTEM, PARTY.format(qualifier=qualifier), f"{party.agency}{SEPARATOR}{party.id}"))
    for n, line in enumerate(order.lines, start=1):
        item_type, item = next(iter(line.product_ids.items()), ("", ""))
        value = SEPARATOR.join([line.line_no, item_type if item_type != "?" else "", item])
        kept.append(Reference(SYSTEM, LINE.format(line_no=n), value[:255]))
    return tuple(kept)


def order_facts(order: Order, references: dict[tuple[str, str], str]) -> OrderFacts:
    """The facts kept at capture, read back (defaults where an order has none)."""
    mine = {kind: value for (system, kind), value in references.items() if system == SYSTEM}
    po_number = references.get(("buyer", "po_number"), order.external_id.split(":", 1)[-1])
    sender = mine.get(SENDER, order.customer.partner_id or "").split(SEPARATOR)
    parties = {}
    for qualifier in PARTIES:
        value = mine.get(PARTY.format(qualifier=qualifier))
        if value:
            agency, _, party_id = value.partition(SEPARATOR)
            parties[qualifier] = PartyId(party_id, agency)
    return OrderFacts(
        order=order,
        po_number=po_number,
        style=_style(mine.get(STYLE, "")),
        partner_address=(sender[0], sender[1] if len(sender) > 1 else ""),
        parties=parties,
        buyer_lines=_buyer_lines(mine),
    )


def _style(value: str) -> Style:
    parts = value.split(SEPARATOR, 3)
    if len(parts) != 4 or len(parts[3]) != 6:
        return Style()
    syntax, version, release, characters = parts
    return Style(syntax, int(version) if version in ("3", "4") else 3, characters, release)


def _buyer_lines(mine: dict[str, str]) -> dict[int, BuyerLine]:
    lines = {}
    for kind, value in mine.items():
        number = kind.removeprefix("lin.")
        if kind.startswith("lin.") and is_digits(number):
            line_no, item_type, item = [*value.split(SEPARATOR, 2), "", ""][:3]
            lines[int(number)] = BuyerLine(line_no, item, item_type)
    return lines


def line_amount(quantity: int, unit_price: Decimal) -> Decimal:
    return (quantity * unit_price).quantize(Decimal("0.01"))
