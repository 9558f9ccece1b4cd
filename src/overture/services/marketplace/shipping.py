"""A seller's shipment of its sub-order: recorded as any shipment of the order (its stock leaves the
seller's location, the lines are shipped, the tracking number becomes a reference), checked against the
sub-order's ship-by and the carrier's tracking number shape, and credited to the seller's ledger."""

from __future__ import annotations

from dataclasses import dataclass

from overture.domain.marketplace.sub_orders import LineState, SubOrder, SubOrderStatus, tracking_is_valid
from overture.domain.statuses import LineStatus
from overture.services.errors import ErrorCode, InvalidRequest
from overture.services.marketplace.seller_ledger import post_shipped
from overture.services.marketplace.seller_orders import SubOrderRefused, own
from overture.services.plans import ShipmentRecord
from overture.services.ports import Clock, UnitOfWork, UnitOfWorkFactory
from overture.services.retry import in_transaction


@dataclass(frozen=True, slots=True)
class Shipped:
    sub_order: SubOrder
    recorded: bool  # False: this shipment was recorded before (a repeated call)
    late: bool
    tracking_valid: bool


def ship(
    uow_factory: UnitOfWorkFactory,
    sub_order_id: str,
    *,
    seller_id: str | None,
    carrier: str,
    tracking_number: str,
    actor: str,
    clock: Clock,
) -> Shipped:
    if not carrier.strip():
        raise InvalidRequest("carrier", "name the carrier", ErrorCode.REQUIRED)
    if not tracking_number.strip():
        raise InvalidRequest("tracking_number", "a shipment needs its tracking number", ErrorCode.REQUIRED)

    def work(uow: UnitOfWork) -> Shipped:
        sub = own(uow, sub_order_id, seller_id)
        if sub.status is SubOrderStatus.SHIPPED:
            return Shipped(sub, False, sub.late, bool(sub.tracking_valid))
        if sub.status is not SubOrderStatus.ACCEPTED:
            raise SubOrderRefused(f"{sub.id} is {sub.status}: answer every line (and accept some) before shipping")
        return _record(uow, sub, carrier.strip(), tracking_number.strip(), actor, clock)

    return in_transaction(uow_factory, work)


def _record(uow: UnitOfWork, sub: SubOrder, carrier: str, tracking: str, actor: str, clock: Clock) -> Shipped:
    at = clock()
    lines = [x for x in uow.marketplace.lines_of_sub_order(sub.id) if x.status is LineState.ACCEPTED]
    record = ShipmentRecord(
        f"{sub.id}:1",
        sub.order_id,
        sub.location_id,
        carrier,
        tracking,
        at,
        [{"line_no": x.line_no, "sku": x.sku, "quantity": x.quantity} for x in lines],
    )
    if not uow.fulfilment.add_shipment(record, None, at):
        return Shipped(sub, False, sub.late, bool(sub.tracking_valid))
    uow.inventory.settle_reservations(
        sub.order_id,
        shipped=True,
        at=at,
        reason=f"shipment {record.shipment_id}",
        location_id=sub.location_id,
        line_nos={x.line_no for x in lines},
    )
    for line in lines:
        uow.marketplace.update_line(line.id, status=LineState.SHIPPED)
        uow.marketplace.set_order_line_status(sub.order_id, line.line_no, LineStatus.SHIPPED.value)
    late = sub.ship_by is not None and at > sub.ship_by
    valid = tracking_is_valid(carrier, tracking)
    uow.marketplace.update_sub_order(
        sub.id,
        at,
        status=SubOrderStatus.SHIPPED,
        shipped_at=at,
        late=late,
        carrier=carrier[:64],
        tracking_number=tracking[:64],
        tracking_valid=valid,
    )
    uow.fulfilment.add_reference(sub.order_id, "carrier", "tracking_number", tracking, at)
    when = "late, after its ship-by" if late else "on time"
    uow.fulfilment.add_note(sub.order_id, f"{sub.id} shipped by {carrier}, tracking {tracking} ({when}; {actor})", at)
    post_shipped(uow, sub, lines, at)
    shipped = uow.marketplace.sub_order(sub.id)
    assert shipped is not None
    return Shipped(shipped, True, late, valid)
