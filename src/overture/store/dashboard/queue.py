"""The exception queue: open exceptions by filter, a page at a time by (created_at, id), how many match,
the filters' choices, taking exceptions on, and an order's state after a decision."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, Select, and_, func, or_, select, update

from overture.domain.exceptions import ExceptionStatus, ExceptionType
from overture.domain.statuses import OrderStatus
from overture.services.ports.dashboard import Cursor, QueueFilter
from overture.store.dashboard.base import RECENT_ORDERS, DashboardReads, rows
from overture.store.tables import order_events, order_exceptions, orders

_Query = TypeVar("_Query", bound=Select[Any])


class QueueReads(DashboardReads):
    def queue(self, wanted: QueueFilter, now: datetime) -> list[dict[str, Any]]:
        """One page of the open exceptions the filter matches."""
        x = order_exceptions
        query = _entries().where(x.c.status == ExceptionStatus.OPEN.value)
        query = _filtered(query, wanted, now)
        # Oldest first: the one closest to (or furthest past) its SLA is at the top. A previous page
        # is read backwards from its cursor and turned round.
        if wanted.before is not None:
            query = query.where(_before(wanted.before)).order_by(x.c.created_at.desc(), x.c.id.desc())
        else:
            if wanted.after is not None:
                query = query.where(_after(wanted.after))
            query = query.order_by(x.c.created_at, x.c.id)
        with self._read() as uow:
            found = rows(uow.connection.execute(query.limit(wanted.limit)))
        return found[::-1] if wanted.before is not None else found

    def queue_entries(self, exception_ids: list[str]) -> list[dict[str, Any]]:
        """These exceptions as queue rows, open or not (a row shown again after a decision)."""
        x = order_exceptions
        query = _entries().where(x.c.id.in_(exception_ids)).order_by(x.c.created_at, x.c.id)
        with self._read() as uow:
            return rows(uow.connection.execute(query))

    def queue_count(self, wanted: QueueFilter, now: datetime, *, before: Cursor | None = None) -> int:
        """How many open exceptions match the filter (all pages); with ``before``, how many come before it."""
        x = order_exceptions
        query = select(func.count()).select_from(x.join(orders, orders.c.id == x.c.order_id))
        query = _filtered(query.where(x.c.status == ExceptionStatus.OPEN.value), wanted, now)
        if before is not None:
            query = query.where(_before(before))
        with self._read() as uow:
            return int(uow.connection.scalar(query) or 0)

    def order_state(self, order_id: str) -> dict[str, Any]:
        """The order's status, its exceptions (oldest first) with their status and resolution, and the
        locations of its latest release: what a decision on it led to."""
        x = order_exceptions
        with self._read() as uow:
            c = uow.connection
            status = c.scalar(select(orders.c.status).where(orders.c.id == order_id))
            exceptions = rows(
                c.execute(
                    select(x.c.id, x.c.type, x.c.step, x.c.reason, x.c.status, x.c.resolution, x.c.created_at)
                    .where(x.c.order_id == order_id)
                    .order_by(x.c.created_at, x.c.id)
                )
            )
            # Where the order went: the workflow writes it on the release ("released to EWR1 (placement 2)").
            note = c.scalar(
                select(order_events.c.note)
                .where(
                    order_events.c.order_id == order_id,
                    order_events.c.to_status == OrderStatus.RELEASED.value,
                    order_events.c.kind == "status",  # not a note made while released ("EWR shipped by UPS")
                )
                .order_by(order_events.c.at.desc(), order_events.c.id.desc())
                .limit(1)
            )
        where = str(note or "").removeprefix("released to ").split(" (", 1)[0]
        locations = [loc.strip() for loc in where.split(",") if loc.strip()] if note else []
        return {"status": status, "exceptions": exceptions, "locations": locations}

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


def _entries() -> Select[Any]:
    """What a row of the queue shows of an exception and its order."""
    x = order_exceptions
    return select(
        x.c.id,
        x.c.order_id,
        x.c.type,
        x.c.step,
        x.c.reason,
        x.c.severity,
        x.c.allowed_actions,
        x.c.created_at,
        x.c.assignee,
        x.c.status,
        x.c.resolution,
        x.c.resolved_by,
        orders.c.channel,
        orders.c.partner_id,
        orders.c.external_id,
    ).join(orders, orders.c.id == x.c.order_id)


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
    if wanted.younger_than_hours is not None:
        query = query.where(x.c.created_at > now - timedelta(hours=wanted.younger_than_hours))
    return query


def _after(cursor: Cursor) -> ColumnElement[bool]:
    # Written out rather than as a row value, which each database plans its own way.
    at, exception_id = cursor
    x = order_exceptions
    return or_(x.c.created_at > at, and_(x.c.created_at == at, x.c.id > exception_id))


def _before(cursor: Cursor) -> ColumnElement[bool]:
    at, exception_id = cursor
    x = order_exceptions
    return or_(x.c.created_at < at, and_(x.c.created_at == at, x.c.id < exception_id))
