"""Read models for the operations dashboard (ui/): each page in a few indexed queries.

Nothing here reads every order: counts and lists go through an index on a time window (orders
created_at, order_events at / to_status, order_exceptions status+created_at / resolved_at) or a key.
The status count walks the (status, id) index only, which the dashboard benchmark times at 100,000 orders.
"""

from __future__ import annotations

import itertools
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Engine, and_, case, func, literal_column, select, update

from overture.domain.connector_health import assess
from overture.domain.exceptions import ExceptionStatus, ExceptionType
from overture.domain.savings import SavingsInputs, percentile
from overture.domain.statuses import OrderStatus
from overture.domain.supply import SupplyStatus
from overture.store import connector_health
from overture.store.tables import (
    CUSTOMER_EMAIL,
    availability_published,
    dashboard_settings,
    inbound_messages,
    inbound_supply,
    inventory_positions,
    locations,
    order_events,
    order_exceptions,
    order_lines,
    order_references,
    orders,
    outbound_documents,
    reservations,
    shipments,
)
from overture.store.uow import SqlUnitOfWork

# Who resolves an exception without a person: the workflow itself (an SLA breach that cleared, ...).
SYSTEM_ACTORS = ("system",)
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
_SETTINGS_ID = "current"
TOUCH_LOOKBACK = timedelta(days=7)
CONNECTOR_WINDOW = timedelta(hours=1)
# Step durations come from the latest status changes, so their cost does not grow with volume.
STEP_SAMPLE = 5000
RECENT_ORDERS = 1000
ID_CHUNK = 5000


@dataclass(frozen=True, slots=True)
class QueueFilter:
    type: str | None = None
    channel: str | None = None
    partner: str | None = None
    assignee: str | None = None
    older_than_hours: float | None = None
    limit: int = 100


def _rows(result: Any) -> list[dict[str, Any]]:
    return [dict(row._mapping) for row in result]


def _by_person() -> Any:
    return and_(order_exceptions.c.resolved_by.is_not(None), order_exceptions.c.resolved_by.not_in(SYSTEM_ACTORS))


