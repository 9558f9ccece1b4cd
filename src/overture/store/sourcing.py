"""Sourcing: the settings document, the facts routing needs beyond stock, and the routing decisions read back."""

from __future__ import annotations

import time
import weakref
from collections.abc import Collection
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Engine, bindparam, func, select

from overture.domain.inventory import Location
from overture.domain.sourcing import SourcingConfig
from overture.services.ports import SkuTraits
from overture.store.inventory import _location
from overture.store.tables import decisions, locations, orders, reservations, skus, sourcing_settings

_CURRENT = "current"
# Read per order on the capture path: cached per database for a few seconds (a change saved here
# takes effect at once in this process; other processes see it within the TTL), and the SKU
# traits statement is built once.
CONFIG_TTL_S = 5.0
_configs: weakref.WeakKeyDictionary[Engine, tuple[float, SourcingConfig]] = weakref.WeakKeyDictionary()
_SKU_TRAITS = select(skus.c.sku, skus.c.weight_kg, skus.c.hazmat, skus.c.oversize).where(
    skus.c.sku.in_(bindparam("b_skus", expanding=True))
)


class SqlSourcingRepository:
    def __init__(self, connection: Connection) -> None:
        self._c = connection

    def config(self) -> SourcingConfig:
        cached = _configs.get(self._c.engine)
        now = time.monotonic()
        if cached is not None and now - cached[0] < CONFIG_TTL_S:
            return cached[1]
        document = self._c.scalar(select(sourcing_settings.c.document).where(sourcing_settings.c.id == _CURRENT))
        config = SourcingConfig() if document is None else SourcingConfig.from_document(document)
        _configs[self._c.engine] = (now, config)
        return config

    def save_config(self, config: SourcingConfig, at: datetime) -> None:
        self._c.execute(sourcing_settings.delete().where(sourcing_settings.c.id == _CURRENT))
        self._c.execute(
            sourcing_settings.insert(), {"id": _CURRENT, "document": config.to_document(), "updated_at": at}
        )
        _configs.pop(self._c.engine, None)

    def sku_traits(self, wanted: Collection[str]) -> dict[str, SkuTraits]:
        rows = self._c.execute(_SKU_TRAITS, {"b_skus": list(wanted)})
        return {row.sku: SkuTraits(row.weight_kg or 0.0, row.hazmat, row.oversize) for row in rows}

    def orders_shipping_since(self, location_ids: Collection[str], since: datetime) -> dict[str, int]:
        """How many orders each location took on since ``since`` (its reservations), for daily capacity."""
        if not location_ids:
            return {}
        r = reservations
        query = (
            select(r.c.location_id, func.count(r.c.order_id.distinct()))
            .where(r.c.location_id.in_(list(location_ids)), r.c.created_at >= since)
            .group_by(r.c.location_id)
        )
        return {location_id: count for location_id, count in self._c.execute(query).tuples()}

    def routing_decisions(self, order_id: str) -> list[dict[str, Any]] | None:
        """The order's routing decisions, oldest first; None if there is no such order."""
        if self._c.scalar(select(orders.c.id).where(orders.c.id == order_id)) is None:
            return None
        d = decisions
        query = (
            select(d.c.at, d.c.outcome, d.c.reason, d.c.inputs, d.c.alternatives)
            .where(d.c.order_id == order_id, d.c.kind == "routing")
            .order_by(d.c.at, d.c.id)
        )
        return [_explained(row) for row in self._c.execute(query)]

    def routing_decisions_since(
        self, since: datetime, until: datetime | None, *, after_id: int | None, limit: int
    ) -> list[dict[str, Any]]:
        """One keyset page of the routing decisions made in ``[since, until)``, by id (the primary key)."""
        d = decisions
        query = select(d.c.id, d.c.order_id, d.c.at, d.c.outcome, d.c.inputs).where(
            d.c.kind == "routing", d.c.at >= since
        )
        if until is not None:
            query = query.where(d.c.at < until)
        if after_id is not None:
            query = query.where(d.c.id > after_id)
        rows = self._c.execute(query.order_by(d.c.id).limit(limit))
        return [dict(row._mapping) for row in rows]

    def locations(self, location_ids: Collection[str]) -> dict[str, Location]:
        """These locations as they are now, by id (unknown ids are left out)."""
        if not location_ids:
            return {}
        rows = self._c.execute(select(locations).where(locations.c.id.in_(list(location_ids))))
        return {row.id: _location(row) for row in rows}


def _explained(row: Any) -> dict[str, Any]:
    candidates = list(row.alternatives)
    chosen = next((c for c in candidates if c.get("outcome") == "chosen"), None)
    return {
        "at": row.at.isoformat(),
        "strategy": row.inputs.get("strategy"),
        "outcome": row.outcome,
        "reason": row.reason,
        "chosen": chosen,
        # Candidates that met every hard constraint (chosen or outranked, with their costs), then the ruled out.
        "candidates": [c for c in candidates if c.get("components") is not None],
        "rejected": [c for c in candidates if c.get("constraint") is not None],
        "inputs": row.inputs,
    }
