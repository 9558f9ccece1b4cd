"""The catalogue both ways with the ERP of record: what the ERP says of an item, what we hold of a SKU
beside it, the ERP's item API, and the store's side of the sync.

An ``ErpItem`` field that is None is one the ERP did not report (a record without a weight, a cost
the ERP does not have): a sync leaves our value of it alone. Times named ``erp_*`` are the ERP's own
clock (its LastModifiedDateTime), compared only with each other; the others are ours.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any, Protocol


@dataclass(frozen=True, slots=True)
class ErpItem:
    sku: str
    erp_modified_at: datetime
    status: str = "Active"
    active: bool = True  # False: the ERP has it inactive or marked for deletion (reported, not applied)
    description: str | None = None
    unit_of_measure: str | None = None
    weight_kg: float | None = None
    unit_cost: Decimal | None = None
    list_price: Decimal | None = None
    currency: str | None = None


@dataclass(frozen=True, slots=True)
class ItemRefusal:
    """A record of the ERP not applied, by the field that does not read."""

    sku: str
    field: str
    reason: str


@dataclass(slots=True)
class ItemRead:
    items: list[ErpItem] = field(default_factory=list)
    refused: list[ItemRefusal] = field(default_factory=list)
    last_modified: datetime | None = None  # the latest ERP modification time of every record read


@dataclass(frozen=True, slots=True)
class CatalogueEntry:
    """A SKU as we hold it, with where it stands with the ERP."""

    sku: str
    description: str = ""
    unit_of_measure: str = "EA"
    weight_kg: float | None = None
    unit_cost: Decimal | None = None
    list_price: Decimal | None = None
    price_currency: str | None = None
    erp_synced_at: datetime | None = None
    erp_modified_at: datetime | None = None
    price_changed_at: datetime | None = None

    @property
    def price_pending(self) -> bool:
        """Our list price was set after we last agreed with the ERP: it is ours to send."""
        if self.price_changed_at is None or self.list_price is None:
            return False
        return self.erp_synced_at is None or self.price_changed_at > self.erp_synced_at


class ErpItems(Protocol):
    """The ERP's stock items (raises the errors of services/ports/connector_errors.py)."""

    @property
    def currency(self) -> str:
        """The currency of the ERP's list prices (its base currency)."""
        ...

    async def changed_since(self, since: datetime | None) -> ItemRead:
        """Every item modified at or after ``since`` by the ERP's clock (all of them when None)."""
        ...

    async def find(self, sku: str) -> ErpItem | None:
        """The item the ERP holds under this SKU, if any."""
        ...

    async def create(self, entry: CatalogueEntry) -> datetime:
        """Create the item from our SKU; the ERP's modification time of what it made."""
        ...

    async def update_price(self, sku: str, price: Decimal) -> datetime:
        """Set the item's list price; the ERP's modification time of the change."""
        ...


class ErpCatalogRepository(Protocol):
    def catalogue_entries(self, skus: Collection[str]) -> dict[str, CatalogueEntry]:
        """These SKUs as we hold them, by SKU (unknown ones left out)."""
        ...

    def add_catalogue_entries(self, entries: Sequence[CatalogueEntry], at: datetime) -> None:
        """New SKUs with the ERP's fields (our own flags at their defaults)."""
        ...

    def merge_catalogue_fields(self, sku: str, values: Mapping[str, Any], at: datetime) -> None:
        """Set only these columns of one SKU (description, unit_of_measure, weight_kg, unit_cost,
        list_price, price_currency, erp_synced_at, erp_modified_at, price_changed_at)."""
        ...

    def unpushed_entries(self, limit: int) -> list[CatalogueEntry]:
        """SKUs the ERP is not known to hold, or whose list price changed here since we last agreed."""
        ...

    def erp_cursor(self, name: str) -> datetime | None: ...

    def save_erp_cursor(self, name: str, position: datetime, at: datetime) -> None: ...
