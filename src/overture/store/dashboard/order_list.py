"""The orders list: filtered, paged by order id, counted, and exported, at millions of orders.

Each filter is one indexed condition: status, channel and partner use (column, id) indexes, so a page
of the newest orders walks the index backwards and stops after ``limit`` rows; a location goes
through reservations (location_id, order_id), an exception type through the open exceptions'
(status, type, id), the age through created_at, and text through the trigram search index
(store/search.py). The count stops at ``COUNT_CAP`` + 1.
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Connection,
    Select,
    String,
    and_,
    any_,
    bindparam,
    false,
    func,
    literal,
    or_,
    select,
)
from sqlalchemy.dialects import postgresql

from overture.domain.exceptions import ExceptionStatus, ExceptionType
from overture.domain.statuses import OrderStatus
from overture.services.ports.order_list import AT_RISK_SHARE, COUNT_CAP, OrderFilter, OrderPage
from overture.store.dashboard.base import RECENT_ORDERS, DashboardReads
from overture.store.search import matching_order_ids
from overture.store.tables import locations, order_exceptions, orders, reservations, trading_partners

EXPORT_BATCH = 1000
STATUS_COUNTS_TTL_S = 15.0
NARROW = COUNT_CAP + 1  # a narrow filter lists at most its newest this many orders ("more than 10,000")
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
            matching = _matching(c, wanted, now)
            page_rows, next_after, previous_before = _page(c, matching, wanted)
            matches = select(orders.c.id).where(*matching).limit(COUNT_CAP + 1)
            count = c.scalar(select(func.count()).select_from(matches.subquery()))
            _with_open_exceptions(c, page_rows)
            return OrderPage(page_rows, int(count or 0), next_after, previous_before, self._status_counts(c))

    def _status_counts(self, c: Connection) -> dict[str, int]:
        """Orders by status for the list's chips, counted at most every ``STATUS_COUNTS_TTL_S``: counting a
        million orders by status costs more than the rest of the page, and chips a few seconds old mislead no one."""
        cached = getattr(self, "_status_cache", None)
        if cached is not None and time.monotonic() - cached[0] < STATUS_COUNTS_TTL_S:
            counts: dict[str, int] = cached[1]
            return counts
        counts = _by_status(c)
        self._status_cache = (time.monotonic(), counts)
        return counts

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
                rows, after, _ = _page(uow.connection, _matching(uow.connection, batch, now), batch)
                _with_open_exceptions(uow.connection, rows)
            yield from rows
            if after is None:
                return


def _matching(c: Connection, wanted: OrderFilter, now: datetime) -> list[ColumnElement[bool]]:
    """Conditions on orders. A narrow filter (an open exception type, an SLA breach, a search term) is
    read first from its own index, the newest ``NARROW`` of its order ids, and becomes "id is one of
    these": joined as a subquery instead, PostgreSQL's planner walks orders newest first for the LIMIT
    and probes the few ids, reading the whole table when they are all old (seen: 0.9 s at 1M orders)."""
    conditions, narrow = _conditions(c, wanted, now)
    if narrow:
        ids = set(c.scalars(narrow[0]))
        for other in narrow[1:]:
            ids &= set(c.scalars(other))
        conditions.append(_one_of(c, sorted(ids)))
    return conditions


def _one_of(c: Connection, ids: list[str]) -> ColumnElement[bool]:
    if not ids:
        return false()
    if c.dialect.name == "postgresql":  # one array parameter, not ten thousand
        return orders.c.id == any_(bindparam("b_narrow_ids", ids, type_=postgresql.ARRAY(String)))
    return orders.c.id.in_(ids)


def _conditions(
    c: Connection, wanted: OrderFilter, now: datetime
) -> tuple[list[ColumnElement[bool]], list[Select[Any]]]:
    """Conditions on orders, and the narrow filters' queries of order ids (each distinct)."""
    found: list[ColumnElement[bool]] = []
    narrow: list[Select[Any]] = []
    for column, value in ((orders.c.status, wanted.status), (orders.c.channel, wanted.channel)):
        if value:
            found.append(column == value)
    if wanted.partner:
        found.append(orders.c.partner_id == wanted.partner)
    if wanted.location:
        at = select(reservations.c.order_id).where(reservations.c.location_id == wanted.location)
        found.append(orders.c.id.in_(at))
    if wanted.exception:
        narrow.append(_open_exceptions_of(wanted.exception))
    if wanted.sla == "breached":
        narrow.append(_open_exceptions_of(ExceptionType.SLA_BREACH.value))
    elif wanted.sla == "at_risk":
        found.append(_at_risk(c, now))
    if wanted.min_age_h is not None:
        found.append(orders.c.created_at <= now - timedelta(hours=wanted.min_age_h))
    if wanted.max_age_h is not None:
        found.append(orders.c.created_at >= now - timedelta(hours=wanted.max_age_h))
    if wanted.q and wanted.q.strip():
        narrow.append(matching_order_ids(c, wanted.q))
    return found, narrow


def _open_exceptions_of(kind: str, *, newest: int | None = NARROW) -> Select[Any]:
    e = order_exceptions
    query = select(e.c.order_id).distinct().where(e.c.status == ExceptionStatus.OPEN.value, e.c.type == kind)
    return query if newest is None else query.order_by(e.c.order_id.desc()).limit(newest)


def _at_risk(c: Connection, now: datetime) -> ColumnElement[bool]:
    """Released, not yet breached, and more than ``AT_RISK_SHARE`` of the ship-by time of a location it
    was released to gone by. Each location has its own ship-by, so the condition names each; it is a
    subquery on the order's own reservations (by order_id), so the newest released orders are
    checked one by one and the page stops after ``limit`` of them."""
    r = reservations
    per_location = [
        and_(r.c.location_id == location_id, orders.c.updated_at <= now - timedelta(seconds=ship_by_s * AT_RISK_SHARE))
        for location_id, ship_by_s in c.execute(select(locations.c.id, locations.c.ship_by_seconds))
    ]
    if not per_location:
        return false()
    # A scalar subquery with LIMIT 1, not EXISTS: PostgreSQL turns EXISTS into a hash semi-join that reads
    # every reservation (0.1-0.5 s at 1M orders, depending on ANALYZE's sample); this one it probes per order.
    late_somewhere = (
        select(literal(1)).where(r.c.order_id == orders.c.id, or_(*per_location)).limit(1).scalar_subquery()
    ).is_not(None)
    breached = orders.c.id.in_(_open_exceptions_of(ExceptionType.SLA_BREACH.value, newest=None))
    return and_(orders.c.status == "released", late_somewhere, ~breached)


def _page(
    c: Connection, matching: list[ColumnElement[bool]], wanted: OrderFilter
) -> tuple[list[dict[str, Any]], str | None, str | None]:
    """The page's rows in the list's order, the id to continue after and the id to go back from (None
    at either end). One row more than the page is read to know whether there is more."""
    descending = wanted.sort == "newest"
    key = orders.c.id
    forward, backward = (key.desc(), key.asc()) if descending else (key.asc(), key.desc())
    query = select(*_COLUMNS).where(*matching)
    if wanted.before is not None:  # going back: read towards the start, then show in the list's order
        query = query.where(key > wanted.before if descending else key < wanted.before)
        found = [dict(r._mapping) for r in c.execute(query.order_by(backward).limit(wanted.limit + 1))]
        rows = list(reversed(found[: wanted.limit]))
        more_before = len(found) > wanted.limit
        return rows, wanted.before, (rows[0]["id"] if rows and more_before else None)
    if wanted.after is not None:
        query = query.where(key < wanted.after if descending else key > wanted.after)
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
