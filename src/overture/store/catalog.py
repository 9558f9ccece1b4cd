"""SKUs and locations."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime
from decimal import Decimal

from sqlalchemy import Connection, event, func, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite

from overture.domain.inventory import Location, Sku
from overture.store import statements
from overture.store.catalog_erp import SqlErpCatalog
from overture.store.inventory import forget_locations
from overture.store.tables import inventory_positions, locations, skus

# Keeps each IN (...) list well under SQLite's bound-parameter limit.
_CHUNK = 500


class SqlCatalogRepository(SqlErpCatalog):
    def __init__(self, connection: Connection) -> None:
        self._c = connection

    def known_skus(self, wanted: Collection[str]) -> set[str]:
        found: set[str] = set()
        items = list(wanted)
        for start in range(0, len(items), _CHUNK):
            found.update(self._c.scalars(statements.KNOWN_SKUS, {"b_skus": items[start : start + _CHUNK]}))
        return found

    def unit_costs(self, wanted: Collection[str]) -> dict[str, Decimal]:
        """The known unit cost of each of these SKUs (SKUs without one are left out)."""
        costs: dict[str, Decimal] = {}
        items = list(wanted)
        for start in range(0, len(items), _CHUNK):
            rows = self._c.execute(statements.UNIT_COSTS, {"b_skus": items[start : start + _CHUNK]})
            costs.update({row.sku: row.unit_cost for row in rows})
        return costs

    def upsert_skus(self, items: Sequence[Sku], at: datetime) -> int:
        if not items:
            return 0
        dialect = postgresql if self._c.dialect.name == "postgresql" else sqlite
        statement = dialect.insert(skus)
        statement = statement.on_conflict_do_update(
            index_elements=[skus.c.sku],
            set_={
                "description": statement.excluded.description,
                "unit_of_measure": statement.excluded.unit_of_measure,
                "weight_kg": statement.excluded.weight_kg,
                "serialized": statement.excluded.serialized,
                "unit_cost": statement.excluded.unit_cost,
                "hazmat": statement.excluded.hazmat,
                "oversize": statement.excluded.oversize,
                "updated_at": statement.excluded.updated_at,
            },
        )
        rows = [
            {
                "sku": s.sku,
                "description": s.description,
                "unit_of_measure": s.unit_of_measure,
                "weight_kg": s.weight_kg,
                "serialized": s.serialized,
                "unit_cost": s.unit_cost,
                "hazmat": s.hazmat,
                "oversize": s.oversize,
                "created_at": at,
                "updated_at": at,
            }
            for s in items
        ]
        self._c.execute(statement, rows)
        return len(rows)

    def units_on_hand(self, wanted: Collection[str]) -> dict[str, int]:
        position = inventory_positions.c
        query = (
            select(position.sku, func.sum(position.on_hand).label("units"))
            .where(position.sku.in_(list(wanted)), position.on_hand > 0)
            .group_by(position.sku)
        )
        return {row.sku: int(row.units) for row in self._c.execute(query)}

    def add_location(self, location: Location, at: datetime) -> None:
        self._c.execute(
            insert(locations),
            {
                "id": location.id,
                "name": location.name,
                "kind": location.kind.value,
                "latitude": location.latitude,
                "longitude": location.longitude,
                "postal_code": location.postal_code,
                "country": location.country,
                "capabilities": sorted(location.capabilities),
                "priority": location.priority,
                "active": location.active,
                "ship_by_seconds": location.ship_by_seconds,
                "daily_capacity": location.daily_capacity,
                "cutoff_utc": None if location.cutoff_utc is None else location.cutoff_utc.strftime("%H:%M"),
                "supplier_partner_id": location.supplier_partner_id,
                "supplier_transport": location.supplier_transport.value,
                "supplier_url": location.supplier_url,
                "created_at": at,
            },
        )

    def known_locations(self, location_ids: Collection[str]) -> set[str]:
        return set(self._c.scalars(select(locations.c.id).where(locations.c.id.in_(list(location_ids)))))

    def update_location(self, location: Location) -> None:
        values = {
            "priority": location.priority,
            "active": location.active,
            "ship_by_seconds": location.ship_by_seconds,
            "daily_capacity": location.daily_capacity,
            "cutoff_utc": None if location.cutoff_utc is None else location.cutoff_utc.strftime("%H:%M"),
        }
        self._c.execute(update(locations).where(locations.c.id == location.id).values(values))
        # Orders placed in this process route with the edit at once, not after the cache's few seconds.
        engine = self._c.engine
        event.listen(self._c, "commit", lambda _: forget_locations(engine), once=True)
