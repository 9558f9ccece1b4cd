"""The order lifecycle: which status changes are allowed, and Order.transition enforcing them."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from overture.domain.money import Money
from overture.domain.orders import IllegalTransition, Order, OrderLine
from overture.domain.parties import Address, Customer
from overture.domain.statuses import TERMINAL, OrderStatus, allowed_transitions, already_past, can_transition

S = OrderStatus
AT = datetime(2026, 1, 1, tzinfo=UTC)
FORWARD_PATH = [S.RECEIVED, S.VALIDATED, S.RESERVED, S.ROUTED, S.RELEASED, S.SHIPPED, S.INVOICED, S.COMPLETED]
PRE_SHIPMENT = [S.RECEIVED, S.VALIDATED, S.RESERVED, S.ROUTED, S.RELEASED, S.BACKORDERED]


def make_order() -> Order:
    lines = [OrderLine(1, "SKU-1", 1, Money(Decimal("1.00"), "USD"))]
    return Order("ord_1", "web", "W-1", Customer("C-1"), Address("10001", "US"), "USD", lines, AT)


def order_at(status: OrderStatus) -> Order:
    order = make_order()
    order.status = status
    return order


@pytest.mark.parametrize(("current", "target"), list(itertools.pairwise(FORWARD_PATH)))
def test_each_forward_step_is_allowed(current: OrderStatus, target: OrderStatus) -> None:
    assert can_transition(current, target)


def test_an_order_walks_the_whole_forward_path_and_records_history() -> None:
    order = make_order()
    for target in FORWARD_PATH[1:]:
        order.transition(target, f"to {target}", AT)
    assert order.status is S.COMPLETED
    assert [(c.from_status, c.to_status) for c in order.history] == list(itertools.pairwise(FORWARD_PATH))


@pytest.mark.parametrize(
    ("current", "target"),
    [(a, b) for i, a in enumerate(FORWARD_PATH) for b in FORWARD_PATH[i + 2 :]],
)
def test_skipping_a_forward_step_raises_illegal_transition(current: OrderStatus, target: OrderStatus) -> None:
    order = order_at(current)
    with pytest.raises(IllegalTransition) as raised:
        order.transition(target, "skip", AT)
    assert (raised.value.current, raised.value.target) == (current, target)
    assert order.status is current
    assert order.history == []


@pytest.mark.parametrize(
    ("current", "target"), [(b, a) for i, a in enumerate(FORWARD_PATH) for b in FORWARD_PATH[i + 1 :]]
)
def test_going_backwards_on_the_forward_path_is_refused(current: OrderStatus, target: OrderStatus) -> None:
    assert not can_transition(current, target)


def test_backorder_is_reachable_only_from_validated_and_leads_to_reserved() -> None:
    assert {s for s in S if can_transition(s, S.BACKORDERED)} == {S.VALIDATED, S.ON_HOLD}
    assert can_transition(S.BACKORDERED, S.RESERVED)
    assert not can_transition(S.BACKORDERED, S.ROUTED)


@pytest.mark.parametrize("status", [*PRE_SHIPMENT, S.SHIPPED, S.INVOICED])
def test_hold_then_resume_returns_to_the_step_it_left(status: OrderStatus) -> None:
    order = order_at(status)
    order.transition(S.ON_HOLD, "exception opened", AT)
    order.transition(status, "exception resolved", AT)
    assert order.status is status
    assert [c.to_status for c in order.history] == [S.ON_HOLD, status]


@pytest.mark.parametrize("status", [S.COMPLETED, S.RETURN_REQUESTED, S.RETURN_RECEIVED, *sorted(TERMINAL)])
def test_hold_is_refused_after_completion_during_returns_and_in_terminal_states(status: OrderStatus) -> None:
    assert not can_transition(status, S.ON_HOLD)


def test_an_order_on_hold_cannot_be_held_again_or_jump_into_returns() -> None:
    assert not can_transition(S.ON_HOLD, S.ON_HOLD)
    for target in (S.COMPLETED, S.RETURN_REQUESTED, S.RETURN_RECEIVED, S.REFUNDED, S.EXCHANGED):
        assert not can_transition(S.ON_HOLD, target), target


@pytest.mark.parametrize("status", [*PRE_SHIPMENT, S.ON_HOLD])
def test_cancel_is_allowed_before_shipment(status: OrderStatus) -> None:
    order = order_at(status)
    order.transition(S.CANCELLED, "customer cancelled", AT)
    assert order.status is S.CANCELLED


@pytest.mark.parametrize(
    "status", [S.SHIPPED, S.INVOICED, S.COMPLETED, S.RETURN_REQUESTED, S.RETURN_RECEIVED, S.REFUNDED, S.EXCHANGED]
)
def test_cancel_is_refused_once_shipped(status: OrderStatus) -> None:
    with pytest.raises(IllegalTransition):
        order_at(status).transition(S.CANCELLED, "too late", AT)


@pytest.mark.parametrize("status", sorted(TERMINAL))
def test_terminal_states_allow_nothing(status: OrderStatus) -> None:
    assert allowed_transitions(status) == frozenset()
    for target in S:
        with pytest.raises(IllegalTransition):
            order_at(status).transition(target, "after the end", AT)


def test_terminal_states_are_cancelled_refunded_and_exchanged() -> None:
    assert frozenset({S.CANCELLED, S.REFUNDED, S.EXCHANGED}) == TERMINAL


def test_returns_flow_from_shipped_invoiced_or_completed() -> None:
    for start in (S.SHIPPED, S.INVOICED, S.COMPLETED):
        assert can_transition(start, S.RETURN_REQUESTED)
    assert can_transition(S.RETURN_REQUESTED, S.RETURN_RECEIVED)
    assert can_transition(S.RETURN_RECEIVED, S.REFUNDED)
    assert can_transition(S.RETURN_RECEIVED, S.EXCHANGED)
    assert not can_transition(S.RETURN_REQUESTED, S.REFUNDED)
    assert not can_transition(S.RELEASED, S.RETURN_REQUESTED)


@pytest.mark.parametrize("status", list(S))
def test_no_status_transitions_to_itself(status: OrderStatus) -> None:
    assert not can_transition(status, status)


@pytest.mark.parametrize("status", list(S))
def test_can_transition_agrees_with_allowed_transitions(status: OrderStatus) -> None:
    assert {t for t in S if can_transition(status, t)} == allowed_transitions(status)


def test_a_replayed_forward_step_is_recognised_as_already_past() -> None:
    assert already_past(OrderStatus.SHIPPED, OrderStatus.RELEASED)
    assert already_past(OrderStatus.COMPLETED, OrderStatus.ROUTED)
    assert not already_past(OrderStatus.RELEASED, OrderStatus.SHIPPED)
    assert not already_past(OrderStatus.ON_HOLD, OrderStatus.ROUTED)  # resuming a hold is a real move
    assert not already_past(OrderStatus.SHIPPED, OrderStatus.CANCELLED)
