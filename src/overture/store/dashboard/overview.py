"""The overview page: orders per hour and by status, touchless rate, open exceptions by type and age,
time per step, availability alerts and connector health."""

from __future__ import annotations

import itertools
from collections import defaultdict
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, and_, func, select

from overture.domain.connector_health import assess
from overture.domain.exceptions import ExceptionStatus, ExceptionType
from overture.domain.savings import percentile
from overture.domain.statuses import OrderStatus
from overture.store import connector_health
from overture.store.dashboard.base import DashboardReads, by_person, rows
from overture.store.tables import inventory_positions, locations, order_events, order_exceptions, orders

AGE_BANDS: tuple[tuple[str, timedelta | None], ...] = (
    ("under 1 h", timedelta(hours=1)),
    ("1-4 h", timedelta(hours=4)),
    ("4-24 h", timedelta(hours=24)),
    ("over 24 h", None),
)
# The steps an order goes through and the outside system each one calls (connector health).
CONNECTOR_STEPS: tuple[tuple[str, str, str], ...] = (
    ("sales_order", "ERP", OrderStatus.RESERVED.value),
    ("release", "WMS", OrderStatus.RELEASED.value),
    ("shipment", "WMS", OrderStatus.SHIPPED.value),
    ("invoice", "ERP", OrderStatus.INVOICED.value),
)
TOUCH_LOOKBACK = timedelta(days=7)
CONNECTOR_WINDOW = timedelta(hours=1)
# Step durations come from the latest status changes, so their cost does not grow with volume.
STEP_SAMPLE = 5000
ID_CHUNK = 5000


class OverviewReads(DashboardReads):
    def overview(self, now: datetime) -> dict[str, Any]:
        with self._read() as uow:
            c = uow.connection
            return {
                "orders_per_hour": _orders_per_hour(c, now),
                "by_status": _by_status(c),
                "touchless": touchless(c, now - timedelta(days=7)),
                "exceptions_by_type": _open_by_type(c),
                "exceptions_by_age": _open_by_age(c, now),
                "step_durations": _step_durations(c, now - timedelta(hours=24)),
                "alerts": _availability_alerts(c),
                "alerts_count": _availability_alert_count(c),
                "connectors": _connector_health(c, now),
                "connector_calls": _connector_calls(c, now),
            }


def touchless(c: Connection, since: datetime, *, acted_on: list[str] | None = None) -> dict[str, Any]:
    """Orders completed since ``since``; touched ones had an exception resolved by a person (retry,
    override, reroute, cancel: any human decision, overrides included). ``acted_on``: those orders
    when the caller has already read them (resolved by a person since ``since - TOUCH_LOOKBACK``)."""
    e, x = order_events, order_exceptions
    completed = and_(e.c.to_status == OrderStatus.COMPLETED.value, e.c.kind == "status", e.c.at >= since)
    total = c.scalar(select(func.count()).select_from(e).where(completed)) or 0
    # From the (few) exceptions people resolved to their orders' completion, not the other way round.
    # Resolutions are looked at from TOUCH_LOOKBACK before the window: an order held longer than that
    # and completed inside the window would count as touchless.
    # Two steps, so each database takes the cheap path: the orders people acted on (resolved_at
    # index), then which of those completed inside the window (their completion events).
    if acted_on is None:
        acted_on = list(
            c.scalars(select(x.c.order_id).where(x.c.resolved_at >= since - TOUCH_LOOKBACK, by_person()).distinct())
        )
    touched = 0
    for start in range(0, len(acted_on), ID_CHUNK):
        chunk = acted_on[start : start + ID_CHUNK]
        touched += c.scalar(select(func.count(e.c.order_id.distinct())).where(completed, e.c.order_id.in_(chunk))) or 0
    return {"completed": total, "touched": touched, "rate": (total - touched) / total if total else None}


def _orders_per_hour(c: Connection, now: datetime) -> list[tuple[datetime, int]]:
    end = now.replace(minute=0, second=0, microsecond=0) + timedelta(hours=1)
    start = end - timedelta(hours=24)
    # One index range count per hour: no rows travel, and no dialect-specific date truncation.
    hours = [start + timedelta(hours=h) for h in range(25)]
    count = select(func.count()).select_from(orders)
    return [
        (begin, c.scalar(count.where(orders.c.created_at >= begin, orders.c.created_at < end_)) or 0)
        for begin, end_ in itertools.pairwise(hours)
    ]


def _by_status(c: Connection) -> list[tuple[str, int]]:
    found = [(r[0], int(r[1])) for r in c.execute(select(orders.c.status, func.count()).group_by(orders.c.status))]
    return sorted(found, key=lambda r: (-r[1], r[0]))


def _open_by_type(c: Connection) -> list[tuple[str, int]]:
    x = order_exceptions
    query = select(x.c.type, func.count()).where(x.c.status == ExceptionStatus.OPEN.value).group_by(x.c.type)
    found = [(r[0], int(r[1])) for r in c.execute(query)]
    return sorted(found, key=lambda r: (-r[1], r[0]))


