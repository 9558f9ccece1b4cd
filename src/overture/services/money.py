"""The money ledger's use cases: what an order is charged at placement and after each change, and the
per-line view of where every cent stands.

Every posting has a key (``placed:<order>``, ``edit:<order>:<n>``, ``cancel:<order>:<key>``,
``capture:<order>:<line>``, ``refund:<return>``...) written in the same transaction as its entries,
so a step retried after its commit posts nothing twice. The rules that decide amounts are pure
(``domain/charging.py``, ``domain/money/``); this module only reads, decides and appends.

Errors::

    services.errors.NotFound            no such order
    domain.money.ledger.LedgerError     a refund beyond what a line captured (RefundExceedsCaptured)
    PartialCancelRefused                a partial cancel the order's state or lines do not allow
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from overture.domain.charging import Why, added_line, placement_entries, repriced, units_back, whole_line_back
from overture.domain.money import from_minor
from overture.domain.money.ledger import Balance, Entry, Ledger
from overture.domain.orders import EDITABLE, LineEdit, Order, OrderLine
from overture.services.errors import NotFound
from overture.services.ports import UnitOfWork


class PartialCancelRefused(Exception):
    """A partial cancel that cannot be done: names the line and why."""

    def __init__(self, field_name: str, reason: str) -> None:
        super().__init__(f"{field_name}: {reason}")
        self.field = field_name
        self.reason = reason


@dataclass(frozen=True, slots=True)
class LineMoney:
    line_no: int
    sku: str
    quantity: int
    balance: Balance


@dataclass(frozen=True, slots=True)
class MoneyView:
    """Where every cent of an order stands: per line, the order-level entries, and the totals."""

    order_id: str
    currency: str
    lines: tuple[LineMoney, ...]
    order_level: Balance
    totals: Balance
    entries: tuple[Entry, ...]

    def amount(self, minor: int) -> str:
        return str(from_minor(minor, self.currency))


def post_placement(uow: UnitOfWork, order: Order, *, actor: str = "capture") -> None:
    """What the order's lines are charged as placed (in the capture's own transaction)."""
    at = order.created_at
    uow.money.post(f"placed:{order.id}", order.id, placement_entries(order, Why("placed", actor, at)), at)


def ledger_of(uow: UnitOfWork, order_id: str) -> Ledger:
    ledger = uow.money.ledger(order_id)
    if ledger is None:
        raise NotFound(f"no order {order_id!r}")
    return ledger


def money_view(uow: UnitOfWork, order_id: str) -> MoneyView:
    ledger = ledger_of(uow, order_id)
    order = uow.fulfilment.load_order(order_id)
    assert order is not None  # the ledger found the order
    balances = ledger.lines()
    known = {line.line_no: line for line in order.lines}
    line_nos = sorted(set(known) | set(balances))
    lines = tuple(
        LineMoney(
            n,
            known[n].sku if n in known else _sku_of_removed(ledger, n),
            known[n].quantity if n in known else 0,
            balances.get(n, Balance()),
        )
        for n in line_nos
    )
    return MoneyView(order_id, ledger.currency, lines, ledger.order_level(), ledger.totals(), tuple(ledger.entries))


def _sku_of_removed(ledger: Ledger, line_no: int) -> str:
    """A line an edit deleted keeps its entries; its cause names what it was."""
    return next((e.cause for e in ledger.entries if e.line_no == line_no), "")


def post_edit(uow: UnitOfWork, before: Sequence[OrderLine], after: Order, why: Why, key: str) -> list[Entry]:
    """Re-price the lines an edit changed, added or deleted; the entries posted (none if ``key`` was)."""
    ledger = ledger_of(uow, after.id)
    old = {line.line_no: line for line in before}
    new = {line.line_no: line for line in after.lines}
    entries: list[Entry] = []
    for line_no in sorted(set(old) | set(new)):
        if line_no not in new:
            entries += whole_line_back(ledger, line_no, why)
        elif line_no not in old:
            entries += added_line(after.id, new[line_no], after.currency, why)
        elif _changed(old[line_no], new[line_no]):
            entries += repriced(ledger, old[line_no], new[line_no], why)
    if not uow.money.post(key, after.id, entries, why.at):
        return []
    return entries


def _changed(before: OrderLine, after: OrderLine) -> bool:
    return (before.sku, before.quantity, before.unit_price) != (after.sku, after.quantity, after.unit_price)


def cancel_edits(order: Order, cancels: Sequence[tuple[int, int]]) -> list[LineEdit]:
    """The line edits that take ``units`` off each ``line_no``: a quantity lowered, or the line deleted
    when all its units go (the whole order going is a cancel, not a partial one)."""
    if order.status not in EDITABLE:
        raise PartialCancelRefused(
            "status", f"the order is {order.status}: units can be cancelled only before it is released"
        )
    by_no = {line.line_no: line for line in order.lines}
    edits: list[LineEdit] = []
    for n, (line_no, units) in enumerate(cancels):
        line = by_no.get(line_no)
        if line is None:
            raise PartialCancelRefused(f"lines[{n}].line_no", f"the order has no line {line_no}")
        if not 0 < units <= line.quantity:
            raise PartialCancelRefused(
                f"lines[{n}].quantity", f"line {line_no} has {line.quantity} unit(s); cannot cancel {units}"
            )
        remaining = line.quantity - units
        edits.append(LineEdit(line_no, remove=True) if remaining == 0 else LineEdit(line_no, quantity=remaining))
    if all(e.remove for e in edits) and len(edits) == len(order.lines):
        raise PartialCancelRefused("lines", "that cancels every unit: cancel the whole order instead")
    return edits


def units_back_entries(ledger: Ledger, line_no: int, *, units: int, of: int, why: Why) -> list[Entry]:
    """What returning ``units`` of the ``of`` a line still carries gives back (services' name for it)."""
    return units_back(ledger, line_no, units=units, of=of, why=why)


def cancel_money(uow: UnitOfWork, order_id: str, why: Why) -> None:
    """A cancelled order owes nothing: every line's charges go back to zero, once."""
    ledger = uow.money.ledger(order_id)
    if ledger is None:
        return
    entries = [e for line_no in ledger.lines() for e in whole_line_back(ledger, line_no, why)]
    uow.money.post(f"cancelled:{order_id}", order_id, entries, why.at)