class SqlDashboard:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def _read(self) -> SqlUnitOfWork:
        return SqlUnitOfWork(self._engine, readonly=True)

    # --- overview -------------------------------------------------------------------------------

    def overview(self, now: datetime) -> dict[str, Any]:
        with self._read() as uow:
            c = uow.connection
            return {
                "orders_per_hour": _orders_per_hour(c, now),
                "by_status": _by_status(c),
                "touchless": _touchless(c, now - timedelta(days=7)),
                "exceptions_by_type": _open_by_type(c),
                "exceptions_by_age": _open_by_age(c, now),
                "step_durations": _step_durations(c, now - timedelta(hours=24)),
                "alerts": _availability_alerts(c),
                "connectors": _connector_health(c, now),
                "connector_calls": _connector_calls(c, now),
            }

    # --- exception queue ------------------------------------------------------------------------

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
        # Oldest first: the one closest to (or furthest past) its SLA is at the top.
        query = query.order_by(x.c.created_at, x.c.id).limit(wanted.limit)
        with self._read() as uow:
            return _rows(uow.connection.execute(query))

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
            rows = uow.connection.execute(query).all()
        return {
            "types": [t.value for t in ExceptionType],
            "channels": sorted({r.channel for r in rows}),
            "partners": sorted({r.partner_id for r in rows if r.partner_id}),
            "assignees": sorted({r.assignee for r in rows if r.assignee}),
        }

    def assign(self, exception_ids: list[str], actor: str | None) -> int:
        """Take open exceptions on (or give them back with None); the number changed."""
        with SqlUnitOfWork(self._engine) as uow:
            result = uow.connection.execute(
                update(order_exceptions)
                .where(order_exceptions.c.id.in_(exception_ids), order_exceptions.c.status == ExceptionStatus.OPEN)
                .values(assignee=actor)
            )
            uow.commit()
        return int(result.rowcount)

    # --- order page -----------------------------------------------------------------------------

    def documents(self, order_id: str, raw_message_id: str | None) -> dict[str, list[dict[str, Any]]]:
        """Messages received for the order (the order itself, shipment notices) and documents sent."""
        with self._read() as uow:
            c = uow.connection
            message_ids = set(
                c.scalars(select(shipments.c.raw_message_id).where(shipments.c.order_id == order_id)).all()
            )
            message_ids.discard(None)
            if raw_message_id:
                message_ids.add(raw_message_id)
            inbound = _rows(
                c.execute(
                    select(
                        inbound_messages.c.id,
                        inbound_messages.c.channel,
                        inbound_messages.c.received_at,
                        inbound_messages.c.content_type,
                        inbound_messages.c.status,
                    )
                    .where(inbound_messages.c.id.in_(sorted(message_ids)))
                    .order_by(inbound_messages.c.received_at)
                )
            )
            outbound = _rows(
                c.execute(
                    select(
                        outbound_documents.c.id,
                        outbound_documents.c.partner_id,
                        outbound_documents.c.kind,
                        outbound_documents.c.reference,
                        outbound_documents.c.created_at,
                    )
                    .where(outbound_documents.c.order_id == order_id)
                    .order_by(outbound_documents.c.created_at)
                )
            )
            shipped = _rows(
                c.execute(
                    select(shipments.c.id, shipments.c.carrier, shipments.c.tracking_number, shipments.c.shipped_at)
                    .where(shipments.c.order_id == order_id)
                    .order_by(shipments.c.shipped_at)
                )
            )
        return {"inbound": inbound, "outbound": outbound, "shipments": shipped}

    def inbound_message(self, message_id: str) -> dict[str, Any] | None:
        with self._read() as uow:
            row = uow.connection.execute(select(inbound_messages).where(inbound_messages.c.id == message_id)).first()
        return None if row is None else dict(row._mapping)

    def outbound_document(self, document_id: str) -> dict[str, Any] | None:
        with self._read() as uow:
            row = uow.connection.execute(
                select(outbound_documents).where(outbound_documents.c.id == document_id)
            ).first()
        return None if row is None else dict(row._mapping)

    # --- search ---------------------------------------------------------------------------------

    def search(self, term: str, limit: int = 50) -> list[dict[str, Any]]:
        """Orders any reference points at: id, channel order id / PO number, other systems' references,
        tracking number, customer e-mail. Each lookup is an index probe."""
        term = term.strip()
        if not term:
            return []
        found: dict[str, str] = {}
        with self._read() as uow:
            c = uow.connection
            lookups: list[tuple[str, Any]] = [
                ("order id", select(orders.c.id).where(orders.c.id == term)),
                ("channel order id", select(orders.c.id).where(orders.c.external_id == term)),
                (
                    "reference",
                    select(order_references.c.order_id).where(order_references.c.value == term),
                ),
                ("tracking number", select(shipments.c.order_id).where(shipments.c.tracking_number == term)),
            ]
            if "@" in term:
                lookups.append(("customer e-mail", select(orders.c.id).where(_customer_email() == term.lower())))
            for how, query in lookups:
                for order_id in c.scalars(query.limit(limit)):
                    found.setdefault(order_id, how)
            if not found:
                return []
            rows = c.execute(
                select(orders.c.id, orders.c.channel, orders.c.external_id, orders.c.status, orders.c.created_at)
                .where(orders.c.id.in_(list(found)))
                .order_by(orders.c.id.desc())
            )
            return [{**dict(r._mapping), "matched": found[r.id]} for r in rows]

    # --- inventory ------------------------------------------------------------------------------

    def open_reservations(self, sku: str, limit: int = 100) -> list[dict[str, Any]]:
        r = reservations
        query = (
            select(r.c.id, r.c.order_id, r.c.line_no, r.c.location_id, r.c.quantity, r.c.status, r.c.created_at)
            .where(r.c.sku == sku, r.c.status == "active")
            .order_by(r.c.created_at.desc())
            .limit(limit)
        )
        with self._read() as uow:
            return _rows(uow.connection.execute(query))

    def backorders(self, sku: str, limit: int = 100) -> list[dict[str, Any]]:
        """Lines of the SKU still owed units, in the order receipts fill them (priority, then age)."""
        with self._read() as uow:
            return _rows(uow.connection.execute(backorders_query(sku, limit)))

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
            return _rows(uow.connection.execute(query))

    def channel_availability(self, sku: str) -> list[dict[str, Any]]:
        """What each channel was last sent for the SKU."""
        ap = availability_published
        query = select(ap.c.channel, ap.c.available, ap.c.published_at).where(ap.c.sku == sku).order_by(ap.c.channel)
        with self._read() as uow:
            return _rows(uow.connection.execute(query))

    # --- savings and maturity -------------------------------------------------------------------

    def settings(self) -> SavingsInputs:
        with self._read() as uow:
            document = uow.connection.scalar(
                select(dashboard_settings.c.document).where(dashboard_settings.c.id == _SETTINGS_ID)
            )
        return SavingsInputs() if document is None else SavingsInputs.from_document(document)

    def save_settings(self, inputs: SavingsInputs, at: datetime) -> None:
        with SqlUnitOfWork(self._engine) as uow:
            c = uow.connection
            c.execute(dashboard_settings.delete().where(dashboard_settings.c.id == _SETTINGS_ID))
            c.execute(
                dashboard_settings.insert(), {"id": _SETTINGS_ID, "document": inputs.to_document(), "updated_at": at}
            )
            uow.commit()

    def work_counts(self, now: datetime, days: int) -> dict[str, Any]:
        """Orders, touched orders and exceptions people resolved in the last ``days`` days."""
        since = now - timedelta(days=days)
        x = order_exceptions
        with self._read() as uow:
            c = uow.connection
            created = c.scalar(select(func.count()).select_from(orders).where(orders.c.created_at >= since)) or 0
            # One read of the resolutions serves both the period's figures and the touchless rate's lookback.
            # Durations are worked out by the database: turning thousands of timestamps into datetimes
            # was most of this page's time (300 of 360 ms at 100,000 orders).
            looked_at = c.execute(
                select(
                    x.c.order_id,
                    case((x.c.resolved_at >= since, True), else_=False).label("in_period"),
                    _seconds_between(c, x.c.created_at, x.c.resolved_at).label("seconds"),
                ).where(x.c.resolved_at >= since - TOUCH_LOOKBACK, _by_person())
            ).all()
            resolved = [r for r in looked_at if r.in_period]
            touchless = _touchless(c, since, acted_on=sorted({r.order_id for r in looked_at}))
        return {
            "days": days,
            "orders": created,
            "touched_orders": min(created, len({r.order_id for r in resolved})),
            "manual_exceptions": len(resolved),
            "median_resolution_hours": percentile([float(r.seconds) / 3600 for r in resolved], 0.5),
            "touchless": touchless,
        }

    def recent_channels(self) -> list[str]:
        """Channels of the newest orders: the known channel list when none is saved."""
        newest = select(orders.c.channel).order_by(orders.c.created_at.desc()).limit(RECENT_ORDERS).subquery()
        with self._read() as uow:
            return sorted(uow.connection.scalars(select(newest.c.channel).distinct()))

    def channels_active_since(self, channels: list[str], since: datetime) -> list[str]:
        """Which of ``channels`` took an order since ``since``: one index probe each (channel, created_at)."""
        active = []
        with self._read() as uow:
            for channel in channels:
                probe = select(orders.c.id).where(orders.c.channel == channel, orders.c.created_at >= since).limit(1)
                if uow.connection.scalar(probe) is not None:
                    active.append(channel)
        return active


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


