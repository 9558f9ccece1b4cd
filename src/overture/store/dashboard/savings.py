"""The savings and maturity page: the calculator's saved inputs, the period's manual work, channels."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, case, func, select

from overture.domain.savings import SavingsInputs, percentile
from overture.services.ports.changes import Change
from overture.store.dashboard.base import RECENT_ORDERS, DashboardReads, by_person
from overture.store.dashboard.overview import TOUCH_LOOKBACK, touchless
from overture.store.tables import dashboard_settings, order_exceptions, orders

_SETTINGS_ID = "current"


class SavingsReads(DashboardReads):
    def settings(self) -> SavingsInputs:
        with self._read() as uow:
            document = uow.connection.scalar(
                select(dashboard_settings.c.document).where(dashboard_settings.c.id == _SETTINGS_ID)
            )
        return SavingsInputs() if document is None else SavingsInputs.from_document(document)

    def save_settings(self, inputs: SavingsInputs, at: datetime, *, actor: str) -> None:
        """Replace the savings inputs, recorded in the change log (before and after) in the same transaction."""
        with self._write() as uow:
            c = uow.connection
            where = dashboard_settings.c.id == _SETTINGS_ID
            before = c.scalar(select(dashboard_settings.c.document).where(where))
            after = inputs.to_document()
            c.execute(dashboard_settings.delete().where(where))
            c.execute(dashboard_settings.insert(), {"id": _SETTINGS_ID, "document": after, "updated_at": at})
            detail = {"before": before, "after": after}
            uow.changes.add([Change(at, actor, "savings.settings_put", "dashboard:savings", detail)])
            uow.commit()

    def work_counts(self, now: datetime, days: int) -> dict[str, Any]:
        """Orders, touched orders and exceptions people resolved in the last ``days`` days; when the store's
        first order came (its age bounds the period a rate is taken over), and its orders' usual currency."""
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
                ).where(x.c.resolved_at >= since - TOUCH_LOOKBACK, by_person())
            ).all()
            resolved = [r for r in looked_at if r.in_period]
            untouched = touchless(c, since, acted_on=sorted({r.order_id for r in looked_at}))
            first = c.scalar(select(func.min(orders.c.created_at)))  # the created_at index's first entry
            # The usual currency of the newest orders (through the primary key): grouping the whole
            # period's orders by currency read every one of them (+100 ms at 100,000 on PostgreSQL).
            newest = select(orders.c.currency).order_by(orders.c.id.desc()).limit(RECENT_ORDERS).subquery()
            currency = c.scalar(
                select(newest.c.currency)
                .group_by(newest.c.currency)
                .order_by(func.count().desc(), newest.c.currency)
                .limit(1)
            )
        return {
            "days": days,
            "first_order_at": first,
            "currency": currency,
            "orders": created,
            "touched_orders": min(created, len({r.order_id for r in resolved})),
            "manual_exceptions": len(resolved),
            "median_resolution_hours": percentile([float(r.seconds) / 3600 for r in resolved], 0.5),
            "touchless": untouched,
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


def _seconds_between(c: Connection, start: Any, end: Any) -> Any:
    """``end - start`` in seconds, computed by the database (each dialect spells it its own way)."""
    if c.dialect.name == "postgresql":
        return func.extract("epoch", end - start)
    return (func.julianday(end) - func.julianday(start)) * 86400.0
