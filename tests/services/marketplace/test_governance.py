"""Governance, on SQLite and PostgreSQL: a seller that ships late past the limit is warned, then
suspended, and its offers stop winning the buy box (the decision says why); an operator's override
restores it, the case and the change log keeping who and why, and a grace period keeps the same history
from suspending it again at once."""

from __future__ import annotations

from datetime import timedelta

from overture.bootstrap import Container
from overture.domain.marketplace.sellers import SellerStatus
from overture.services.marketplace import governance, seller_orders, shipping, split
from overture.services.retry import read_only
from tests.services.marketplace.builders import Clock, approved_seller, capture, offer


def _winner(container: Container, order_id: str) -> str:
    lines = read_only(container.uow, lambda uow: uow.marketplace.lines_of_order(order_id))
    return lines[0].seller_id


def _sell_and_ship_late(container: Container, late_by: timedelta) -> str:
    order_id = capture(container, ("DRILL", 1, "50.00"))
    (sub_order_id,) = split.split_order(container.uow, order_id, clock=container.clock)
    seller = _winner(container, order_id)
    seller_orders.accept(container.uow, sub_order_id, seller_id=seller, actor=seller, clock=container.clock)
    later = Clock(container.clock() + timedelta(days=2) + late_by)  # the offer ships in 2 days
    done = shipping.ship(
        container.uow,
        sub_order_id,
        seller_id=seller,
        carrier="UPS",
        tracking_number="1Z999AA10123456784",
        actor=seller,
        clock=later,
    )
    assert done.late is (late_by > timedelta(0))
    return seller


def test_a_late_shipper_is_warned_then_suspended_and_an_override_restores_it(container: Container) -> None:
    approved_seller(container, "fast")
    approved_seller(container, "steady")
    offer(container, "fast", "DRILL", "48.00", 100, lead_time_days=2)
    offer(container, "steady", "DRILL", "50.00", 100, lead_time_days=2)
    for _ in range(10):
        assert _sell_and_ship_late(container, timedelta(days=1)) == "fast"
    first = governance.review(container.uow, "fast", clock=container.clock)
    assert first.warned == ["late_shipment_rate"] and not first.suspended
    (warning,) = read_only(container.uow, lambda uow: uow.marketplace.cases(seller_id="fast"))
    assert warning.type == governance.WARNING and "late_shipment_rate 100.00% (limit < 4.00%" in warning.reason
    assert _sell_and_ship_late(container, timedelta(days=1)) == "fast"  # warned, still selling
    second = governance.review(container.uow, "fast", clock=container.clock)
    assert second.suspended
    fast = read_only(container.uow, lambda uow: uow.marketplace.seller("fast"))
    assert fast is not None and fast.status is SellerStatus.SUSPENDED

    order_id = capture(container, ("DRILL", 1, "50.00"))
    assert _winner(container, order_id) == "steady"
    decision = next(d for d in container.views.order(order_id)["decisions"] if d["outcome"] == "buy_box")  # type: ignore[index]
    ruled_out = {c["seller_id"]: c["reason"] for c in decision["inputs"]["buy_box"][0]["candidates"]}
    assert ruled_out["fast"] == "seller suspended"

    cases = read_only(container.uow, lambda uow: uow.marketplace.cases(seller_id="fast", kind=governance.SUSPENSION))
    restored = governance.resolve_case(
        container.uow,
        cases[0].id,
        action="override",
        actor="olga (operator)",
        note="carrier strike in their region, agreed by phone",
        clock=container.clock,
    )
    assert restored.resolved_by == "olga (operator)" and restored.resolution == "override"
    fast = read_only(container.uow, lambda uow: uow.marketplace.seller("fast"))
    assert fast is not None and fast.status is SellerStatus.APPROVED and fast.grace_until is not None
    log = [c for c in read_only(container.uow, lambda uow: uow.changes.recent(subject="seller:fast"))]
    assert any("carrier strike" in str(c) and "olga" in str(c) for c in log)
    assert not governance.review(container.uow, "fast", clock=container.clock).suspended  # the grace period
    assert _winner(container, capture(container, ("DRILL", 1, "50.00"))) == "fast"
