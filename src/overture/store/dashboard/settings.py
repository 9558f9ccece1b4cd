"""The configuration pages' reads: locations with what they hold short, trading partners and their
documents, connectors' health. Each is a few queries on a key or an index, none over every order."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select

from overture.domain.connector_health import assess
from overture.store import connector_health
from overture.store.dashboard.base import DashboardReads, rows
from overture.store.sourcing import SqlSourcingRepository
from overture.store.tables import (
    csv_profiles,
    inbound_messages,
    inventory_positions,
    locations,
    orders,
    outbound_documents,
    trading_partners,
)

CONNECTOR_DAY = timedelta(hours=24)
PARTNER_DOCUMENTS = 50
# What a position may still promise at or below its safety stock: the overview's alert, per location.
_SHORT = inventory_positions.c.on_hand - inventory_positions.c.reserved <= inventory_positions.c.safety_stock


def utc_midnight(now: datetime) -> datetime:
    return now.replace(hour=0, minute=0, second=0, microsecond=0)


class SettingsReads(DashboardReads):
    def location_rows(self, now: datetime) -> list[dict[str, Any]]:
        """Every location, with its positions at or below safety stock and the orders it took today
        (UTC, as sourcing weighs them against its daily capacity)."""
        p = inventory_positions
        short = select(p.c.location_id, func.count()).where(_SHORT).group_by(p.c.location_id)
        with self._read() as uow:
            c = uow.connection
            found = rows(c.execute(select(locations).order_by(locations.c.priority.desc(), locations.c.id)))
            counts = {row[0]: int(row[1]) for row in c.execute(short)}
            taken = SqlSourcingRepository(c).orders_shipping_since([r["id"] for r in found], utc_midnight(now))
        return [{**r, "short": counts.get(r["id"], 0), "taken_today": taken.get(r["id"], 0)} for r in found]

    def partner_rows(self) -> list[dict[str, Any]]:
        """Every trading partner with its X12 identity and how many documents we sent it."""
        d, t = outbound_documents, trading_partners
        sent = select(d.c.partner_id, func.count()).group_by(d.c.partner_id)
        with self._read() as uow:
            c = uow.connection
            counts = {row[0]: int(row[1]) for row in c.execute(sent)}
            found = rows(
                c.execute(select(t.c.id, t.c.name, t.c.x12_qualifier, t.c.x12_id, t.c.profile).order_by(t.c.id))
            )
            with_csv = set(c.scalars(select(csv_profiles.c.partner_id)))
        return [{**r, "documents": counts.get(r["id"], 0), "csv": r["id"] in with_csv} for r in found]

    def partner(self, partner_id: str, limit: int = PARTNER_DOCUMENTS) -> dict[str, Any] | None:
        """One partner's profile, CSV profile, the newest documents we sent it, and the messages its
        newest orders came in (orders carry the partner; messages only their channel)."""
        t, d, m, o = trading_partners, outbound_documents, inbound_messages, orders
        with self._read() as uow:
            c = uow.connection
            row = c.execute(select(t).where(t.c.id == partner_id)).first()
            if row is None:
                return None
            csv = c.scalar(select(csv_profiles.c.profile).where(csv_profiles.c.partner_id == partner_id))
            sent = select(d.c.id, d.c.order_id, d.c.kind, d.c.reference, d.c.control_number, d.c.created_at)
            newest = o.c.partner_id == partner_id
            received = (
                select(m.c.id, m.c.channel, m.c.received_at, m.c.content_type, m.c.status, o.c.id.label("order_id"))
                .join(m, m.c.id == o.c.raw_message_id)
                .where(newest)
                .order_by(o.c.id.desc())
                .limit(limit)
            )
            return {
                **dict(row._mapping),
                "csv_profile": csv,
                "sent": rows(
                    c.execute(sent.where(d.c.partner_id == partner_id).order_by(d.c.created_at.desc()).limit(limit))
                ),
                "received": rows(c.execute(received)),
                "orders": int(c.scalar(select(func.count()).select_from(o).where(newest)) or 0),
            }

    def connector_rows(self, now: datetime) -> list[dict[str, Any]]:
        """Each connector's calls over the last 24 h (as far as the buckets are kept), its last success
        and last failure with the error, and the verdict on those 24 h."""
        with self._read() as uow:
            figures = connector_health.figures(uow.connection, now, window=CONNECTOR_DAY)
        found = []
        for f in figures:
            verdict = assess(f, window=CONNECTOR_DAY)
            found.append({"figures": f, "state": verdict.state.value, "reason": verdict.reason})
        return found
