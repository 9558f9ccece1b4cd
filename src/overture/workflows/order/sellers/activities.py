"""Activities of the sub-order workflow and of a marketplace order's split: all store work (local
activities), each safe to repeat (conditional updates, keyed postings, ids inserted once)."""

from __future__ import annotations

from dataclasses import dataclass

from temporalio import activity

from overture.domain.exceptions import ExceptionType, OrderException, default_actions, default_severity
from overture.services import fulfilment
from overture.services.marketplace import governance, seller_orders, split
from overture.services.ports import Clock, UnitOfWork, UnitOfWorkFactory
from overture.services.retry import read_only
from overture.workflows.order.sellers.shared import LateArgs, SubOrderState

LATE = ExceptionType.SELLER_VIOLATION


@dataclass
class MarketplaceActivities:
    uow_factory: UnitOfWorkFactory
    clock: Clock

    @activity.defn
    def is_marketplace(self, order_id: str) -> bool:
        return split.is_marketplace_order(self.uow_factory, order_id)

    @activity.defn
    def split_order(self, order_id: str) -> list[str]:
        return split.split_order(self.uow_factory, order_id, clock=self.clock)

    @activity.defn
    def sub_order_state(self, sub_order_id: str) -> SubOrderState:
        return read_only(self.uow_factory, lambda uow: _state(uow, sub_order_id))

    @activity.defn
    def alert_seller(self, sub_order_id: str) -> bool:
        return seller_orders.mark_alerted(self.uow_factory, sub_order_id, clock=self.clock)

    @activity.defn
    def auto_refuse(self, sub_order_id: str) -> list[str]:
        return seller_orders.auto_refuse(self.uow_factory, sub_order_id, clock=self.clock).rerouted_to

    @activity.defn
    def raise_late(self, args: LateArgs) -> None:
        """The sub-order was not shipped by its ship-by: an exception on the order (it does not hold it)."""
        sub = read_only(self.uow_factory, lambda uow: uow.marketplace.sub_order(args.sub_order_id))
        assert sub is not None and sub.ship_by is not None
        reason = f"{sub.id}: seller {sub.seller_id} has not shipped by {sub.ship_by:%Y-%m-%d %H:%M} UTC"
        exception = OrderException(
            id=args.exception_id,
            order_id=sub.order_id,
            type=LATE,
            step="seller_ship",
            reason=reason,
            severity=default_severity(LATE),
            allowed_actions=default_actions(LATE),
            details={"sub_order_id": sub.id, "seller_id": sub.seller_id, "kind": "late_shipment"},
            created_at=self.clock(),
        )
        fulfilment.open_exception(self.uow_factory, exception, hold=False, clock=self.clock)

    @activity.defn
    def close_late(self, args: LateArgs) -> None:
        fulfilment.resolve_exception(
            self.uow_factory,
            args.exception_id,
            action="override",
            actor="system",
            note_text="the seller shipped (late)",
            clock=self.clock,
        )

    @activity.defn
    def cancel_sub_orders(self, order_id: str) -> list[str]:
        """Take back every sub-order of a cancelled order, unless a seller shipped (those are named)."""
        return split.cancel_sub_orders(self.uow_factory, order_id, clock=self.clock)

    @activity.defn
    def review_seller(self, seller_id: str) -> float:
        return governance.review(self.uow_factory, seller_id, clock=self.clock).score


def _state(uow: UnitOfWork, sub_order_id: str) -> SubOrderState:
    sub = uow.marketplace.sub_order(sub_order_id)
    if sub is None:
        raise LookupError(f"no sub-order {sub_order_id!r}")
    rerouted = [s.id for s in uow.marketplace.sub_orders_of(sub.order_id) if s.rerouted_from == sub.id]
    return SubOrderState(
        sub.id,
        sub.order_id,
        sub.seller_id,
        sub.status.value,
        sub.alert_at.isoformat(),
        sub.accept_by.isoformat(),
        sub.alerted_at is not None,
        sub.ship_by.isoformat() if sub.ship_by else "",
        rerouted_to=rerouted,
    )
