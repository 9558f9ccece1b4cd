"""Items and prices from the ERP of record into our catalogue (``overture erp sync-items``).

Which side wins, per field:

- description, unit of measure, weight, unit cost: the ERP's, whenever it reports one (a field it
  leaves empty keeps ours). Our hazmat, oversize and serialized flags are ours alone: never touched.
- list price: ours until the ERP has the item (``push-items`` sends it); from then on the ERP's,
  except a price we set after we last agreed with the ERP while the ERP has not changed the item
  since: that one stands, for ``push-items`` to send. The ERP changing the item later than we last
  saw it wins over our pending price (reported as ``overridden``). The test is the ERP's own
  LastModifiedDateTime against the one we last saw: two clocks are never compared.

An item the ERP has inactive or marked for deletion is reported, not applied (a person decides
whether we stop selling it); a record that does not read is reported by field and skipped. The sync
is incremental: the ERP's latest modification time read is kept as a cursor, and the next sync asks
for items modified at or after it (re-reading the boundary changes nothing, so none is missed).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from overture.services import changes
from overture.services.changes import listed
from overture.services.ports import Clock, UnitOfWork, UnitOfWorkFactory
from overture.services.ports.erp_catalog import CatalogueEntry, ErpItem, ItemRead, ItemRefusal
from overture.services.retry import in_transaction, read_only

ACTOR = "erp-sync"
ITEMS_CURSOR = "items"


@dataclass
class ItemSync:
    created: list[str] = field(default_factory=list)
    updated: list[tuple[str, tuple[str, ...]]] = field(default_factory=list)  # (sku, the fields changed)
    unchanged: int = 0
    inactive: list[tuple[str, str]] = field(default_factory=list)  # (sku, the ERP's status)
    refused: list[ItemRefusal] = field(default_factory=list)
    kept_ours: list[str] = field(default_factory=list)  # our pending list price stands, to be pushed
    overridden: list[str] = field(default_factory=list)  # our pending list price lost to a later ERP change

    def summary(self) -> str:
        return (
            f"{len(self.created)} SKU(s) created, {len(self.updated)} updated, {self.unchanged} already agreed, "
            f"{len(self.inactive)} inactive in the ERP (not applied), {len(self.refused)} refused, "
            f"{len(self.kept_ours)} with our price pending, {len(self.overridden)} of our prices overridden"
        )


def cursor_name(erp: str) -> str:
    return f"{erp.lower()}:{ITEMS_CURSOR}"


def items_cursor(uow_factory: UnitOfWorkFactory, *, erp: str) -> datetime | None:
    """Where the last sync from this ERP stopped reading (its clock); None before the first."""
    return read_only(uow_factory, lambda uow: uow.catalog.erp_cursor(cursor_name(erp)))


def apply_items(
    uow_factory: UnitOfWorkFactory, read: ItemRead, *, erp: str, clock: Clock, move_cursor: bool = True
) -> ItemSync:
    """Apply what the ERP reported to our catalogue (one transaction), and move the cursor past it."""

    def work(uow: UnitOfWork) -> ItemSync:
        at = clock()
        result = ItemSync(refused=list(read.refused))
        latest = _latest(read.items)
        held = uow.catalog.catalogue_entries(latest)
        new: list[CatalogueEntry] = []
        for item in latest.values():
            if not item.active:
                result.inactive.append((item.sku, item.status))
            elif item.sku in held:
                _merge(uow, held[item.sku], item, at, result)
            else:
                new.append(_new_entry(item, at))
                result.created.append(item.sku)
        uow.catalog.add_catalogue_entries(new, at)
        _record(uow, at, erp, result)
        if move_cursor and read.last_modified is not None:
            _advance(uow, cursor_name(erp), read.last_modified, at)
        return result

    return in_transaction(uow_factory, work)


def _latest(items: list[ErpItem]) -> dict[str, ErpItem]:
    """Each SKU once, as the ERP last modified it (paging over a changing list may read one twice)."""
    latest: dict[str, ErpItem] = {}
    for item in items:
        if item.sku not in latest or item.erp_modified_at > latest[item.sku].erp_modified_at:
            latest[item.sku] = item
    return latest


def _merge(uow: UnitOfWork, entry: CatalogueEntry, item: ErpItem, at: datetime, result: ItemSync) -> None:
    if entry.erp_modified_at is not None and item.erp_modified_at < entry.erp_modified_at:
        result.unchanged += 1  # older than what we hold already (our own push wrote a later version)
        return
    reported = {name: value for name, value in _erp_values(item).items() if value is not None}
    stamps: dict[str, Any] = {"erp_synced_at": at, "erp_modified_at": item.erp_modified_at}
    if entry.price_pending:
        unchanged_since = entry.erp_modified_at is not None and item.erp_modified_at <= entry.erp_modified_at
        if unchanged_since:  # our price stands; the item stays pending for push-items
            reported.pop("list_price", None)
            reported.pop("price_currency", None)
            stamps = {}
            result.kept_ours.append(entry.sku)
        elif item.list_price is not None and item.list_price != entry.list_price:
            result.overridden.append(entry.sku)
    changed = {name: value for name, value in reported.items() if getattr(entry, name) != value}
    if changed:
        result.updated.append((entry.sku, tuple(sorted(changed))))
    else:
        result.unchanged += 1
    if changed or stamps:
        uow.catalog.merge_catalogue_fields(entry.sku, changed | stamps, at)


def _erp_values(item: ErpItem) -> dict[str, Any]:
    return {
        "description": item.description,
        "unit_of_measure": item.unit_of_measure,
        "weight_kg": item.weight_kg,
        "unit_cost": item.unit_cost,
        "list_price": item.list_price,
        "price_currency": item.currency if item.list_price is not None else None,
    }


def _new_entry(item: ErpItem, at: datetime) -> CatalogueEntry:
    values = {name: value for name, value in _erp_values(item).items() if value is not None}
    entry = CatalogueEntry(item.sku, erp_synced_at=at, erp_modified_at=item.erp_modified_at)
    return replace(entry, **values)


def _record(uow: UnitOfWork, at: datetime, erp: str, result: ItemSync) -> None:
    touched = [(sku, ("created",)) for sku in result.created] + result.updated
    if not touched:
        return
    detail = listed(touched, lambda one: {"sku": one[0], "fields": list(one[1])})
    changes.record(uow, at, f"{ACTOR} ({erp})", "skus.synced_from_erp", "skus", source=erp, **detail)


def _advance(uow: UnitOfWork, name: str, position: datetime, at: datetime) -> None:
    stored = uow.catalog.erp_cursor(name)
    if stored is None or position > stored:
        uow.catalog.save_erp_cursor(name, position, at)
