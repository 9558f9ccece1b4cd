"""Reconciling an order's own total with its channel's declared total (issue 14): Decimal throughout,
a tolerance in the currency's units, and a reason that gives both figures and the difference."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from overture.domain.commands import Charge, ChargeKind
from overture.domain.money import Money
from overture.domain.orders import Order, OrderLine
from overture.domain.parties import Address, Customer
from overture.domain.totals import check_total


def _order(declared: str | None, *, currency: str = "USD") -> Order:
    """Two lines (2 x 10.00 + 1 x 5.50), shipping 4.99 and a 2.00 discount: 28.49 in all."""
    lines = [
        OrderLine(1, "A", 2, Money(Decimal("10.00"), currency)),
        OrderLine(2, "B", 1, Money(Decimal("5.50"), currency)),
    ]
    charges = (Charge(ChargeKind.SHIPPING, Decimal("4.99")), Charge(ChargeKind.DISCOUNT, Decimal("-2.00")))
    at = datetime(2026, 12, 1, tzinfo=UTC)
    return Order(
        "ord_1", "web", "1", Customer("C-1"), Address("10001", "US"), currency, lines, at,
        charges=charges, declared_total=None if declared is None else Decimal(declared),
    )  # fmt: skip


def test_an_order_whose_channel_declared_no_total_is_not_checked() -> None:
    assert check_total(_order(None), Decimal("0.01")) is None


@pytest.mark.parametrize("declared", ["28.49", "28.50", "28.48", "28.490000"])
def test_totals_within_the_tolerance_agree(declared: str) -> None:
    check = check_total(_order(declared), Decimal("0.01"))
    assert check is not None and check.agrees


def test_a_total_beyond_the_tolerance_disagrees_with_both_figures_and_the_difference() -> None:
    check = check_total(_order("38.49"), Decimal("0.01"))
    assert check is not None and not check.agrees
    assert check.difference == Decimal("10.00")
    assert check.reason() == (
        "the channel's total 38.49 USD differs from the order's own total 28.49 USD (lines plus charges) "
        "by +10.00 USD, more than the tolerance of 0.01 USD"
    )
    assert check.details() == {
        "declared_total": "38.49",
        "computed_total": "28.49",
        "difference": "10.00",
        "tolerance": "0.01",
        "currency": "USD",
    }


def test_a_channel_asking_less_than_the_order_adds_up_to_disagrees_too() -> None:
    check = check_total(_order("28.47"), Decimal("0.01"))
    assert check is not None and not check.agrees and check.difference == Decimal("-0.02")


def test_a_wider_tolerance_accepts_what_the_default_refuses() -> None:
    check = check_total(_order("28.60"), Decimal("0.25"))
    assert check is not None and check.agrees


def test_a_negative_tolerance_is_refused() -> None:
    with pytest.raises(ValueError, match="negative"):
        check_total(_order("28.49"), Decimal("-0.01"))
