"""The audit's reads (services/audit.py): each returns only the rows whose two records disagree.

Sums are grouped in the database, so a store of a million positions is checked in three scans
and nothing but the disagreements crosses the wire."""

from __future__ import annotations

from sqlalchemy import ColumnElement, Connection, Subquery, and_, func, not_, or_, select

from overture.domain.inventory import ReservationStatus
from overture.domain.statuses import LineStatus, OrderStatus
from overture.services.ports.audit import HeldStock, PositionBooks, UnshippedLine
from overture.store.tables import inventory_movements, inventory_positions, order_lines, orders, reservations, shipments

P, M, R = inventory_positions, inventory_movements, reservations
CLOSED = (OrderStatus.COMPLETED.value, OrderStatus.CANCELLED.value)
_ACTIVE = ReservationStatus.ACTIVE.value

_LEDGER = (
    select(
        M.c.sku,
        M.c.location_id,
        func.sum(M.c.on_hand_delta).label("on_hand"),
        func.sum(M.c.reserved_delta).label("reserved"),
    )
    .group_by(M.c.sku, M.c.location_id)
    .subquery()
)
_HELD = (
    select(R.c.sku, R.c.location_id, func.sum(R.c.quantity).label("quantity"))
    .where(R.c.status == _ACTIVE)
    .group_by(R.c.sku, R.c.location_id)
    .subquery()
)


def _at(sub: Subquery) -> ColumnElement[bool]:
    return and_(sub.c.sku == P.c.sku, sub.c.location_id == P.c.location_id)


_LEDGER_ON_HAND = func.coalesce(_LEDGER.c.on_hand, 0)
_LEDGER_RESERVED = func.coalesce(_LEDGER.c.reserved, 0)
_ACTIVE_RESERVED = func.coalesce(_HELD.c.quantity, 0)
POSITION_BOOKS = (
    select(P.c.sku, P.c.location_id, P.c.on_hand, P.c.reserved, _LEDGER_ON_HAND, _LEDGER_RESERVED, _ACTIVE_RESERVED)
    .select_from(P.outerjoin(_LEDGER, _at(_LEDGER)).outerjoin(_HELD, _at(_HELD)))
    .where(or_(P.c.on_hand != _LEDGER_ON_HAND, P.c.reserved != _LEDGER_RESERVED, P.c.reserved != _ACTIVE_RESERVED))
    .order_by(P.c.sku, P.c.location_id)
)
CLOSED_HOLDING = (
    select(orders.c.id, orders.c.status, R.c.id, R.c.sku, R.c.location_id, R.c.quantity)
    .join(R, R.c.order_id == orders.c.id)
    .where(orders.c.status.in_(CLOSED), R.c.status == _ACTIVE)
    .order_by(orders.c.id, R.c.id)
)
_SHIPMENT_FROM = select(shipments.c.id).where(
    shipments.c.order_id == R.c.order_id, shipments.c.location_id == R.c.location_id
)
# A reservation settled as shipped from a location that never sent a shipment for the order.
SHIPPED_RESERVATIONS = (
    select(R.c.order_id, R.c.line_no, R.c.sku, R.c.location_id)
    .where(R.c.status == ReservationStatus.SHIPPED.value, not_(_SHIPMENT_FROM.exists()))
    .order_by(R.c.order_id, R.c.line_no, R.c.location_id)
)
# A line marked shipped although its order has no shipment at all.
SHIPPED_LINES = (
    select(order_lines.c.order_id, order_lines.c.line_no, order_lines.c.sku)
    .where(
        order_lines.c.status == LineStatus.SHIPPED.value,
        not_(select(shipments.c.id).where(shipments.c.order_id == order_lines.c.order_id).exists()),
    )
    .order_by(order_lines.c.order_id, order_lines.c.line_no)
)


class SqlConsistencyReader:
    def __init__(self, connection: Connection) -> None:
        self._c = connection

    def position_books(self) -> list[PositionBooks]:
        return [PositionBooks(*row) for row in self._c.execute(POSITION_BOOKS)]

    def closed_orders_holding_stock(self) -> list[HeldStock]:
        return [HeldStock(*row) for row in self._c.execute(CLOSED_HOLDING)]

    def shipped_without_shipment(self) -> list[UnshippedLine]:
        found = [UnshippedLine(*row) for row in self._c.execute(SHIPPED_RESERVATIONS)]
        flagged = {(u.order_id, u.line_no) for u in found}
        for order_id, line_no, sku in self._c.execute(SHIPPED_LINES):
            if (order_id, line_no) not in flagged:
                found.append(UnshippedLine(order_id, line_no, sku, None))
        return found
