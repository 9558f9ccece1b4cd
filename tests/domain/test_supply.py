"""Backorder allocation and promise dates (domain/supply): priority then age, partial fills accumulate,
promises follow cumulative supply, and a line no supply completes gets none."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from overture.domain.supply import (
    Backorder,
    InboundSupply,
    InvalidSupply,
    SupplyKind,
    SupplyStatus,
    fill,
    promise,
    queue,
)

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def bo(order_id: str, owed: int, *, priority: int = 1, hours: float = 0, sku: str = "A", line_no: int = 1) -> Backorder:
    return Backorder(order_id, line_no, sku, owed, priority, T0 + timedelta(hours=hours))


def po(
    supply_id: str,
    quantity: int,
    days: int,
    *,
    sku: str = "A",
    received: int = 0,
    status: SupplyStatus = SupplyStatus.OPEN,
) -> InboundSupply:
    return InboundSupply(
        supply_id,
        SupplyKind.PURCHASE_ORDER,
        f"PO-{supply_id}",
        sku,
        "EWR",
        quantity,
        T0 + timedelta(days=days),
        T0,
        received=received,
        status=status,
    )


def test_queue_serves_highest_priority_first_then_the_oldest() -> None:
    orders = [bo("new-low", 1, hours=5), bo("old-low", 1, hours=0), bo("new-high", 1, priority=3, hours=9)]
    assert [b.order_id for b in queue(orders)] == ["new-high", "old-low", "new-low"]


def test_fill_gives_each_line_what_it_owes_in_queue_order_until_the_units_run_out() -> None:
    orders = [bo("young", 2, hours=2), bo("old", 3, hours=1), bo("vip", 2, priority=2, hours=3)]
    fills = fill(orders, 4)
    assert [(f.backorder.order_id, f.quantity, f.completes) for f in fills] == [("vip", 2, True), ("old", 2, False)]


def test_a_partly_filled_older_line_keeps_its_place_and_accumulates() -> None:
    old, young = bo("old", 5, hours=0), bo("young", 1, hours=1)
    first = fill([old, young], 3)
    assert [(f.backorder.order_id, f.quantity) for f in first] == [("old", 3)]
    # The old line now owes 2: the next receipt goes to it before the younger one.
    second = fill([Backorder("old", 1, "A", 2, 1, old.ordered_at), young], 2)
    assert [(f.backorder.order_id, f.quantity, f.completes) for f in second] == [("old", 2, True)]


def test_promise_dates_come_from_cumulative_supply_in_queue_order() -> None:
    waiting = [bo("a", 3, hours=0), bo("b", 3, hours=1), bo("c", 4, hours=2), bo("vip", 1, priority=5, hours=3)]
    supply = [po("late", 10, days=10), po("soon", 5, days=3)]  # out of order on purpose
    promises = promise(waiting, supply)
    by_order = {key[0]: p for key, p in promises.items()}
    # vip 1 + a 3 = 4 of the 5 due in 3 days; b needs 3 more: 1 left of "soon", 2 of "late".
    assert by_order["vip"].at == T0 + timedelta(days=3)
    assert by_order["a"].at == T0 + timedelta(days=3)
    assert by_order["b"].at == T0 + timedelta(days=10)
    assert by_order["b"].supply is not None and by_order["b"].supply.reference == "PO-late"
    assert by_order["c"].at == T0 + timedelta(days=10)


def test_a_line_no_supply_completes_gets_no_promise() -> None:
    waiting = [bo("a", 4, hours=0), bo("b", 2, hours=1), bo("other-sku", 1, sku="B")]
    promises = promise(waiting, [po("p1", 5, days=3)])
    assert promises[("a", 1)].at == T0 + timedelta(days=3)
    assert promises[("b", 1)].at is None  # 1 unit left for its 2
    assert promises[("b", 1)].supply is None
    assert promises[("other-sku", 1)].at is None


def test_received_and_cancelled_supply_promise_nothing_and_part_receipts_count_what_is_left() -> None:
    supply = [
        po("done", 9, days=1, status=SupplyStatus.RECEIVED),
        po("dropped", 9, days=1, status=SupplyStatus.CANCELLED),
        po("part", 5, days=2, received=3),
    ]
    promises = promise([bo("a", 2), bo("b", 1, hours=1)], supply)
    assert promises[("a", 1)].at == T0 + timedelta(days=2)
    assert promises[("b", 1)].at is None


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"quantity": 0}, "quantity"),
        ({"expected_at": datetime(2026, 3, 5)}, "expected_at"),  # naive on purpose
        ({"kind": SupplyKind.TRANSFER}, "from_location_id"),
        ({"kind": SupplyKind.TRANSFER, "from_location_id": "EWR"}, "from_location_id"),
        ({"from_location_id": "ATL"}, "from_location_id"),
    ],
)
def test_a_bad_supply_line_names_the_field(changes: dict[str, object], field: str) -> None:
    values: dict[str, object] = {
        "id": "s",
        "kind": SupplyKind.PURCHASE_ORDER,
        "reference": "PO-1",
        "sku": "A",
        "location_id": "EWR",
        "quantity": 5,
        "expected_at": T0,
        "created_at": T0,
    }
    with pytest.raises(InvalidSupply) as raised:
        InboundSupply(**(values | changes))  # type: ignore[arg-type]
    assert raised.value.field == field
