"""The orders list: filtered, paged by order id, counted, and exported, at millions of orders.

Each filter is one indexed condition: status, channel and partner use (column, id) indexes, so a page
of the newest orders walks the index backwards and stops after ``limit`` rows; a location goes
through reservations (location_id, order_id), an exception type through the open exceptions'
(status, type, id), the age through created_at, and text through the trigram search index
(store/search.py). The count stops at ``COUNT_CAP`` + 1.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Connection, Select, and_, false, func, or_, select

from overture.domain.exceptions import ExceptionStatus, ExceptionType
from overture.domain.statuses import OrderStatus
from overture.services.ports.order_list import AT_RISK_SHARE, COUNT_CAP, OrderFilter, OrderPage
from overture.store.dashboard.base import RECENT_ORDERS, DashboardReads
from overture.store.search import matching_order_ids
from overture.store.tables import locations, order_exceptions, orders, reservations, trading_partners

EXPORT_BATCH = 1000
_COLUMNS = (
    orders.c.id,
    orders.c.created_at,
    orders.c.updated_at,
    orders.c.channel,
    orders.c.external_id,
    orders.c.status,
    orders.c.partner_id,
    orders.c.customer,
    orders.c.ship_to,
    orders.c.total,
    orders.c.currency,
)


class OrderListReads(DashboardReads):
    def order_list(self, wanted: OrderFilter, now: datetime) -> OrderPage:
        with self._read() as uow:
            c = uow.connection
            conditions = _conditions(c, wanted, now)
            page_rows, next_after, previous_before = _page(c, conditions, wanted)
            count = c.scalar(select(func.count()).select_from(_matching(conditions).limit(COUNT_CAP + 1).subquery()))
            _with_open_exceptions(c, page_rows)
            return OrderPage(page_rows, int(count or 0), next_after, previous_before, _by_status(c))

    def order_choices(self) -> dict[str, list[str]]:
        """The filters' options: every status, location and partner; the channels of the newest orders."""
        with self._read() as uow:
            c = uow.connection
            recent = select(orders.c.channel).order_by(orders.c.id.desc()).limit(RECENT_ORDERS).subquery()
            return {
                "statuses": [s.value for s in OrderStatus],
                "channels": sorted(set(c.scalars(select(recent.c.channel)))),
                "locations": list(c.scalars(select(locations.c.id).order_by(locations.c.id))),
                "partners": list(c.scalars(select(trading_partners.c.id).order_by(trading_partners.c.id))),
            }

    def order_export(self, wanted: OrderFilter, now: datetime) -> Iterator[dict[str, Any]]:
        """Every matching order, in the list's order, read a batch at a time (never all at once)."""
        after = wanted.after
        while True:
            batch = OrderFilter(**{**wanted.as_dict(), "after": after, "before": None, "limit": EXPORT_BATCH})
            with self._read() as uow:
                rows, after, _ = _page(uow.connection, _conditions(uow.connection, batch, now), batch)
                _with_open_exceptions(uow.connection, rows)
            yield from rows
            if after is None:
                return


def _matching(conditions: list[ColumnElement[bool]]) -> Select[Any]:
    return select(orders.c.id).where(*conditions)


def _conditions(c: Connection, wanted: OrderFilter, now: datetime) -> list[ColumnElement[bool]]:
    found: list[ColumnElement[bool]] = []
    for column, value in ((orders.c.status, wanted.status), (orders.c.channel, wanted.channel)):
        if value:
            found.append(column == value)
    if wanted.partner:
        found.append(orders.c.partner_id == wanted.partner)
    if wanted.location:
        at = select(reservations.c.order_id).where(reservations.c.location_id == wanted.location)
        found.append(orders.c.id.in_(at))
    if wanted.exception:
        found.append(orders.c.id.in_(_open_exceptions_of(wanted.exception)))
    if wanted.sla:
        found.append(_sla(c, wanted.sla, now))
    if wanted.min_age_h is not None:
        found.append(orders.c.created_at <= now - timedelta(hours=wanted.min_age_h))
    if wanted.max_age_h is not None:
        found.append(orders.c.created_at >= now - timedelta(hours=wanted.max_age_h))
    if wanted.q and wanted.q.strip():
        found.append(orders.c.id.in_(matching_order_ids(c, wanted.q).order_by(None)))
    return found


def _open_exceptions_of(kind: str) -> Select[Any]:
    e = order_exceptions
    return select(e.c.order_id).where(e.c.status == ExceptionStatus.OPEN.value, e.c.type == kind)


def _sla(c: Connection, sla: str, now: datetime) -> ColumnElement[bool]:
    """Breached: an open SLA breach. At risk: released, not yet breached, and more than
    ``AT_RISK_SHARE`` of the ship-by time of a location it was released to gone by (one condition per
    location, since each has its own ship-by)."""
    breached = orders.c.id.in_(_open_exceptions_of(ExceptionType.SLA_BREACH.value))
    if sla == "breached":
        return breached
    per_location = []
    for location_id, ship_by_s in c.execute(select(locations.c.id, locations.c.ship_by_seconds)):
        since = now - timedelta(seconds=ship_by_s * AT_RISK_SHARE)
        released_there = select(reservations.c.order_id).where(reservations.c.location_id == location_id)
        per_location.append(and_(orders.c.updated_at <= since, orders.c.id.in_(released_there)))
    if not per_location:
        return false()
    return and_(orders.c.status == "released", ~breached, or_(*per_location))


def _page(
    c: Connection, conditions: list[ColumnElement[bool]], wanted: OrderFilter
) -> tuple[list[dict[str, Any]], str | None, str | None]:
    """The page's rows in the list's order, the id to continue after and the id to go back from (None
    at either end). One row more than the page is read to know whether there is more."""
    descending = wanted.sort == "newest"
    forward, backward = (
        (orders.c.id.desc(), orders.c.id.asc()) if descending else (orders.c.id.asc(), orders.c.id.desc())
    )
    query = select(*_COLUMNS).where(*conditions)
    if wanted.before is not None:  # going back: read towards the start, then show in the list's order
        query = query.where(orders.c.id > wanted.before if descending else orders.c.id < wanted.before)
        found = [dict(r._mapping) for r in c.execute(query.order_by(backward).limit(wanted.limit + 1))]
        rows = list(reversed(found[: wanted.limit]))
        more_before = len(found) > wanted.limit
        return rows, wanted.before, (rows[0]["id"] if rows and more_before else None)
    if wanted.after is not None:
        query = query.where(orders.c.id < wanted.after if descending else orders.c.id > wanted.after)
    found = [dict(r._mapping) for r in c.execute(query.order_by(forward).limit(wanted.limit + 1))]
    rows = found[: wanted.limit]
    next_after = rows[-1]["id"] if len(found) > wanted.limit else None
    return rows, next_after, (rows[0]["id"] if rows and wanted.after is not None else None)


def _with_open_exceptions(c: Connection, page_rows: list[dict[str, Any]]) -> None:
    ids = [r["id"] for r in page_rows]
    open_types: dict[str, list[str]] = defaultdict(list)
    if ids:
        e = order_exceptions
        query = select(e.c.order_id, e.c.type).where(e.c.order_id.in_(ids), e.c.status == ExceptionStatus.OPEN.value)
        for order_id, kind in c.execute(query.order_by(e.c.id)):
            open_types[order_id].append(kind)
    for row in page_rows:
        row["open_exceptions"] = open_types.get(row["id"], [])


def _by_status(c: Connection) -> dict[str, int]:
    query = select(orders.c.status, func.count()).group_by(orders.c.status)
    return {status: int(n) for status, n in c.execute(query)}
