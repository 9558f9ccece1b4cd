"""Our catalogue into the ERP of record (``overture erp push-items``): SKUs the ERP does not hold are
created there, and a list price set here since we last agreed with the ERP is sent as an update.

Idempotent: each SKU is looked up by its key first, so a re-run (or a run after an answer was lost)
creates nothing twice; a SKU the ERP already holds is adopted, its values applied as a sync would
(services/erp_items.py says which side wins). A pending price is not sent when the ERP changed the
item after we last saw it: the ERP's later change wins, reported as a conflict, and its values are
applied. What was done is recorded even when a later call fails, so a re-run picks up after it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from overture.services import changes
from overture.services.changes import SYSTEM, listed
from overture.services.erp_items import ACTOR, ItemSync, apply_items
from overture.services.errors import ErrorCode, InvalidRequest, NotFound
from overture.services.ports import Clock, UnitOfWork, UnitOfWorkFactory
from overture.services.ports.erp_catalog import CatalogueEntry, ErpItem, ErpItems, ItemRead, ItemRefusal
from overture.services.retry import in_transaction, read_only

BATCH = 1000


@dataclass
class ItemPush:
    created: list[str] = field(default_factory=list)
    priced: list[str] = field(default_factory=list)  # our list price sent as an update
    adopted: list[str] = field(default_factory=list)  # the ERP held it already: its values applied
    conflicts: list[str] = field(default_factory=list)  # our price not sent: the ERP changed it later
    refused: list[ItemRefusal] = field(default_factory=list)
    sent: dict[str, datetime] = field(default_factory=dict)  # sku -> the ERP's modification time of our write
    applied: ItemSync | None = None

    def summary(self) -> str:
        return (
            f"{len(self.created)} SKU(s) created in the ERP, {len(self.priced)} price(s) sent, "
            f"{len(self.adopted)} already there (adopted), {len(self.conflicts)} conflict(s) left to the ERP, "
            f"{len(self.refused)} refused"
        )


@dataclass(frozen=True, slots=True)
class PriceChange:
    sku: str
    price: Decimal
    currency: str


def set_list_prices(
    uow_factory: UnitOfWorkFactory, prices: Sequence[PriceChange], *, clock: Clock, actor: str = SYSTEM
) -> int:
    """Set our list price of SKUs (all or none); push-items sends them to the ERP."""

    def work(uow: UnitOfWork) -> int:
        unknown = sorted({p.sku for p in prices} - uow.catalog.known_skus({p.sku for p in prices}))
        if unknown:
            raise NotFound(f"unknown SKU(s): {', '.join(unknown[:20])}")
        for index, change in enumerate(prices):
            if change.price < 0 or len(change.currency) != 3:
                why = "a list price is not negative, in a three-letter currency"
                raise InvalidRequest(f"prices[{index}]", why, ErrorCode.INVALID_VALUE)
        at = clock()
        for change in prices:
            values = {"list_price": change.price, "price_currency": change.currency, "price_changed_at": at}
            uow.catalog.merge_catalogue_fields(change.sku, values, at)
        detail = listed(prices, lambda p: {"sku": p.sku, "price": str(p.price), "currency": p.currency})
        changes.record(uow, at, actor, "skus.priced", "skus", **detail)
        return len(prices)

    return in_transaction(uow_factory, work)


async def push_items(
    uow_factory: UnitOfWorkFactory, erp_items: ErpItems, *, erp: str, clock: Clock, limit: int = BATCH
) -> ItemPush:
    """Create in the ERP what it lacks and send our pending prices; record what was done."""
    started = clock()  # a price set here while the push runs is later than this: it stays pending
    entries = read_only(uow_factory, lambda uow: uow.catalog.unpushed_entries(limit))
    result = ItemPush()
    theirs: list[ErpItem] = []
    try:
        for entry in entries:
            found = await _push_one(erp_items, entry, result)
            if found is not None:
                theirs.append(found)
    finally:
        _record_sent(uow_factory, result, erp=erp, synced_at=started, clock=clock)
        if theirs:
            read = ItemRead(items=theirs)
            result.applied = apply_items(uow_factory, read, erp=erp, clock=clock, move_cursor=False)
    return result


async def _push_one(erp_items: ErpItems, entry: CatalogueEntry, result: ItemPush) -> ErpItem | None:
    """One SKU: created, priced, or left to the ERP; the ERP's item when its values are to be applied."""
    found = await erp_items.find(entry.sku)
    if found is not None and entry.erp_synced_at is None:
        result.adopted.append(entry.sku)
        return found
    if found is None and entry.erp_synced_at is not None:  # deleted there: a person decides, not a re-run
        result.refused.append(ItemRefusal(entry.sku, "InventoryID", "the ERP no longer holds this item"))
        return None
    if entry.price_currency not in (None, erp_items.currency) and entry.list_price is not None:
        reason = f"our price is in {entry.price_currency}, the ERP's prices in {erp_items.currency}"
        result.refused.append(ItemRefusal(entry.sku, "price_currency", reason))
        return None
    if found is None:
        result.sent[entry.sku] = await erp_items.create(entry)
        result.created.append(entry.sku)
        return None
    if entry.erp_modified_at is None or found.erp_modified_at > entry.erp_modified_at:
        result.conflicts.append(entry.sku)
        return found
    if entry.list_price is not None and found.list_price != entry.list_price:
        result.sent[entry.sku] = await erp_items.update_price(entry.sku, entry.list_price)
        result.priced.append(entry.sku)
    else:
        result.sent[entry.sku] = found.erp_modified_at  # the ERP has our price already
    return None


def _record_sent(
    uow_factory: UnitOfWorkFactory, result: ItemPush, *, erp: str, synced_at: datetime, clock: Clock
) -> None:
    if not result.sent:
        return

    def work(uow: UnitOfWork) -> None:
        at = clock()
        for sku, modified in result.sent.items():
            values = {"erp_synced_at": synced_at, "erp_modified_at": modified}
            uow.catalog.merge_catalogue_fields(sku, values, at)
        done = [(sku, "created") for sku in result.created] + [(sku, "priced") for sku in result.priced]
        detail = listed(done, lambda one: {"sku": one[0], "done": one[1]})
        changes.record(uow, at, f"{ACTOR} ({erp})", "skus.pushed_to_erp", "skus", target=erp, **detail)

    in_transaction(uow_factory, work)