def _open_by_age(c: Connection, now: datetime) -> list[tuple[str, int]]:
    x = order_exceptions
    counts: list[tuple[str, int]] = []
    newer_than: datetime | None = None
    for label, age in AGE_BANDS:
        query = select(func.count()).select_from(x).where(x.c.status == ExceptionStatus.OPEN.value)
        if age is not None:
            query = query.where(x.c.created_at > now - age)
        if newer_than is not None:
            query = query.where(x.c.created_at <= newer_than)
        counts.append((label, c.scalar(query) or 0))
        newer_than = None if age is None else now - age
    return counts


def _step_durations(c: Connection, since: datetime) -> list[dict[str, Any]]:
    """Time spent in each status, from consecutive status events of the same order among the latest
    STEP_SAMPLE changes inside the window (a step whose start fell outside the sample is not counted)."""
    e = order_events
    latest = (
        select(e.c.id, e.c.order_id, e.c.at, e.c.from_status, e.c.kind)
        .where(e.c.at >= since)
        .order_by(e.c.at.desc())
        .limit(STEP_SAMPLE)
        .subquery()
    )
    changes = c.execute(
        select(latest.c.order_id, latest.c.at, latest.c.from_status)
        .where(latest.c.kind == "status")
        .order_by(latest.c.order_id, latest.c.at, latest.c.id)
    )
    durations: dict[str, list[float]] = defaultdict(list)
    last: tuple[str, datetime] | None = None
    for order_id, at, from_status in changes:
        if last is not None and last[0] == order_id and from_status:
            durations[from_status].append((at - last[1]).total_seconds())
        last = (order_id, at)
    return [
        {"step": status.value, "count": len(values), "p50": percentile(values, 0.5), "p95": percentile(values, 0.95)}
        for status in OrderStatus
        if (values := durations.get(status.value))
    ]


ALERTS_SHOWN = 50
# A position is short when what it may still promise is at or below its safety stock.
_AT_OR_BELOW_SAFETY = (
    inventory_positions.c.on_hand - inventory_positions.c.reserved <= inventory_positions.c.safety_stock
)


def _availability_alerts(c: Connection, limit: int = ALERTS_SHOWN) -> list[dict[str, Any]]:
    """The first ``limit`` such positions (by SKU, location): the list; their count is another query."""
    p = inventory_positions
    query = (
        select(p.c.sku, p.c.location_id, locations.c.name, p.c.on_hand, p.c.reserved, p.c.safety_stock)
        .join(locations, locations.c.id == p.c.location_id)
        .where(_AT_OR_BELOW_SAFETY)
        .order_by(p.c.sku, p.c.location_id)
        .limit(limit)
    )
    return rows(c.execute(query))


def _availability_alert_count(c: Connection) -> int:
    """Every position at or below its safety stock: the tile's figure (the list stops at ALERTS_SHOWN)."""
    p = inventory_positions
    query = select(func.count()).select_from(p.join(locations, locations.c.id == p.c.location_id))
    return int(c.scalar(query.where(_AT_OR_BELOW_SAFETY)) or 0)


def _counts(result: Any) -> dict[str, int]:
    return {row[0]: int(row[1]) for row in result}


def _connector_failures(c: Connection, since: datetime) -> tuple[dict[str, int], dict[str, int]]:
    """Connector failures per step: those raised since ``since``, and those still open (whenever raised)."""
    x = order_exceptions
    failure = x.c.type == ExceptionType.CONNECTOR_FAILURE.value
    recent = c.execute(select(x.c.step, func.count()).where(failure, x.c.created_at >= since).group_by(x.c.step))
    still_open = c.execute(
        select(x.c.step, func.count()).where(x.c.status == ExceptionStatus.OPEN.value, failure).group_by(x.c.step)
    )
    return _counts(recent), _counts(still_open)


def _connector_health(c: Connection, now: datetime) -> list[dict[str, Any]]:
    """Per step: the last order that got through it (its status event) and the connector failures of
    the last 24 hours. Calls themselves are not recorded yet, so there is no call count or latency."""
    since = now - timedelta(hours=24)
    failures, open_failures = _connector_failures(c, since)
    health = []
    for step, system, status in CONNECTOR_STEPS:
        reached = and_(order_events.c.to_status == status, order_events.c.kind == "status")
        last = c.scalar(select(func.max(order_events.c.at)).where(reached))
        passed = (
            c.scalar(select(func.count()).select_from(order_events).where(reached, order_events.c.at >= since)) or 0
        )
        failed = failures.get(step, 0)
        health.append(
            {
                "step": step,
                "system": system,
                "last_success": last,
                "passed_24h": passed,
                "failures_24h": failed,
                "open_failures": open_failures.get(step, 0),
                "error_rate": failed / (passed + failed) if passed + failed else None,
            }
        )
    return health


def _connector_calls(c: Connection, now: datetime) -> list[dict[str, Any]]:
    """Per connector, from the call buckets every process flushes: the last hour's calls, failures,
    429s and latency, the last success and error, and the verdict on them."""
    health = []
    for figures in connector_health.figures(c, now, window=CONNECTOR_WINDOW):
        verdict = assess(figures, window=CONNECTOR_WINDOW)
        since = figures.last_success_at
        health.append(
            {
                "figures": figures,
                "state": verdict.state.value,
                "reason": verdict.reason,
                "success_ago_s": None if since is None else max(0.0, (now - since).total_seconds()),
            }
        )
    return health
