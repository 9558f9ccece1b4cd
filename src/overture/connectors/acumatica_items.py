"""Acumatica's stock items as our catalogue's ERP of record (the ``ErpItems`` port), both ways.

Wire format (endpoint Default, 24.200.001; field names as its StockItem entity has them)::

    GET StockItem?$select=InventoryID,Description,BaseUOM,DefaultPrice,...,LastModifiedDateTime
        &$filter=LastModifiedDateTime ge datetimeoffset'2026-01-01T00:00:00.000+00:00'&$top=N&$skip=M
        -> [{"id", "InventoryID": {"value"}, "DefaultPrice": {"value": 19.99}, "ItemStatus": {"value": "Active"},
             "LastModifiedDateTime": {"value": "2026-01-01T10:00:00.123+00:00"}, ...}]
    PUT StockItem  {"InventoryID": {"value"}, "Description", "BaseUOM", "DefaultPrice", "ItemClass"}
        -> the record: created, or updated when the InventoryID exists

What we read: the unit cost is ``CurrentStdCost`` for a standard-cost item and ``AverageCost`` for the
others (average, FIFO, specific), ``LastCost`` when that is zero; a zero cost or weight is one Acumatica
does not know (a new item) and leaves ours alone. ``DimensionWeight`` is in the item's ``WeightUOM``,
converted to kilograms. A record without its key or modification time is drift (``ApiDriftError``: the
page is not read); a value that does not read (a negative or non-numeric price, an unknown weight
unit) refuses that record alone, by field. ``ItemStatus`` "Inactive" or "Marked for Deletion" makes
the item inactive.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from pydantic import Field

from overture.connectors.acumatica import AcumaticaConnector
from overture.connectors.acumatica_wire import Text, literal, wrapped
from overture.connectors.contracts import Contract
from overture.services.ports.connector_errors import ApiDriftError, PermanentConnectorError
from overture.services.ports.erp_catalog import CatalogueEntry, ErpItem, ItemRead, ItemRefusal

PAGE = 100
FIELDS = (
    "InventoryID",
    "Description",
    "BaseUOM",
    "ItemStatus",
    "DefaultPrice",
    "ValuationMethod",
    "CurrentStdCost",
    "AverageCost",
    "LastCost",
    "DimensionWeight",
    "WeightUOM",
    "LastModifiedDateTime",
)
INACTIVE = frozenset({"Inactive", "Marked for Deletion"})
KG_PER = {"KG": Decimal(1), "G": Decimal("0.001"), "LB": Decimal("0.45359237"), "OZ": Decimal("0.028349523125")}


class _Value(Contract):
    value: float | int | str | bool | None = None


class _StockItem(Contract):
    id: str
    inventory_id: Text = Field(alias="InventoryID")
    modified: Text = Field(alias="LastModifiedDateTime")


class _StockItems(Contract):
    records: list[_StockItem]


class _Written(Contract):
    inventory_id: Text = Field(alias="InventoryID")
    modified: Text = Field(alias="LastModifiedDateTime")


class AcumaticaItems:
    """``currency``: the tenant's base currency, which DefaultPrice is in. ``item_class``: the class of
    the items we create (unset: the default class of Acumatica's Inventory Preferences)."""

    def __init__(
        self, connector: AcumaticaConnector, *, currency: str = "USD", item_class: str | None = None, page: int = PAGE
    ) -> None:
        self._connector = connector
        self._currency = currency
        self._item_class = item_class
        self._page = page

    @property
    def currency(self) -> str:
        return self._currency

    async def changed_since(self, since: datetime | None) -> ItemRead:
        where = f"LastModifiedDateTime ge datetimeoffset'{_offset(since)}'" if since is not None else None
        read = ItemRead()
        skip = 0
        while True:
            records = await self._records(where, skip, "sync_items")
            for record in records:
                _collect(read, record, self._currency)
            if len(records) < self._page:
                return read
            skip += self._page

    async def _records(self, where: str | None, skip: int, operation: str) -> list[dict[str, Any]]:
        params: dict[str, str | int] = {"$select": ",".join(FIELDS), "$top": self._page, "$skip": skip}
        if where:
            params["$filter"] = where
        page = await self._connector.read(_StockItems, "StockItem", operation=operation, params=params)
        return [record.model_dump(by_alias=True) | (record.model_extra or {}) for record in page.records]

    async def find(self, sku: str) -> ErpItem | None:
        records = await self._records(f"InventoryID eq {literal(sku)}", 0, "find_item")
        if not records:
            return None
        item = _item(records[0], self._currency)
        if isinstance(item, list):
            problems = "; ".join(f"{r.field}: {r.reason}" for r in item)
            raise PermanentConnectorError(
                f"{sku} in Acumatica does not read ({problems})", connector=self._connector.name, operation="find_item"
            )
        return item

    async def create(self, entry: CatalogueEntry) -> datetime:
        body = wrapped(
            InventoryID=entry.sku,
            Description=entry.description or entry.sku,
            BaseUOM=entry.unit_of_measure,
            ItemClass=self._item_class,
            DefaultPrice=None if entry.list_price is None else str(entry.list_price),
        )
        return await self._put(body, "create_item")

    async def update_price(self, sku: str, price: Decimal) -> datetime:
        return await self._put(wrapped(InventoryID=sku, DefaultPrice=str(price)), "update_item_price")

    async def _put(self, body: dict[str, Any], operation: str) -> datetime:
        answer = await self._connector.write(_Written, "StockItem", body, operation=operation)
        moment = _moment(answer.modified.value)
        if moment is None:
            raise ApiDriftError(
                f"{answer.inventory_id.value}: LastModifiedDateTime {answer.modified.value!r} is not a date and time",
                connector=self._connector.name,
                operation=operation,
                problems=("LastModifiedDateTime.value: not a date and time",),
            )
        return moment


def _collect(read: ItemRead, record: dict[str, Any], currency: str) -> None:
    item = _item(record, currency)
    moment = _moment(_text(record, "LastModifiedDateTime"))
    if moment is not None and (read.last_modified is None or moment > read.last_modified):
        read.last_modified = moment
    if isinstance(item, list):
        read.refused.extend(item)
    else:
        read.items.append(item)


def _item(record: dict[str, Any], currency: str) -> ErpItem | list[ItemRefusal]:
    """One record read, or every field of it that does not read."""
    sku = _text(record, "InventoryID") or ""
    refused: list[ItemRefusal] = []

    def amount(name: str) -> Decimal | None:
        value, why = _amount(_value(record, name))
        if why:
            refused.append(ItemRefusal(sku, name, why))
        return value

    moment = _moment(_text(record, "LastModifiedDateTime"))
    if moment is None:
        refused.append(ItemRefusal(sku, "LastModifiedDateTime", "is not a date and time"))
    price = amount("DefaultPrice")
    costs = {name: amount(name) for name in ("CurrentStdCost", "AverageCost", "LastCost")}
    weight = _weight(record, sku, amount("DimensionWeight"), refused)
    if refused or moment is None:
        return refused
    status = _text(record, "ItemStatus") or "Active"
    return ErpItem(
        sku=sku,
        erp_modified_at=moment,
        status=status,
        active=status not in INACTIVE,
        description=_text(record, "Description"),
        unit_of_measure=_text(record, "BaseUOM"),
        weight_kg=weight,
        unit_cost=_cost(_text(record, "ValuationMethod"), costs),
        list_price=price,
        currency=currency if price is not None else None,
    )


def _cost(valuation: str | None, costs: dict[str, Decimal | None]) -> Decimal | None:
    first = costs["CurrentStdCost"] if valuation == "Standard" else costs["AverageCost"]
    for cost in (first, costs["LastCost"]):
        if cost:  # zero: Acumatica has no cost yet (nothing received), which is not a cost of nothing
            return cost
    return None


def _weight(record: dict[str, Any], sku: str, weight: Decimal | None, refused: list[ItemRefusal]) -> float | None:
    if not weight:
        return None
    unit = (_text(record, "WeightUOM") or "KG").upper()
    if unit not in KG_PER:
        refused.append(ItemRefusal(sku, "WeightUOM", f"{unit!r} is not a weight unit we convert ({', '.join(KG_PER)})"))
        return None
    return float(weight * KG_PER[unit])


def _value(record: dict[str, Any], name: str) -> Any:
    slot = record.get(name)
    return slot.get("value") if isinstance(slot, dict) else None


def _text(record: dict[str, Any], name: str) -> str | None:
    value = _value(record, name)
    return value if isinstance(value, str) and value else None


def _amount(value: Any) -> tuple[Decimal | None, str]:
    """A non-negative decimal, or why it is not one (None and no reason: not reported)."""
    if value is None:
        return None, ""
    if isinstance(value, bool):
        return None, f"{value!r} is not a number"
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        return None, f"{value!r} is not a number"
    if not number.is_finite() or number < 0:
        return None, f"{value} is not a non-negative amount"
    return number, ""


def _moment(text: str | None) -> datetime | None:
    if not text:
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)  # a naive time: the server's UTC


def _offset(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="milliseconds")
