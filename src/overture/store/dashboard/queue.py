"""The exception queue: open exceptions by filter, the filters' choices, and taking exceptions on."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, TypeVar

from sqlalchemy import Select, select, update

from overture.domain.exceptions import ExceptionStatus, ExceptionType
from overture.services.ports.dashboard import QueueFilter
from overture.store.dashboard.base import RECENT_ORDERS, DashboardReads, rows
from overture.store.tables import order_exceptions, orders

_Query = TypeVar("_Query", bound=Select[Any])


class QueueReads(DashboardReads):
    def queue(self, wanted: QueueFilter, now: datetime) -> list[dict[str, Any]]:
        x = order_exceptions
        query = (
            select(
                x.c.id,
                x.c.order_id,
                x.c.type,
                x.c.step,
                x.c.reason,
                x.c.severity,
                x.c.allowed_actions,
                x.c.created_at,
                x.c.assignee,
                orders.c.channel,
                orders.c.partner_id,
                orders.c.external_id,
            )
            .join(orders, orders.c.id == x.c.order_id)
            .where(x.c.status == ExceptionStatus.OPEN.value)
        )
        query = _filtered(query, wanted, now)
        # Oldest first: the one closest to (or furthest past) its SLA is at the top.
        query = query.order_by(x.c.created_at, x.c.id).limit(wanted.limit)
        with self._read() as uow:
            return rows(uow.connection.execute(query))

    def queue_choices(self) -> dict[str, list[str]]:
        """Filter options: channels, partners and assignees of the newest open exceptions."""
        x = order_exceptions
        query = (
            select(orders.c.channel, orders.c.partner_id, x.c.assignee)
            .join(orders, orders.c.id == x.c.order_id)
            .where(x.c.status == ExceptionStatus.OPEN.value)
            .order_by(x.c.created_at.desc())
            .limit(RECENT_ORDERS)
        )
        with self._read() as uow:
            found = uow.connection.execute(query).all()
        return {
            "types": [t.value for t in ExceptionType],
            "channels": sorted({r.channel for r in found}),
            "partners": sorted({r.partner_id for r in found if r.partner_id}),
            "assignees": sorted({r.assignee for r in found if r.assignee}),
        }

    def assign(self, exception_ids: list[str], actor: str | None) -> int:
        """Take open exceptions on (or give them back with None); the number changed."""
        with self._write() as uow:
            result = uow.connection.execute(
                update(order_exceptions)
                .where(order_exceptions.c.id.in_(exception_ids), order_exceptions.c.status == ExceptionStatus.OPEN)
                .values(assignee=actor)
            )
            uow.commit()
        return int(result.rowcount)


def _filtered(query: _Query, wanted: QueueFilter, now: datetime) -> _Query:
    """``query`` narrowed to the filter's type, channel, partner, assignee ("-": nobody) and age."""
    x = order_exceptions
    if wanted.type:
        query = query.where(x.c.type == wanted.type)
    if wanted.channel:
        query = query.where(orders.c.channel == wanted.channel)
    if wanted.partner:
        query = query.where(orders.c.partner_id == wanted.partner)
    if wanted.assignee == "-":
        query = query.where(x.c.assignee.is_(None))
    elif wanted.assignee:
        query = query.where(x.c.assignee == wanted.assignee)
    if wanted.older_than_hours is not None:
        query = query.where(x.c.created_at <= now - timedelta(hours=wanted.older_than_hours))
    return query
