"""An ORDERS message into the canonical ``PlaceOrder``.

Reads BGM (order number), DTM 137 and 2 (order and delivery dates), CUX, RFF, FTX, the header
NADs (buyer, ship-to or delivery party, supplier), header allowances, charges and taxes (ALC and
TAX with their MOA), each LIN group (LIN and PIA product ids, IMD description, QTY 21 with its
unit, PRI AAA net or AAB gross price per its basis, MOA 203 line amount, DTM delivery date), and
the summary (MOA totals, CNT 2 line count).

``content_problems`` says what does not add up (lines against MOA 79 and 86, CNT 2 against the
LIN count) as positioned problems; ``mapping.to_command`` makes the order from what is read here.
Allowances and charges inside a line are not mapped: MOA 203 is already net of them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, localcontext

from overture.channels.edifact.envelope import Message
from overture.channels.edifact.errors import Problem, ProblemCode
from overture.channels.edifact.schema import DATE_FORMATS, NUMBER, parse_date
from overture.channels.edifact.syntax import Segment
from overture.domain.commands import Charge, ChargeKind

CHANNEL = "edifact"
_CHARGE_AMOUNTS = frozenset({"8", "23", "204"})  # allowance or charge amount, charge amount, allowance amount
_TAX_AMOUNTS = frozenset({"124", "150", "176"})
_SHIPPING_SERVICES = frozenset({"FC", "DL"})  # freight charge, delivery
_GROUP_CHILDREN = frozenset({"MOA", "ALI", "DTM", "QTY", "PCD", "RNG", "RTE", "LOC"})
_CENT = Decimal("0.01")
MAX_NUMBER_LENGTH = 35


@dataclass(slots=True)
class Party:
    qualifier: str
    id: str = ""
    agency: str = ""
    name: str = ""
    street: tuple[str, ...] = ()
    city: str = ""
    region: str = ""
    postal_code: str = ""
    country: str = ""


@dataclass(slots=True)
class OrderLine:
    line_no: str
    position: int  # of the LIN segment
    product_ids: dict[str, str] = field(default_factory=dict)  # id type (SA, EN, IN, BP, ...) -> id
    quantity: Decimal | None = None
    unit: str = ""
    net_price: Decimal | None = None
    gross_price: Decimal | None = None
    amount: Decimal | None = None  # MOA 203
    description: str = ""
    delivery_date: str = ""

    @property
    def price(self) -> Decimal | None:
        return self.net_price if self.net_price is not None else self.gross_price

    def computed_amount(self) -> Decimal | None:
        if self.amount is not None:
            return self.amount
        if self.quantity is None or self.price is None:
            return None
        return _cents(self.quantity * self.price)


@dataclass(slots=True)
class PurchaseOrder:
    po_number: str = ""
    document_code: str = ""  # BGM 1001: 220 order, 221 blanket order, ...
    function: str = ""  # BGM 1225: 9 original, 1 cancellation, ...
    order_date: str = ""
    delivery_date: str = ""
    currency: str = ""
    parties: dict[str, Party] = field(default_factory=dict)
    references: dict[str, str] = field(default_factory=dict)
    notes: list[tuple[str, str]] = field(default_factory=list)  # FTX subject, text
    lines: list[OrderLine] = field(default_factory=list)
    charges: list[Charge] = field(default_factory=list)
    totals: dict[str, tuple[Decimal, Segment]] = field(default_factory=dict)  # summary MOA
    declared_lines: tuple[int, Segment] | None = None  # CNT 2


def read_purchase_order(message: Message) -> PurchaseOrder:
    """The ORDERS content, without judging it against a partner (that is ``to_command``)."""
    reader = _Reader()
    for segment in message.body:
        reader.feed(segment)
    return reader.order


def number(text: str) -> Decimal | None:
    """An EDIFACT number (either decimal mark, no exponent, at most 35 characters: n..35), else None."""
    if len(text) > MAX_NUMBER_LENGTH or not NUMBER.fullmatch(text):
        return None
    return Decimal(text.replace(",", "."))


def iso_date(value: str, code: str) -> str:
    """A DTM value as an ISO date (or date and time), or the value as sent when its format is unknown."""
    parsed = parse_date(value, DATE_FORMATS.get(code or "102", ""))
    if parsed is None:
        return value
    return parsed.date().isoformat() if code in ("", "101", "102") else parsed.isoformat()


class _Reader:
    def __init__(self) -> None:
        self.order = PurchaseOrder()
        self.line: OrderLine | None = None
        self.party: Party | None = None
        self.summary = False
        self.context: tuple[str, str, str] | None = None  # ("ALC", A/C, service) or ("TAX", "", ""), or ignored

    def feed(self, segment: Segment) -> None:
        if segment.tag not in _GROUP_CHILDREN:
            self.context = None
        if segment.tag not in ("LOC", "RFF", "DTM", "CTA", "COM", "FII", "DOC"):
            self.party = None
        handler = _HANDLERS.get(segment.tag)
        if handler is not None:
            handler(self, segment)

    def _bgm(self, s: Segment) -> None:
        self.order.po_number, self.order.document_code, self.order.function = s.get(2), s.get(1), s.get(3)

    def _dtm(self, s: Segment) -> None:
        qualifier, value = s.get(1, 1), iso_date(s.get(1, 2), s.get(1, 3))
        if self.line is not None and qualifier in ("2", "69", "64"):
            self.line.delivery_date = self.line.delivery_date or value
        elif self.line is None and not self.summary and self.party is None:
            if qualifier == "137":
                self.order.order_date = self.order.order_date or value
            elif qualifier == "2":
                self.order.delivery_date = self.order.delivery_date or value

    def _cux(self, s: Segment) -> None:
        if self.line is None and not self.order.currency:
            self.order.currency = s.get(1, 2).upper()

    def _rff(self, s: Segment) -> None:
        if self.line is None and self.party is None and not self.summary and s.get(1, 2):
            self.order.references.setdefault(s.get(1, 1), s.get(1, 2))

    def _ftx(self, s: Segment) -> None:
        text = " ".join(c for c in s.elements[3] if c) if len(s.elements) > 3 else ""
        if self.line is None and text:
            self.order.notes.append((s.get(1), text))

    def _nad(self, s: Segment) -> None:
        if self.line is not None or self.summary:
            return
        name = " ".join(c for c in (s.elements[3] if len(s.elements) > 3 else ()) if c) or s.get(3, 1)
        party = Party(s.get(1), s.get(2, 1), s.get(2, 3), name, tuple(c for c in _components(s, 5) if c))
        party.city, party.region, party.postal_code, party.country = s.get(6), s.get(7), s.get(8), s.get(9)
        self.order.parties.setdefault(party.qualifier, party)
        self.party = party

    def _alc(self, s: Segment) -> None:
        self.context = ("ALC", s.get(1), s.get(5, 1)) if self.line is None and not self.summary else ("-", "", "")

    def _tax(self, s: Segment) -> None:
        self.context = ("TAX", "", s.get(2, 1)) if self.line is None and not self.summary else ("-", "", "")

    def _lin(self, s: Segment) -> None:
        line = OrderLine(s.get(1) or str(len(self.order.lines) + 1), s.position)
        if s.get(3, 1):
            line.product_ids[s.get(3, 2) or "?"] = s.get(3, 1)
        self.order.lines.append(line)
        self.line = line

    def _pia(self, s: Segment) -> None:
        if self.line is not None:
            for n in range(2, len(s.elements) + 1):
                if s.get(n, 1):
                    self.line.product_ids.setdefault(s.get(n, 2) or "?", s.get(n, 1))

    def _imd(self, s: Segment) -> None:
        text = " ".join(c for c in _components(s, 3)[3:] if c)
        if self.line is not None and text and not self.line.description:
            self.line.description = text

    def _qty(self, s: Segment) -> None:
        if self.line is not None and s.get(1, 1) == "21" and self.line.quantity is None:
            self.line.quantity, self.line.unit = number(s.get(1, 2)), s.get(1, 3)

    def _pri(self, s: Segment) -> None:
        price, basis = number(s.get(1, 2)), number(s.get(1, 5)) or Decimal(1)
        if self.line is None or price is None or basis == 0:
            return
        if s.get(1, 1) == "AAA" and self.line.net_price is None:
            self.line.net_price = price / basis
        elif s.get(1, 1) == "AAB" and self.line.gross_price is None:
            self.line.gross_price = price / basis

    def _moa(self, s: Segment) -> None:
        qualifier, amount = s.get(1, 1), number(s.get(1, 2))
        if amount is None:
            return
        if self.context is not None:
            self._charge(qualifier, amount)
        elif self.line is not None and not self.summary and qualifier == "203":
            self.line.amount = amount
        elif self.summary:
            self.order.totals.setdefault(qualifier, (amount, s))

    def _charge(self, qualifier: str, amount: Decimal) -> None:
        assert self.context is not None
        kind, indicator, code = self.context
        if kind == "TAX" and qualifier in _TAX_AMOUNTS:
            self.order.charges.append(Charge(ChargeKind.TAX, amount, code))
        elif kind == "ALC" and qualifier in _CHARGE_AMOUNTS and indicator in ("A", "C"):
            charge_kind = ChargeKind.SHIPPING if code in _SHIPPING_SERVICES else ChargeKind.FEE
            if indicator == "A":
                charge_kind, amount = ChargeKind.DISCOUNT, -abs(amount)
            self.order.charges.append(Charge(charge_kind, amount, code))
        self.context = ("-", "", "")  # one amount per group

    def _uns(self, _: Segment) -> None:
        self.summary, self.line = True, None

    def _cnt(self, s: Segment) -> None:
        count = number(s.get(1, 2))
        if s.get(1, 1) == "2" and count is not None and count == count.to_integral_value():
            self.order.declared_lines = (int(count), s)


_HANDLERS: dict[str, Callable[[_Reader, Segment], None]] = {
    "BGM": _Reader._bgm,
    "DTM": _Reader._dtm,
    "CUX": _Reader._cux,
    "RFF": _Reader._rff,
    "FTX": _Reader._ftx,
    "NAD": _Reader._nad,
    "ALC": _Reader._alc,
    "TAX": _Reader._tax,
    "LIN": _Reader._lin,
    "PIA": _Reader._pia,
    "IMD": _Reader._imd,
    "QTY": _Reader._qty,
    "PRI": _Reader._pri,
    "MOA": _Reader._moa,
    "UNS": _Reader._uns,
    "CNT": _Reader._cnt,
}


def _components(segment: Segment, element: int) -> tuple[str, ...]:
    return segment.elements[element - 1] if element <= len(segment.elements) else ()


def content_problems(order: PurchaseOrder) -> list[Problem]:
    """What does not add up: the line count against CNT 2, the line amounts against MOA 79 and 86."""
    problems: list[Problem] = []
    if order.declared_lines is not None and order.declared_lines[0] != len(order.lines):
        count, cnt = order.declared_lines
        text = f"CNT 2 says {count} lines; the order has {len(order.lines)}"
        problems.append(Problem(ProblemCode.LINE_COUNT_MISMATCH, text, cnt.position, "CNT", 1, 2))
    amounts = [line.computed_amount() for line in order.lines]
    if not order.lines or any(a is None for a in amounts):
        return problems  # a line without an amount or a price: nothing to add up
    lines_total = sum((a for a in amounts if a is not None), Decimal(0))
    charges_total = sum((c.amount for c in order.charges), Decimal(0))
    for qualifier, expected, what in (("79", lines_total, "the lines"), ("86", lines_total + charges_total, "")):
        declared = order.totals.get(qualifier)
        if declared is not None and _cents(declared[0]) != _cents(expected):
            what = what or "the lines and the allowances, charges and taxes"
            text = f"MOA {qualifier} says {declared[0]}; {what} add up to {_cents(expected)}"
            problems.append(Problem(ProblemCode.AMOUNT_MISMATCH, text, declared[1].position, "MOA", 1, 2))
    return problems


def _cents(amount: Decimal) -> Decimal:
    # Two 35-digit numbers multiplied overflow the default 28-digit context that quantize works in.
    with localcontext() as context:
        context.prec = 4 * MAX_NUMBER_LENGTH
        return amount.quantize(_CENT, ROUND_HALF_UP)