def _seconds_between(c: Connection, start: Any, end: Any) -> Any:
    """``end - start`` in seconds, computed by the database (each dialect spells it its own way)."""
    if c.dialect.name == "postgresql":
        return func.extract("epoch", end - start)
    return (func.julianday(end) - func.julianday(start)) * 86400.0


def _customer_email() -> Any:
    # Exactly the indexed expression (tables.py), so both databases use ix_orders_customer_email.
    return literal_column(CUSTOMER_EMAIL)


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
    rows = [(r[0], int(r[1])) for r in c.execute(select(orders.c.status, func.count()).group_by(orders.c.status))]
    return sorted(rows, key=lambda r: (-r[1], r[0]))


def _touchless(c: Connection, since: datetime, *, acted_on: list[str] | None = None) -> dict[str, Any]:
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
            c.scalars(select(x.c.order_id).where(x.c.resolved_at >= since - TOUCH_LOOKBACK, _by_person()).distinct())
        )
    touched = 0
    for start in range(0, len(acted_on), ID_CHUNK):
        chunk = acted_on[start : start + ID_CHUNK]
        touched += c.scalar(select(func.count(e.c.order_id.distinct())).where(completed, e.c.order_id.in_(chunk))) or 0
    return {"completed": total, "touched": touched, "rate": (total - touched) / total if total else None}


