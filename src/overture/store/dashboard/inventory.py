"""The inventory page of one SKU: reservations, backorders, inbound supply, what channels were sent."""

from __future__ import annotations

from typing import Any

from sqlalchemy import literal_column, select

from overture.domain.statuses import OrderStatus
from overture.domain.supply import SupplyStatus
from overture.store.dashboard.base import DashboardReads, rows
from overture.store.tables import availability_published, inbound_supply, order_lines, orders, reservations


class InventoryReads(DashboardReads):
    def open_reservations(self, sku: str, limit: int = 100) -> list[dict[str, Any]]:
        r = reservations
        query = (
            select(r.c.id, r.c.order_id, r.c.line_no, r.c.location_id, r.c.quantity, r.c.status, r.c.created_at)
            .where(r.c.sku == sku, r.c.status == "active")
            .order_by(r.c.created_at.desc())
            .limit(limit)
        )
        with self._read() as uow:
            return rows(uow.connection.execute(query))

    def backorders(self, sku: str, limit: int = 100) -> list[dict[str, Any]]:
        """Lines of the SKU still owed units, in the order receipts fill them (priority, then age)."""
        with self._read() as uow:
            return rows(uow.connection.execute(backorders_query(sku, limit)))

    def open_supply(self, sku: str, limit: int = 100) -> list[dict[str, Any]]:
        """Purchase-order lines and transfers of the SKU still expected, soonest first."""
        i = inbound_supply
        query = (
            select(
                i.c.id,
                i.c.kind,
                i.c.reference,
                i.c.location_id,
                i.c.expected_at,
                i.c.quantity,
                (i.c.quantity - i.c.received).label("outstanding"),
            )
            .where(i.c.sku == sku, i.c.status == SupplyStatus.OPEN.value)
            .order_by(i.c.expected_at, i.c.id)
            .limit(limit)
        )
        with self._read() as uow:
            return rows(uow.connection.execute(query))

    def channel_availability(self, sku: str) -> list[dict[str, Any]]:
        """What each channel was last sent for the SKU."""
        ap = availability_published
        query = select(ap.c.channel, ap.c.available, ap.c.published_at).where(ap.c.sku == sku).order_by(ap.c.channel)
        with self._read() as uow:
            return rows(uow.connection.execute(query))


def backorders_query(sku: str, limit: int = 100) -> Any:
    """The open backordered lines of a SKU, through the partial index ix_order_lines_sku."""
    L = order_lines  # noqa: N806
    return (
        select(L.c.order_id, L.c.line_no, L.c.backordered, L.c.promised_at, orders.c.priority, orders.c.created_at)
        .join(orders, orders.c.id == L.c.order_id)
        # ``backordered > 0`` as in the index, with the 0 written out rather than bound: psycopg prepares a
        # statement run five times, and PostgreSQL's generic plan can prove the index's condition only from a literal.
        .where(L.c.sku == sku, L.c.backordered > literal_column("0"), orders.c.status == OrderStatus.BACKORDERED.value)
        .order_by(orders.c.priority.desc(), orders.c.created_at, L.c.order_id, L.c.line_no)
        .limit(limit)
    )
