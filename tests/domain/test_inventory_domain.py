"""Inventory domain: movement deltas, the 0 <= reserved <= on_hand invariant, availability."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from overture.domain.inventory import (
    InsufficientStock,
    InvalidMovement,
    InventoryPosition,
    Location,
    Movement,
    MovementKind,
    Shortage,
    apply_movement,
    total_available,
)

K = MovementKind


def position(on_hand: int = 0, reserved: int = 0, safety_stock: int = 0) -> InventoryPosition:
    return InventoryPosition("SKU-1", "L1", on_hand, reserved, safety_stock)


def move(kind: MovementKind, quantity: int) -> Movement:
    return Movement(kind, "SKU-1", "L1", quantity)


@pytest.mark.parametrize(
    ("kind", "quantity", "deltas"),
    [
        (K.RECEIPT, 5, (5, 0)),
        (K.RESERVATION, 5, (0, 5)),
        (K.RELEASE, 5, (0, -5)),
        (K.SHIPMENT, 5, (-5, -5)),
        (K.ADJUSTMENT, 5, (5, 0)),
        (K.ADJUSTMENT, -3, (-3, 0)),
    ],
)
def test_movement_deltas_per_kind(kind: MovementKind, quantity: int, deltas: tuple[int, int]) -> None:
    assert move(kind, quantity).deltas() == deltas


@pytest.mark.parametrize("kind", [K.RECEIPT, K.RESERVATION, K.RELEASE, K.SHIPMENT])
@pytest.mark.parametrize("quantity", [0, -1])
def test_unsigned_movements_need_a_positive_quantity(kind: MovementKind, quantity: int) -> None:
    with pytest.raises(InvalidMovement, match="positive quantity"):
        move(kind, quantity).deltas()


def test_a_zero_adjustment_is_refused() -> None:
    with pytest.raises(InvalidMovement, match="must change"):
        move(K.ADJUSTMENT, 0).deltas()


def test_every_movement_kind_has_deltas() -> None:
    for kind in K:
        assert move(kind, 1).deltas() is not None


def test_receipt_then_reservation_then_shipment() -> None:
    after = apply_movement(position(), move(K.RECEIPT, 10))
    after = apply_movement(after, move(K.RESERVATION, 4))
    assert (after.on_hand, after.reserved, after.available) == (10, 4, 6)
    after = apply_movement(after, move(K.SHIPMENT, 4))
    assert (after.on_hand, after.reserved, after.available) == (6, 0, 6)


def test_reservation_of_exactly_the_available_quantity_is_allowed() -> None:
    after = apply_movement(position(10, 3, 2), move(K.RESERVATION, 5))
    assert (after.reserved, after.available) == (8, 0)


def test_reservation_beyond_available_raises_insufficient_stock_with_the_shortage() -> None:
    with pytest.raises(InsufficientStock) as raised:
        apply_movement(position(10, 3, 2), move(K.RESERVATION, 6))
    assert raised.value.shortages == [Shortage("SKU-1", 6, 5)]
    assert "SKU-1: requested 6, available 5" in str(raised.value)


def test_reservation_cannot_dip_into_safety_stock() -> None:
    with pytest.raises(InsufficientStock):
        apply_movement(position(10, 0, 8), move(K.RESERVATION, 3))


def test_shipment_beyond_reserved_is_an_invalid_movement() -> None:
    with pytest.raises(InvalidMovement, match="reserved -1"):
        apply_movement(position(10, 2), move(K.SHIPMENT, 3))


def test_release_beyond_reserved_is_an_invalid_movement() -> None:
    with pytest.raises(InvalidMovement):
        apply_movement(position(10, 2), move(K.RELEASE, 3))


def test_adjustment_below_reserved_is_an_invalid_movement() -> None:
    with pytest.raises(InvalidMovement, match="on hand 3 and reserved 4"):
        apply_movement(position(5, 4), move(K.ADJUSTMENT, -2))


def test_adjustment_down_to_exactly_reserved_is_allowed() -> None:
    assert apply_movement(position(5, 4), move(K.ADJUSTMENT, -1)).on_hand == 4


def test_apply_movement_does_not_change_the_position_it_was_given() -> None:
    before = position(5, 1)
    apply_movement(before, move(K.RECEIPT, 3))
    assert before == position(5, 1)


@given(
    on_hand=st.integers(0, 1000),
    reserved=st.integers(0, 1000),
    safety_stock=st.integers(0, 1000),
)
def test_available_is_never_negative(on_hand: int, reserved: int, safety_stock: int) -> None:
    p = position(on_hand, reserved, safety_stock)
    assert p.available >= 0
    assert p.available == max(0, on_hand - reserved - safety_stock)


@given(
    start=st.tuples(st.integers(0, 50), st.integers(0, 50), st.integers(0, 10)).filter(lambda t: t[1] <= t[0]),
    moves=st.lists(
        st.tuples(st.sampled_from(list(K)), st.integers(-20, 20).filter(lambda q: q != 0)), min_size=1, max_size=20
    ),
)
def test_any_accepted_sequence_of_movements_keeps_the_invariant(
    start: tuple[int, int, int], moves: list[tuple[MovementKind, int]]
) -> None:
    current = position(*start)
    for kind, quantity in moves:
        try:
            current = apply_movement(current, move(kind, quantity))
        except (InvalidMovement, InsufficientStock):
            continue
        assert 0 <= current.reserved <= current.on_hand
        assert current.available >= 0


def test_consistency_flags_broken_positions() -> None:
    assert position(5, 5).consistent
    assert not position(5, 6).consistent
    assert not position(5, -1).consistent
    assert not position(5, 0, -1).consistent


def test_total_available_sums_positions_and_ignores_oversold_ones() -> None:
    positions = {"L1": position(10, 2), "L2": position(3, 0, 5), "L3": position(4, 1)}
    assert total_available(positions) == 8 + 0 + 3


@pytest.mark.parametrize(("latitude", "longitude"), [(90.1, 0), (-91, 0), (0, 180.5), (0, -181)])
def test_location_coordinates_must_be_on_earth(latitude: float, longitude: float) -> None:
    with pytest.raises(ValueError):
        Location("L1", "Somewhere", latitude, longitude)
