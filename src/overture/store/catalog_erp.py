"""The catalogue's side of the sync with the ERP of record (services/ports/erp_catalog.py): SKUs with
their list price and where they stand with the ERP, and how far a sync has read.

Unlike ``SqlCatalogRepository.upsert_skus``, which writes every column, these writes set only the
columns named: the ERP knows nothing of our hazmat, oversize or serialized flags, and a sync must not
reset them.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, insert, or_, select, update

from overture.services.ports.erp_catalog import CatalogueEntry
from overture.store.tables import erp_cursors, skus

_CHUNK = 500
MERGEABLE = frozenset(
    {
        "description",
        "unit_of_measure",
        "weight_kg",
        "unit_cost",
        "list_price",
        "price_currency",
        "erp_synced_at",
        "erp_modified_at",
        "price_changed_at",
    }
)
_COLUMNS = (
    skus.c.sku,
    skus.c.description,
    skus.c.unit_of_measure,
    skus.c.weight_kg,
    skus.c.unit_cost,
    skus.c.list_price,
    skus.c.price_currency,
    skus.c.erp_synced_at,
    skus.c.erp_modified_at,
    skus.c.price_changed_at,
)


class SqlErpCatalog:
    """Mixed into ``SqlCatalogRepository``, on its connection."""

    _c: Connection

    def catalogue_entries(self, wanted: Collection[str]) -> dict[str, CatalogueEntry]:
        found: dict[str, CatalogueEntry] = {}
        items = list(wanted)
        for start in range(0, len(items), _CHUNK):
            query = select(*_COLUMNS).where(skus.c.sku.in_(items[start : start + _CHUNK]))
            found.update({row.sku: _entry(row) for row in self._c.execute(query)})
        return found

    def add_catalogue_entries(self, entries: Sequence[CatalogueEntry], at: datetime) -> None:
        if not entries:
            return
        rows = [
            {
                "sku": e.sku,
                "description": e.description,
                "unit_of_measure": e.unit_of_measure,
                "weight_kg": e.weight_kg,
                "unit_cost": e.unit_cost,
                "list_price": e.list_price,
                "price_currency": e.price_currency,
                "erp_synced_at": e.erp_synced_at,
                "erp_modified_at": e.erp_modified_at,
                "price_changed_at": e.price_changed_at,
                "created_at": at,
                "updated_at": at,
            }
            for e in entries
        ]
        self._c.execute(insert(skus), rows)

    def merge_catalogue_fields(self, sku: str, values: Mapping[str, Any], at: datetime) -> None:
        unknown = set(values) - MERGEABLE
        if unknown:
            raise ValueError(f"not a column a catalogue sync sets: {', '.join(sorted(unknown))}")
        self._c.execute(update(skus).where(skus.c.sku == sku).values({**values, "updated_at": at}))

    def unpushed_entries(self, limit: int) -> list[CatalogueEntry]:
        pending = or_(
            skus.c.erp_synced_at.is_(None),
            (skus.c.price_changed_at.is_not(None)) & (skus.c.price_changed_at > skus.c.erp_synced_at),
        )
        query = select(*_COLUMNS).where(pending).order_by(skus.c.sku).limit(limit)
        return [_entry(row) for row in self._c.execute(query)]

    def erp_cursor(self, name: str) -> datetime | None:
        found: datetime | None = self._c.scalar(select(erp_cursors.c.position).where(erp_cursors.c.name == name))
        return found

    def save_erp_cursor(self, name: str, position: datetime, at: datetime) -> None:
        values = {"position": position, "updated_at": at}
        changed = self._c.execute(update(erp_cursors).where(erp_cursors.c.name == name).values(values))
        if changed.rowcount == 0:
            self._c.execute(insert(erp_cursors).values(name=name, **values))


def _entry(row: Any) -> CatalogueEntry:  # a row of _COLUMNS
    return CatalogueEntry(
        sku=row.sku,
        description=row.description,
        unit_of_measure=row.unit_of_measure,
        weight_kg=row.weight_kg,
        unit_cost=row.unit_cost,
        list_price=row.list_price,
        price_currency=row.price_currency,
        erp_synced_at=row.erp_synced_at,
        erp_modified_at=row.erp_modified_at,
        price_changed_at=row.price_changed_at,
    )
