"""What an order's lines are charged, as ledger entries, at placement and after every change.

- **Placement**: each line is charged its goods (unit price x quantity); a charge tied to a line
  (``Charge.line_no``) goes on that line; an order-level discount, tax, shipping or fee is shared
  among the lines in proportion to their goods by largest remainder (allocation.py), so every cent is
  on exactly one line and the lines add up to the order.
- **Units taken back** (a partial cancel, a return): the units give back their share of the line's
  goods, discount and tax, shared by units against what the line still carries; shipping stays with
  the line (the parcel still went), unless the line is deleted or the whole order cancelled.
- **A line re-priced** (an edit of its quantity upward, its unit price or its SKU): goods become
  the new quantity x price; its discount and tax keep their proportion to the goods (half-even to
  the minor unit). A quantity lowered at the same price is units taken back, so it gives back
  exactly what a cancel would.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_HALF_EVEN, Decimal

from overture.domain.commands import ChargeKind
from overture.domain.money.allocation import largest_remainder, share_of_units
from overture.domain.money.amount import minor_units, to_minor
from overture.domain.money.ledger import Balance, Entry, EntryKind, Ledger
from overture.domain.orders import Order, OrderLine

CHARGE_KINDS = {
    ChargeKind.SHIPPING: EntryKind.SHIPPING,
    ChargeKind.TAX: EntryKind.TAX,
    ChargeKind.DISCOUNT: EntryKind.DISCOUNT,
    ChargeKind.FEE: EntryKind.FEE,
}
# What units taken back give back (an adjustment, such as a goodwill refund already made, included:
# the units carry their share of it); a deleted line or a cancelled order gives back shipping too.
UNIT_KINDS = (EntryKind.CHARGE, EntryKind.DISCOUNT, EntryKind.TAX, EntryKind.FEE, EntryKind.ADJUSTMENT)
WHOLE_LINE_KINDS = (*UNIT_KINDS, EntryKind.SHIPPING)


@dataclass(frozen=True, slots=True)
class Why:
    """The cause, actor and time every entry of one change carries."""

    cause: str
    actor: str
    at: datetime


def goods_minor(line: OrderLine, currency: str) -> int:
    """A line's goods in minor units, rounded half-even (a unit price may carry more decimals)."""
    return to_minor(line.total.rounded().amount, currency)


def placement_entries(order: Order, why: Why) -> list[Entry]:
    """Every line's goods and its share of the order's charges, as the order stands at placement."""
    currency = order.currency
    line_nos = [line.line_no for line in order.lines]
    goods = [goods_minor(line, currency) for line in order.lines]
    entries = [_entry(order.id, n, EntryKind.CHARGE, g, currency, why) for n, g in zip(line_nos, goods, strict=True)]
    for charge in order.charges:
        amount = _round_minor(charge.amount, currency)
        kind = CHARGE_KINDS[charge.kind]
        if charge.line_no is not None:
            entries.append(_entry(order.id, charge.line_no, kind, amount, currency, why))
            continue
        for line_no, share in zip(line_nos, largest_remainder(amount, goods), strict=True):
            entries.append(_entry(order.id, line_no, kind, share, currency, why))
    return [e for e in entries if e.amount]


def units_back(ledger: Ledger, line_no: int, *, units: int, of: int, why: Why) -> list[Entry]:
    """The entries that give back ``units`` of the ``of`` units a line still carries. An adjustment
    (a goodwill refund) larger than the units' goods and tax is taken back only up to them: units never
    give back less than nothing."""
    balance = ledger.line(line_no)
    shares = {kind: share_of_units(_carried(balance, kind), units=units, of=of) for kind in UNIT_KINDS}
    others = sum(amount for kind, amount in shares.items() if kind is not EntryKind.ADJUSTMENT)
    shares[EntryKind.ADJUSTMENT] = max(shares[EntryKind.ADJUSTMENT], -max(others, 0))
    return [
        _entry(ledger.order_id, line_no, kind, -share, ledger.currency, why) for kind, share in shares.items() if share
    ]


def whole_line_back(ledger: Ledger, line_no: int, why: Why) -> list[Entry]:
    """The entries that bring everything a line owes to zero (a line deleted, an order cancelled)."""
    balance = ledger.line(line_no)
    return [
        _entry(ledger.order_id, line_no, kind, -_carried(balance, kind), ledger.currency, why)
        for kind in WHOLE_LINE_KINDS
        if _carried(balance, kind)
    ]


def repriced(ledger: Ledger, before: OrderLine, after: OrderLine, why: Why) -> list[Entry]:
    """The entries that take a line from how it was charged to how the edit leaves it."""
    if after.unit_price == before.unit_price and after.quantity < before.quantity:
        return units_back(ledger, before.line_no, units=before.quantity - after.quantity, of=before.quantity, why=why)
    balance = ledger.line(before.line_no)
    target = goods_minor(after, ledger.currency)
    entries = []
    if target != balance.charge:
        entries.append(
            _entry(ledger.order_id, before.line_no, EntryKind.CHARGE, target - balance.charge, ledger.currency, why)
        )
    for kind in (EntryKind.DISCOUNT, EntryKind.TAX):
        carried = _carried(balance, kind)
        scaled = _scaled(carried, target, balance.charge)
        if scaled != carried:
            entries.append(_entry(ledger.order_id, before.line_no, kind, scaled - carried, ledger.currency, why))
    return entries


def added_line(order_id: str, line: OrderLine, currency: str, why: Why) -> list[Entry]:
    """A line an edit added is charged its goods (no share of the order's discount: it came after)."""
    return [_entry(order_id, line.line_no, EntryKind.CHARGE, goods_minor(line, currency), currency, why)]


def _carried(balance: Balance, kind: EntryKind) -> int:
    value: int = getattr(balance, kind.value)  # the owed kinds are named as Balance's fields
    return value


def _scaled(amount: int, new_base: int, old_base: int) -> int:
    if old_base == 0:
        return 0
    exact = Decimal(amount) * Decimal(new_base) / Decimal(old_base)
    return int(exact.quantize(Decimal(1), rounding=ROUND_HALF_EVEN))


def _round_minor(amount: Decimal, currency: str) -> int:
    exponent = Decimal(1).scaleb(-minor_units(currency))
    return to_minor(amount.quantize(exponent, rounding=ROUND_HALF_EVEN), currency)


def _entry(order_id: str, line_no: int | None, kind: EntryKind, amount: int, currency: str, why: Why) -> Entry:
    return Entry(order_id, line_no, kind, amount, currency, why.cause, why.actor, why.at)


def total_of(entries: Iterable[Entry]) -> int:
    return sum(e.amount for e in entries)
