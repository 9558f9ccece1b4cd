"""What lines are charged at placement, and what units taken back give back (domain/charging.py)."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from overture.domain.charging import Why, placement_entries, repriced, units_back, whole_line_back
from overture.domain.commands import Charge, ChargeKind
from overture.domain.money import Money
from overture.domain.money.ledger import EntryKind, Ledger, RefundExceedsCaptured
from overture.domain.orders import Order, OrderLine
from overture.domain.parties import Address, Customer

AT = datetime(2026, 12, 7, tzinfo=UTC)
WHY = Why("test", "tester", AT)


def _order() -> Order:
    lines = [
        OrderLine(1, "A", 3, Money(Decimal("10.00"), "USD")),
        OrderLine(2, "B", 1, Money(Decimal("20.00"), "USD")),
        OrderLine(3, "C", 2, Money(Decimal("5.005"), "USD")),  # a unit price finer than a cent
    ]
    charges = (
        Charge(ChargeKind.DISCOUNT, Decimal("-10.00"), "SAVE10"),
        Charge(ChargeKind.TAX, Decimal("4.46")),
        Charge(ChargeKind.SHIPPING, Decimal("7.99")),
        Charge(ChargeKind.FEE, Decimal("1.00"), line_no=2),
    )
    return Order("ord_1", "api", "x", Customer("c1"), Address("10001", "US"), "USD", lines, AT, charges=charges)


def _ledger(order: Order) -> Ledger:
    ledger = Ledger(order.id, "USD")
    ledger.append(placement_entries(order, WHY))
    return ledger


def test_every_cent_of_the_order_is_on_exactly_one_line() -> None:
    order = _order()
    ledger = _ledger(order)
    assert ledger.totals().due == 6001 - 1000 + 446 + 799 + 100  # goods 30 + 20 + 10.01 = 60.01
    assert sum(b.due for b in ledger.lines().values()) == ledger.totals().due
    # The discount is shared by goods (3000 : 2000 : 1001) by largest remainder.
    assert [ledger.line(n).discount for n in (1, 2, 3)] == [-500, -333, -167]
    assert ledger.line(2).fee == 100 and ledger.line(1).fee == 0


def test_a_unit_returned_gives_back_its_goods_discount_and_tax_but_not_shipping() -> None:
    ledger = _ledger(_order())
    back = units_back(ledger, 1, units=1, of=3, why=WHY)
    kinds = {e.kind: e.amount for e in back}
    assert kinds[EntryKind.CHARGE] == -1000
    assert kinds[EntryKind.DISCOUNT] == 167  # a third of -500, the leftover cent with the unit taken
    assert EntryKind.SHIPPING not in kinds


def test_a_deleted_line_owes_nothing_afterwards() -> None:
    ledger = _ledger(_order())
    ledger.append(whole_line_back(ledger, 3, WHY))
    assert ledger.line(3).due == 0


def test_a_quantity_lowered_gives_back_what_a_cancel_would_and_a_price_change_keeps_the_proportions() -> None:
    order = _order()
    ledger = _ledger(order)
    lowered = OrderLine(1, "A", 2, Money(Decimal("10.00"), "USD"))
    assert repriced(ledger, order.lines[0], lowered, WHY) == units_back(ledger, 1, units=1, of=3, why=WHY)
    dearer = OrderLine(2, "B", 1, Money(Decimal("40.00"), "USD"))
    changes = {e.kind: e.amount for e in repriced(ledger, order.lines[1], dearer, WHY)}
    assert changes[EntryKind.CHARGE] == 2000
    assert changes[EntryKind.DISCOUNT] == -333  # -333 scaled by 4000 / 2000 is -666


def test_a_refund_beyond_what_the_line_captured_is_refused_naming_both_amounts() -> None:
    ledger = _ledger(_order())
    try:
        ledger.check_refund(1, 1)
    except RefundExceedsCaptured as error:
        assert "line 1" in str(error) and "0 captured" in str(error)
    else:  # pragma: no cover
        raise AssertionError("refund of uncaptured money was accepted")
