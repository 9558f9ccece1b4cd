"""The money ledger: append-only entries per order line (and per order), balances derived from them.

Every amount an order carries after capture is an entry: what a line is charged (its goods, its share
of discounts, tax and shipping), what the payment provider holds and has captured, what went back as
a refund or store credit. Nothing is updated in place: an edit, a cancel or a return adds entries
that undo a share, so the history of every cent stays readable. Amounts are whole minor units
(``int``), signed as the entry kind says.

What a line owes is ``due``: charge + discount + tax + shipping + fee + adjustment. What it has been
paid is ``settled``: captured - refunded - credited (store credit given back counts as settled
money going back). ``outstanding`` = due - settled - written off: zero when the books balance.

Errors::

    LedgerError
     +-- RefundExceedsCaptured    a refund larger than what that line has captured and not yet refunded
     +-- CurrencyDiffers          an entry in another currency than the order's
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum


class EntryKind(StrEnum):
    CHARGE = "charge"  # goods: unit price x units (negative when units are cancelled or returned)
    DISCOUNT = "discount"  # negative: a share of a discount
    TAX = "tax"
    SHIPPING = "shipping"
    FEE = "fee"
    ADJUSTMENT = "adjustment"  # a correction a person made, either sign
    AUTHORISATION = "authorisation"  # what the payment provider holds for the order (order-level)
    CAPTURE = "capture"  # money taken from the authorisation for a line
    REFUND = "refund"  # money given back to the payment method, for a line
    STORE_CREDIT = "store_credit"  # value given back as credit instead of money
    WRITE_OFF = "write_off"  # what will not be collected


# What the customer owes for a line, and what moves money.
OWED = frozenset({EntryKind.CHARGE, EntryKind.DISCOUNT, EntryKind.TAX, EntryKind.SHIPPING, EntryKind.FEE})
OWED_KINDS = OWED | {EntryKind.ADJUSTMENT}


class LedgerError(ValueError):
    """Base of ledger errors."""


class RefundExceedsCaptured(LedgerError):
    def __init__(self, *, line_no: int, asked: int, refundable: int, currency: str) -> None:
        super().__init__(
            f"line {line_no}: a refund of {asked} minor units ({currency}) is more than the "
            f"{refundable} captured on that line and not yet refunded or credited"
        )
        self.line_no = line_no
        self.asked = asked
        self.refundable = refundable


class CurrencyDiffers(LedgerError):
    def __init__(self, *, entry: str, order: str) -> None:
        super().__init__(f"an entry in {entry} cannot go on an order in {order}")


@dataclass(frozen=True, slots=True)
class Entry:
    """One ledger line. ``line_no`` None is the order itself (an authorisation). ``cause`` says what
    made it (``placed``, ``edit``, ``cancel``, ``return:RMA-1``, ``shipment:...``), ``actor`` who,
    ``reference`` the outside record (a payment intent, a refund id, a credit memo)."""

    order_id: str
    line_no: int | None
    kind: EntryKind
    amount: int
    currency: str
    cause: str
    actor: str
    at: datetime
    reference: str = ""

    def reference_is(self, reference: str) -> bool:
        return self.reference == reference


@dataclass(slots=True)
class Balance:
    """Sums of one line's (or the order's) entries, by what they mean."""

    charge: int = 0
    discount: int = 0
    tax: int = 0
    shipping: int = 0
    fee: int = 0
    adjustment: int = 0
    authorised: int = 0
    captured: int = 0
    refunded: int = 0
    credited: int = 0
    written_off: int = 0

    @property
    def due(self) -> int:
        return self.charge + self.discount + self.tax + self.shipping + self.fee + self.adjustment

    @property
    def settled(self) -> int:
        return self.captured - self.refunded - self.credited

    @property
    def outstanding(self) -> int:
        return self.due - self.settled - self.written_off

    @property
    def refundable(self) -> int:
        """Captured money not yet given back: the most a refund or a credit for the line can be."""
        return self.captured - self.refunded - self.credited

    def add(self, entry: Entry) -> None:
        name = _FIELD[entry.kind]
        setattr(self, name, getattr(self, name) + entry.amount)

    def plus(self, other: Balance) -> Balance:
        return Balance(**{name: getattr(self, name) + getattr(other, name) for name in _FIELDS})


_FIELD = {
    EntryKind.CHARGE: "charge",
    EntryKind.DISCOUNT: "discount",
    EntryKind.TAX: "tax",
    EntryKind.SHIPPING: "shipping",
    EntryKind.FEE: "fee",
    EntryKind.ADJUSTMENT: "adjustment",
    EntryKind.AUTHORISATION: "authorised",
    EntryKind.CAPTURE: "captured",
    EntryKind.REFUND: "refunded",
    EntryKind.STORE_CREDIT: "credited",
    EntryKind.WRITE_OFF: "written_off",
}
_FIELDS = tuple(_FIELD.values())


@dataclass(slots=True)
class Ledger:
    """An order's entries and the balances derived from them (never stored on their own)."""

    order_id: str
    currency: str
    entries: list[Entry] = field(default_factory=list)

    def line(self, line_no: int) -> Balance:
        return _sum(e for e in self.entries if e.line_no == line_no)

    def lines(self) -> dict[int, Balance]:
        by_line: dict[int, Balance] = {}
        for entry in self.entries:
            if entry.line_no is not None:
                by_line.setdefault(entry.line_no, Balance()).add(entry)
        return dict(sorted(by_line.items()))

    def order_level(self) -> Balance:
        return _sum(e for e in self.entries if e.line_no is None)

    def totals(self) -> Balance:
        return _sum(self.entries)

    def capturable(self) -> int:
        """What the authorisations still hold: authorised less captured."""
        totals = self.totals()
        return totals.authorised - totals.captured

    def check_refund(self, line_no: int, amount: int) -> None:
        """Refuse a refund (or store credit) larger than the line's captured, not yet returned money."""
        refundable = self.line(line_no).refundable
        if amount > refundable:
            raise RefundExceedsCaptured(line_no=line_no, asked=amount, refundable=refundable, currency=self.currency)

    def append(self, entries: Sequence[Entry]) -> None:
        for entry in entries:
            if entry.currency != self.currency:
                raise CurrencyDiffers(entry=entry.currency, order=self.currency)
        self.entries.extend(entries)


def _sum(entries: Iterable[Entry]) -> Balance:
    balance = Balance()
    for entry in entries:
        balance.add(entry)
    return balance