def _open_by_type(c: Connection) -> list[tuple[str, int]]:
    x = order_exceptions
    query = select(x.c.type, func.count()).where(x.c.status == ExceptionStatus.OPEN.value).group_by(x.c.type)
    rows = [(r[0], int(r[1])) for r in c.execute(query)]
    return sorted(rows, key=lambda r: (-r[1], r[0]))


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
    rows = c.execute(
        select(latest.c.order_id, latest.c.at, latest.c.from_status)
        .where(latest.c.kind == "status")
        .order_by(latest.c.order_id, latest.c.at, latest.c.id)
    )
    durations: dict[str, list[float]] = defaultdict(list)
    last: tuple[str, datetime] | None = None
    for order_id, at, from_status in rows:
        if last is not None and last[0] == order_id and from_status:
            durations[from_status].append((at - last[1]).total_seconds())
        last = (order_id, at)
    steps = []
    for status in OrderStatus:
        values = durations.get(status.value)
        if values:
            steps.append(
                {
                    "step": status.value,
                    "count": len(values),
                    "p50": percentile(values, 0.5),
                    "p95": percentile(values, 0.95),
                }
            )
    return steps


def _availability_alerts(c: Connection, limit: int = 50) -> list[dict[str, Any]]:
    p = inventory_positions
    query = (
        select(p.c.sku, p.c.location_id, locations.c.name, p.c.on_hand, p.c.reserved, p.c.safety_stock)
        .join(locations, locations.c.id == p.c.location_id)
        .where(p.c.on_hand - p.c.reserved <= p.c.safety_stock)
        .order_by(p.c.sku, p.c.location_id)
        .limit(limit)
    )
    return _rows(c.execute(query))


def _counts(result: Any) -> dict[str, int]:
    return {row[0]: int(row[1]) for row in result}


def _connector_health(c: Connection, now: datetime) -> list[dict[str, Any]]:
    """Per step: the last order that got through it (its status event) and the connector failures of
    the last 24 hours. Calls themselves are not recorded yet, so there is no call count or latency."""
    x = order_exceptions
    since = now - timedelta(hours=24)
    failures: dict[str, int] = _counts(
        c.execute(
            select(x.c.step, func.count())
            .where(x.c.type == ExceptionType.CONNECTOR_FAILURE.value, x.c.created_at >= since)
            .group_by(x.c.step)
        )
    )
    open_failures: dict[str, int] = _counts(
        c.execute(
            select(x.c.step, func.count())
            .where(x.c.status == ExceptionStatus.OPEN.value, x.c.type == ExceptionType.CONNECTOR_FAILURE.value)
            .group_by(x.c.step)
        )
    )
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
