"""Inbound supply lines and the backordered order lines waiting for them.

Receiving a supply line and taking units off a backordered line are each one conditional UPDATE
whose row count is checked, so two receipts running at once can neither receive a closed line nor
give one order line more than it owes.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, and_, case, select, update

from overture.domain.statuses import OrderStatus
from overture.domain.supply import Backorder, InboundSupply, SupplyKind, SupplyStatus
from overture.store.tables import inbound_supply, order_lines, orders, skus

I = inbound_supply  # noqa: E741
L = order_lines


def _supply(row: Any) -> InboundSupply:
    return InboundSupply(
        id=row.id,
        kind=SupplyKind(row.kind),
        reference=row.reference,
        sku=row.sku,
        location_id=row.location_id,
        quantity=row.quantity,
        expected_at=row.expected_at,
        created_at=row.created_at,
        received=row.received,
        status=SupplyStatus(row.status),
        from_location_id=row.from_location_id,
    )


class SqlSupplyRepository:
    def __init__(self, connection: Connection) -> None:
        self._c = connection

    def add(self, items: Sequence[InboundSupply], at: datetime) -> None:
        rows = [
            {
                "id": s.id,
                "kind": s.kind.value,
                "reference": s.reference,
                "sku": s.sku,
                "location_id": s.location_id,
                "from_location_id": s.from_location_id,
                "quantity": s.quantity,
                "received": s.received,
                "expected_at": s.expected_at,
                "status": s.status.value,
                "created_at": s.created_at,
                "updated_at": at,
            }
            for s in items
        ]
        if rows:
            self._c.execute(I.insert(), rows)

    def get(self, supply_id: str) -> InboundSupply | None:
        row = self._c.execute(select(I).where(I.c.id == supply_id)).first()
        return None if row is None else _supply(row)

    def listing(self, *, sku: str | None = None, status: SupplyStatus | None = None) -> list[InboundSupply]:
        query = select(I).order_by(I.c.expected_at, I.c.id)
        if sku is not None:
            query = query.where(I.c.sku == sku)
        if status is not None:
            query = query.where(I.c.status == status.value)
        return [_supply(row) for row in self._c.execute(query)]

    def open_for(self, wanted: Collection[str]) -> list[InboundSupply]:
        query = (
            select(I)
            .where(I.c.sku.in_(sorted(wanted)), I.c.status == SupplyStatus.OPEN.value)
            .order_by(I.c.expected_at, I.c.id)
        )
        return [_supply(row) for row in self._c.execute(query)]

    def record_receipt(self, supply_id: str, quantity: int, at: datetime) -> InboundSupply | None:
        """Add ``quantity`` to what the open line received, closing it once all has come; None if not open."""
        received = I.c.received + quantity
        row = self._c.execute(
            update(I)
            .where(I.c.id == supply_id, I.c.status == SupplyStatus.OPEN.value)
            .values(
                received=received,
                status=case((received >= I.c.quantity, SupplyStatus.RECEIVED.value), else_=SupplyStatus.OPEN.value),
                updated_at=at,
            )
            .returning(I)
        ).first()
        return None if row is None else _supply(row)

    def change_open(
        self,
        supply_id: str,
        at: datetime,
        *,
        expected_at: datetime | None = None,
        quantity: int | None = None,
        cancel: bool = False,
    ) -> InboundSupply | None:
        """Move, resize or cancel an open line; None if it is not open or would end below what came."""
        values: dict[str, Any] = {"updated_at": at}
        where = [I.c.id == supply_id, I.c.status == SupplyStatus.OPEN.value]
        if expected_at is not None:
            values["expected_at"] = expected_at
        if quantity is not None:
            values["quantity"] = quantity
            where.append(I.c.received <= quantity)
        if cancel:
            values["status"] = SupplyStatus.CANCELLED.value
        row = self._c.execute(update(I).where(*where).values(**values).returning(I)).first()
        return None if row is None else _supply(row)

    def backorders(self, wanted: Collection[str], *, excluding: str | None = None) -> list[Backorder]:
        """Lines of backordered orders still owed units of these SKUs."""
        query = (
            select(
                L.c.order_id,
                L.c.line_no,
                L.c.sku,
                L.c.backordered,
                orders.c.priority,
                orders.c.created_at,
                L.c.promised_at,
            )
            .join(orders, orders.c.id == L.c.order_id)
            .where(
                orders.c.status == OrderStatus.BACKORDERED.value,
                L.c.sku.in_(sorted(wanted)),
                L.c.backordered > 0,
            )
            .order_by(L.c.order_id, L.c.line_no)
        )
        if excluding is not None:
            query = query.where(orders.c.id != excluding)
        return [
            Backorder(r.order_id, r.line_no, r.sku, r.backordered, r.priority, r.created_at, r.promised_at)
            for r in self._c.execute(query)
        ]

    def take_backordered(self, order_id: str, line_no: int, quantity: int) -> bool:
        """Take ``quantity`` off what the line is owed, if it is still owed that much."""
        result = self._c.execute(
            update(L)
            .where(and_(L.c.order_id == order_id, L.c.line_no == line_no, L.c.backordered >= quantity))
            .values(backordered=L.c.backordered - quantity)
        )
        return result.rowcount == 1

    def set_promises(self, promises: Sequence[tuple[str, int, datetime | None]]) -> None:
        for order_id, line_no, at in promises:
            self._c.execute(update(L).where(L.c.order_id == order_id, L.c.line_no == line_no).values(promised_at=at))

    def serialized(self, wanted: Collection[str]) -> set[str]:
        query = select(skus.c.sku).where(skus.c.sku.in_(sorted(wanted)), skus.c.serialized.is_(True))
        return set(self._c.scalars(query))
