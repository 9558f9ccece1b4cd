"""Connector call buckets: added to by every process that makes calls, read by the dashboard.

Each flush is one additive UPSERT per (connector, minute) bucket, so two processes (or two
flushers) writing the same minute sum up instead of overwriting each other: counts and latency
sums add, the maximum keeps the larger, and the last success / last error keep the later one.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Connection, and_, case, delete, func, or_, select
from sqlalchemy.dialects import postgresql, sqlite

from overture.domain.connector_health import ConnectorFigures
from overture.store.tables import connector_calls

T = connector_calls
COUNTS = ("ok", "errors", "throttled", "timeouts", "drift", "latency_sum_s")


def add_buckets(c: Connection, rows: Sequence[dict[str, Any]]) -> None:
    """Add ``rows`` (one per connector and minute, columns as in the table) to what is stored."""
    if not rows:
        return
    dialect = postgresql if c.dialect.name == "postgresql" else sqlite
    insert = dialect.insert(T)
    new = insert.excluded
    newer_error = _later(new.last_error_at, T.c.last_error_at)
    statement = insert.on_conflict_do_update(
        index_elements=[T.c.connector, T.c.minute],
        set_={
            **{name: T.c[name] + new[name] for name in COUNTS},
            "latency_max_s": case((new.latency_max_s > T.c.latency_max_s, new.latency_max_s), else_=T.c.latency_max_s),
            "last_success_at": case(
                (_later(new.last_success_at, T.c.last_success_at), new.last_success_at), else_=T.c.last_success_at
            ),
            "last_error_at": case((newer_error, new.last_error_at), else_=T.c.last_error_at),
            "last_error": case((newer_error, new.last_error), else_=T.c.last_error),
        },
    )
    c.execute(statement, list(rows))


def _later(new: ColumnElement[Any], old: ColumnElement[Any]) -> ColumnElement[bool]:
    """The incoming time is set and later than the stored one (or nothing is stored)."""
    return and_(new.is_not(None), or_(old.is_(None), new > old))


def prune(c: Connection, before: datetime) -> int:
    """Drop the buckets of minutes before ``before``; how many went."""
    return int(c.execute(delete(T).where(T.c.minute < before)).rowcount)


def figures(c: Connection, now: datetime, *, window: timedelta) -> list[ConnectorFigures]:
    """Every connector with a bucket kept: its calls in the last ``window``, its last success and error."""
    totals = {
        row.connector: row
        for row in c.execute(
            select(
                T.c.connector,
                *(func.sum(T.c[name]).label(name) for name in COUNTS),
                func.max(T.c.latency_max_s).label("latency_max_s"),
            )
            .where(T.c.minute >= now - window)
            .group_by(T.c.connector)
        )
    }
    found = []
    for connector in c.scalars(select(T.c.connector).distinct().order_by(T.c.connector)):
        success, error = _last_success(c, connector), _last_error(c, connector)
        row = totals.get(connector)
        found.append(
            ConnectorFigures(
                connector,
                ok=int(row.ok) if row else 0,
                errors=int(row.errors) if row else 0,
                throttled=int(row.throttled) if row else 0,
                timeouts=int(row.timeouts) if row else 0,
                drift=int(row.drift) if row else 0,
                latency_sum_s=float(row.latency_sum_s) if row else 0.0,
                latency_max_s=float(row.latency_max_s) if row else 0.0,
                last_success_at=success,
                last_error_at=error[0] if error else None,
                last_error=error[1] if error else None,
            )
        )
    return found


def _last_success(c: Connection, connector: str) -> datetime | None:
    # Newest bucket first along the primary key: stops at the first minute with a success.
    query = (
        select(T.c.last_success_at)
        .where(T.c.connector == connector, T.c.last_success_at.is_not(None))
        .order_by(T.c.minute.desc())
        .limit(1)
    )
    return c.scalar(query)


def _last_error(c: Connection, connector: str) -> tuple[datetime, str | None] | None:
    query = (
        select(T.c.last_error_at, T.c.last_error)
        .where(T.c.connector == connector, T.c.last_error_at.is_not(None))
        .order_by(T.c.minute.desc())
        .limit(1)
    )
    row = c.execute(query).first()
    return None if row is None else (row.last_error_at, row.last_error)
