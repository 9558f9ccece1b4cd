"""Order invariants (lines, prices, quantities, currency), totals and demand()."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from overture.domain.money import Money
from overture.domain.orders import InvalidOrder, Order, OrderLine
from overture.domain.parties import Address, Customer
from overture.domain.statuses import LineStatus, OrderStatus

AT = datetime(2026, 1, 1, tzinfo=UTC)


def line(line_no: int, sku: str = "SKU-1", quantity: int = 1, price: str = "9.99", currency: str = "USD") -> OrderLine:
    return OrderLine(line_no, sku, quantity, Money(Decimal(price), currency))


def make_order(*lines: OrderLine, currency: str = "USD") -> Order:
    return Order(
        id="ord_1",
        channel="web",
        external_id="W-1",
        customer=Customer("C-1"),
        ship_to=Address("10001", "US"),
        currency=currency,
        lines=list(lines) or [line(1)],
        created_at=AT,
    )


def test_a_new_order_starts_received_with_pending_lines_and_no_history() -> None:
    order = make_order(line(1), line(2, "SKU-2"))
    assert order.status is OrderStatus.RECEIVED
    assert {ln.status for ln in order.lines} == {LineStatus.PENDING}
    assert order.history == []


def test_an_order_without_lines_is_invalid() -> None:
    with pytest.raises(InvalidOrder) as raised:
        Order("ord_1", "web", "W-1", Customer("C-1"), Address("10001", "US"), "USD", [], AT)
    assert raised.value.field == "lines"


def test_a_negative_unit_price_is_invalid_and_names_the_line() -> None:
    with pytest.raises(InvalidOrder) as raised:
        line(3, price="-0.01")
    assert raised.value.field == "lines[2].unit_price"


def test_a_zero_unit_price_is_allowed() -> None:
    assert line(1, price="0").total == Money(Decimal("0"), "USD")


@pytest.mark.parametrize("quantity", [0, -1])
def test_a_non_positive_quantity_is_invalid_and_names_the_line(quantity: int) -> None:
    with pytest.raises(InvalidOrder) as raised:
        line(2, quantity=quantity)
    assert raised.value.field == "lines[1].quantity"


def test_a_line_priced_in_another_currency_is_invalid() -> None:
    with pytest.raises(InvalidOrder) as raised:
        make_order(line(1), line(2, currency="EUR"))
    assert raised.value.field == "lines[1].unit_price"
    assert "EUR" in raised.value.reason and "USD" in raised.value.reason


def test_demand_sums_quantities_per_sku_across_lines() -> None:
    order = make_order(line(1, "A", 2), line(2, "B", 5), line(3, "A", 3))
    assert order.demand() == {"A": 5, "B": 5}


def test_demand_of_a_single_line_order() -> None:
    assert make_order(line(1, "A", 7)).demand() == {"A": 7}


def test_line_total_is_price_times_quantity() -> None:
    assert line(1, quantity=3, price="9.99").total == Money(Decimal("29.97"), "USD")


def test_order_total_sums_lines_and_rounds_half_even_to_the_minor_unit() -> None:
    order = make_order(line(1, "A", 1, "0.005"), line(2, "B", 1, "0.010"))  # 0.015 -> 0.02
    assert order.total == Money(Decimal("0.02"), "USD")
    order = make_order(line(1, "A", 1, "0.125"))  # exactly half: to the even cent
    assert order.total.amount == Decimal("0.12")


def test_order_total_in_a_zero_decimal_currency() -> None:
    order = make_order(line(1, "A", 3, "100.5", "JPY"), currency="JPY")  # 301.5 -> 302
    assert order.total == Money(Decimal("302"), "JPY")


def test_set_line_status_changes_every_line() -> None:
    order = make_order(line(1), line(2, "B"))
    order.set_line_status(LineStatus.ALLOCATED)
    assert [ln.status for ln in order.lines] == [LineStatus.ALLOCATED, LineStatus.ALLOCATED]
