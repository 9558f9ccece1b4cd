"""Stock on hand from Acumatica's warehouses, as the ERP of record counts it: every stock item with its
``WarehouseDetails`` expanded, read page by page (``$top``/``$skip``), the warehouse IDs mapped back to
our locations (``acumatica_warehouses``; a warehouse mapped to none of them is not ours to reconcile).

Wire format::

    GET /entity/Default/<ver>/StockItem?$expand=WarehouseDetails&$select=InventoryID,WarehouseDetails/WarehouseID,
        WarehouseDetails/QtyOnHand&$top=N&$skip=M
        -> [{"id", "InventoryID": {"value"},
             "WarehouseDetails": [{"WarehouseID": {"value"}, "QtyOnHand": {"value": 12.0}}]}]

Quantities are decimals in Acumatica (a unit of measure may be fractional); ours are whole units, so a
fractional quantity on hand is refused by name rather than rounded into stock that is not there.
"""

from __future__ import annotations

from decimal import Decimal

from pydantic import Field

from overture.connectors.acumatica import AcumaticaConnector
from overture.connectors.acumatica_wire import Text
from overture.connectors.contracts import Contract
from overture.services.ports.connector_errors import ApiDriftError
from overture.services.ports.erp import WarehouseLevel

PAGE = 100
SELECT = "InventoryID,WarehouseDetails/WarehouseID,WarehouseDetails/QtyOnHand"


class _Quantity(Contract):
    value: float | int | str


class _Warehouse(Contract):
    warehouse: Text = Field(alias="WarehouseID")
    on_hand: _Quantity = Field(alias="QtyOnHand")


class _Item(Contract):
    id: str
    inventory_id: Text = Field(alias="InventoryID")
    warehouses: list[_Warehouse] = Field(default_factory=list, alias="WarehouseDetails")


class _Items(Contract):
    records: list[_Item]


class AcumaticaStock:
    """The ``ErpStock`` port over an Acumatica connector's session."""

    def __init__(self, connector: AcumaticaConnector) -> None:
        self._connector = connector
        self._locations = {warehouse: location for location, warehouse in connector.warehouses.items()}

    async def warehouse_levels(self) -> list[WarehouseLevel]:
        levels: list[WarehouseLevel] = []
        skip = 0
        while True:
            params: dict[str, str | int] = {
                "$expand": "WarehouseDetails",
                "$select": SELECT,
                "$top": PAGE,
                "$skip": skip,
            }
            page = await self._connector.read(_Items, "StockItem", operation="stock_levels", params=params)
            for item in page.records:
                levels.extend(self._levels(item))
            if len(page.records) < PAGE:
                return levels
            skip += PAGE

    def _levels(self, item: _Item) -> list[WarehouseLevel]:
        found = []
        for row in item.warehouses:
            location = self._locations.get(row.warehouse.value)
            if location is None:
                continue
            quantity = Decimal(str(row.on_hand.value))
            if quantity != quantity.to_integral_value():
                raise ApiDriftError(
                    f"{item.inventory_id.value} at {row.warehouse.value}: {quantity} on hand is not whole units",
                    connector=self._connector.name,
                    operation="stock_levels",
                    problems=(f"WarehouseDetails.QtyOnHand: {quantity} is not a whole number",),
                )
            found.append(WarehouseLevel(item.inventory_id.value, location, int(quantity)))
        return found
