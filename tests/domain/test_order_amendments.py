"""Order.amend_lines: a person's line edits are checked together and applied all or none."""

from __future__ import annotations

from decimal import Decimal

import pytest

from overture.domain.orders import InvalidOrder, LineEdit, NotEditable, describe_amendment
from overture.domain.statuses import OrderStatus
from tests.domain.test_orders import line, make_order


def test_edits_change_only_the_fields_given_and_report_before_and_after() -> None:
    order = make_order(line(1, "CUST-A", 2, "4.00"), line(2, "B", 1, "1.00"))

    (change,) = order.amend_lines([LineEdit(1, sku=" A ", unit_price=Decimal("3.50"))])

    first = order.lines[0]
    assert (first.sku, first.quantity, first.unit_price.amount) == ("A", 2, Decimal("3.50"))
    assert order.total.amount == Decimal("8.00")
    assert change.before == {"sku": "CUST-A", "quantity": 2, "unit_price": "4.00"}
    assert change.after == {"sku": "A", "quantity": 2, "unit_price": "3.50"}
    assert describe_amendment(change) == "line 1: sku CUST-A -> A, unit_price 4.00 -> 3.50"
    assert order.history == []  # the status does not change: the caller records the decision


@pytest.mark.parametrize(
    ("edit", "field"),
    [
        (LineEdit(9, sku="A"), "lines[1].line_no"),
        (LineEdit(2, quantity=0), "lines[1].quantity"),
        (LineEdit(2, unit_price=Decimal("-1")), "lines[1].unit_price"),
        (LineEdit(2, sku="  "), "lines[1].sku"),
        (LineEdit(2), "lines[1]"),
    ],
)
def test_a_bad_edit_names_its_field_and_changes_no_line(edit: LineEdit, field: str) -> None:
    order = make_order(line(1, "A", 2), line(2, "B", 1))

    with pytest.raises(InvalidOrder) as raised:
        order.amend_lines([LineEdit(1, quantity=5), edit])

    assert raised.value.field == field
    assert [(ln.sku, ln.quantity) for ln in order.lines] == [("A", 2), ("B", 1)]


def test_lines_cannot_be_edited_once_released() -> None:
    order = make_order(line(1))
    order.status = OrderStatus.RELEASED

    with pytest.raises(NotEditable, match="released"):
        order.amend_lines([LineEdit(1, quantity=2)])
