"""What the simulated Acumatica holds: customers, stock items with their warehouse quantities, sales
orders (SO and RC), shipments and sales invoices (invoices and credit memos), and what each action
does to them. Bodies arrive as the API writes them (``{"value": ...}`` wrappers) and are unwrapped
here; a refused field is answered as Acumatica does: the body echoed with an ``error`` beside the
field's value, status 422. Stock items are made and changed by PUT (their amounts checked), or edited
as a person would in Acumatica's screens (``edit_item``); each write moves its LastModifiedDateTime.

Actions::

    SalesOrder/PrepareSalesInvoice   an invoice of the order's lines, CustomerOrder copied; the order Invoiced
    SalesInvoice/ReleaseSalesInvoice Balanced -> Open
    Shipment/ConfirmShipment         Open -> Confirmed, each line's quantity leaving its warehouse
"""

from __future__ import annotations

import copy
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

Record = dict[str, Any]
KEYS: dict[str, tuple[str, ...]] = {
    "Customer": ("CustomerID",),
    "StockItem": ("InventoryID",),
    "SalesOrder": ("OrderType", "OrderNbr"),
    "SalesInvoice": ("Type", "ReferenceNbr"),
    "Shipment": ("ShipmentNbr",),
}
NOT_FOUND = "'{label}' cannot be found in the system."


class Refused(Exception):
    """An answer other than success: ``body`` as Acumatica sends it."""

    def __init__(self, status: int, body: Any) -> None:
        super().__init__(str(body))
        self.status = status
        self.body = body


def http_error(message: str, *, exception: str = "PX.Data.PXException") -> dict[str, str]:
    """Acumatica's (ASP.NET's) error body."""
    return {"message": "An error has occurred.", "exceptionMessage": message, "exceptionType": exception}


def unwrap(body: Any) -> Any:
    """``{"X": {"value": 1}}`` -> ``{"X": 1}``, through linked and detail entities."""
    if isinstance(body, list):
        return [unwrap(item) for item in body]
    if not isinstance(body, dict):
        return body
    if set(body) <= {"value", "error"} and "value" in body:
        return body["value"]
    return {name: unwrap(value) for name, value in body.items() if name not in ("rowNumber", "custom", "_links")}


def amount(value: Any) -> Decimal:
    try:
        return Decimal(str(value))
    except InvalidOperation:
        raise ValueError(f"{value!r} is not a number") from None


@dataclass
class Books:
    """Every record by entity, in the order they were made."""

    require_shipment: bool = False
    strict_items: bool = True
    records: dict[str, list[Record]] = field(default_factory=lambda: {name: [] for name in KEYS})
    counters: dict[str, int] = field(default_factory=dict)

    def stock(self, inventory_id: str, quantities: dict[str, int], *, description: str = "") -> None:
        """Add a stock item with its quantity on hand per warehouse."""
        warehouses = [self._detail(WarehouseID=w, QtyOnHand=Decimal(q)) for w, q in quantities.items()]
        self._add(
            "StockItem",
            {
                "InventoryID": inventory_id,
                "Description": description or inventory_id,
                "BaseUOM": "EA",
                "ItemStatus": "Active",
            },
            WarehouseDetails=warehouses,
        )

    def on_hand(self, inventory_id: str, warehouse: str) -> Decimal:
        item = self.find("StockItem", (inventory_id,))
        rows = item["WarehouseDetails"] if item else []
        return sum((row["QtyOnHand"] for row in rows if row["WarehouseID"] == warehouse), Decimal(0))

    def find(self, entity: str, keys: tuple[str, ...]) -> Record | None:
        for record in self.records[entity]:
            if len(keys) == 1 and record["id"] == keys[0]:
                return record
            if tuple(str(record.get(name, "")) for name in KEYS[entity]) == keys:
                return record
        return None

    def resolve(self, entity: str, body: Record) -> Record | None:
        """The record a body names, by ``id`` or by its key fields."""
        if body.get("id"):
            return self.find(entity, (str(body["id"]),))
        keys = tuple(str(body.get(name, "")) for name in KEYS[entity])
        return self.find(entity, keys) if all(keys) else None

    def _next(self, series: str, prefix: str = "") -> str:
        self.counters[series] = self.counters.get(series, 0) + 1
        return f"{prefix}{self.counters[series]:06d}"

    def _detail(self, **fields: Any) -> Record:
        return {"id": str(uuid.uuid4()), **fields}

    def _add(self, entity: str, fields: Record, **details: list[Record]) -> Record:
        record = {"id": str(uuid.uuid4()), **fields, **details, "LastModifiedDateTime": self._stamp()}
        self.records[entity].append(record)
        return record

    def _stamp(self) -> str:
        # A second per write from a fixed start, not the clock: records sort by when they were written,
        # and a test's times are the same on every run.
        moment = _EPOCH + timedelta(seconds=int(self._next("_stamp")))
        return moment.isoformat(timespec="milliseconds")

    # ---- writes (PUT) -----------------------------------------------------------------

    def put(self, entity: str, wrapped: Record) -> Record:
        body = unwrap(wrapped)
        existing = self.resolve(entity, body) if entity in ("Customer", "StockItem") or body.get("id") else None
        if existing is not None:
            return self._update(existing, body, wrapped)
        make = {
            "Customer": self._customer,
            "StockItem": self._stock_item,
            "SalesOrder": self._sales_order,
            "Shipment": self._shipment,
            "SalesInvoice": self._sales_invoice,
        }.get(entity)
        if make is None:
            raise Refused(405, http_error(f"{entity} cannot be created through this simulator"))
        return make(body, wrapped)

    def _update(self, record: Record, body: Record, wrapped: Record | None = None) -> Record:
        if "InventoryID" in record and wrapped is not None:
            body = _item_amounts(body, wrapped)
        for name, value in body.items():
            if name != "id" and not isinstance(value, list):
                record[name] = value
        record["LastModifiedDateTime"] = self._stamp()
        return record

    def _customer(self, body: Record, wrapped: Record) -> Record:
        if not body.get("CustomerID"):
            raise _refused_field(wrapped, "CustomerID", "'Customer ID' cannot be empty.")
        fields = {name: value for name, value in body.items() if name != "id"}
        return self._add("Customer", {"Status": "Active", **fields})

    def _stock_item(self, body: Record, wrapped: Record) -> Record:
        if not body.get("InventoryID"):
            raise _refused_field(wrapped, "InventoryID", "'Inventory ID' cannot be empty.")
        fields = {name: value for name, value in _item_amounts(body, wrapped).items() if name != "id"}
        defaults = {"BaseUOM": "EA", "ItemStatus": "Active", "ItemClass": DEFAULT_ITEM_CLASS}
        return self._add("StockItem", {**defaults, **fields}, WarehouseDetails=[])

    def edit_item(self, fields: Record) -> Record:
        """A stock item added or changed as a person would in Acumatica's screens: values kept as given
        (a test's malformed ones too), the modification time moved."""
        existing = self.find("StockItem", (str(fields.get("InventoryID", "")),))
        values = {name: Decimal(str(v)) if isinstance(v, float) else v for name, v in fields.items()}
        if existing is None:
            defaults = {"BaseUOM": "EA", "ItemStatus": "Active", "ItemClass": DEFAULT_ITEM_CLASS}
            return self._add("StockItem", {**defaults, **values}, WarehouseDetails=[])
        existing.update(values)
        existing["LastModifiedDateTime"] = self._stamp()
        return existing

    def _check_customer(self, body: Record, wrapped: Record) -> None:
        if self.find("Customer", (str(body.get("CustomerID", "")),)) is None:
            raise _refused_field(wrapped, "CustomerID", NOT_FOUND.format(label="Customer"))

    def _check_items(self, wrapped: Record, lines: list[Record]) -> None:
        for index, line in enumerate(lines):
            sku = str(line.get("InventoryID", ""))
            if self.find("StockItem", (sku,)) is None:
                if self.strict_items and sku:
                    raise _refused_detail(wrapped, index, "InventoryID", NOT_FOUND.format(label="Inventory ID"))
                self.stock(sku, {})

    def _sales_order(self, body: Record, wrapped: Record) -> Record:
        self._check_customer(body, wrapped)
        lines = body.get("Details") or []
        self._check_items(wrapped, lines)
        order_type = str(body.get("OrderType") or "SO")
        details = [self._order_line(number, line) for number, line in enumerate(lines, start=1)]
        total = sum((line["ExtendedPrice"] for line in details), Decimal(0))
        header = {k: v for k, v in body.items() if k not in ("id", "Details")}
        header |= {"OrderType": order_type, "OrderNbr": self._next(f"SalesOrder:{order_type}")}
        header |= {"Status": "On Hold" if header.get("Hold") else "Open", "OrderTotal": total}
        return self._add("SalesOrder", header, Details=details)

    def _order_line(self, number: int, line: Record) -> Record:
        quantity = amount(line.get("OrderQty", 0))
        price = amount(line.get("UnitPrice", 0))
        fields = {k: v for k, v in line.items() if k != "id"}
        fields |= {"LineNbr": number, "OrderQty": quantity, "UnitPrice": price, "ExtendedPrice": quantity * price}
        return self._detail(**fields)

    def _shipment(self, body: Record, wrapped: Record) -> Record:
        self._check_customer(body, wrapped)
        lines = body.get("Details") or []
        for index, line in enumerate(lines):
            order = self.find("SalesOrder", (str(line.get("OrderType", "")), str(line.get("OrderNbr", ""))))
            if order is None or order["Status"] not in ("Open", "Back Order"):
                raise _refused_detail(wrapped, index, "OrderNbr", NOT_FOUND.format(label="Order Nbr."))
        details = [self._detail(**{k: v for k, v in line.items() if k != "id"}) for line in lines]
        for line in details:
            line["ShippedQty"] = amount(line.get("ShippedQty", 0))
        header = {k: v for k, v in body.items() if k not in ("id", "Details")}
        header |= {"Type": header.get("Type") or "Shipment", "ShipmentNbr": self._next("Shipment")}
        header |= {"Status": "On Hold" if header.get("Hold") else "Open"}
        return self._add("Shipment", header, Details=details)

    def _sales_invoice(self, body: Record, wrapped: Record) -> Record:
        self._check_customer(body, wrapped)
        lines = body.get("Details") or []
        for index, line in enumerate(lines):
            original = self.find("SalesInvoice", (str(line.get("OrigInvType", "")), str(line.get("OrigInvNbr", ""))))
            if line.get("OrigInvNbr") and original is None:
                raise _refused_detail(wrapped, index, "OrigInvNbr", NOT_FOUND.format(label="Orig. Inv. Nbr."))
        details = [self._detail(**{k: v for k, v in line.items() if k != "id"}) for line in lines]
        total = sum((amount(line.get("ExtendedPrice", 0)) for line in details), Decimal(0))
        kind = str(body.get("Type") or "Invoice")
        header = {k: v for k, v in body.items() if k not in ("id", "Details")}
        header |= {"Type": kind, "ReferenceNbr": self._next(f"SalesInvoice:{kind}", _PREFIX.get(kind, ""))}
        header |= {"Status": "On Hold" if header.get("Hold") else "Balanced", "Amount": total}
        return self._add("SalesInvoice", header, Details=details)

    # ---- actions ----------------------------------------------------------------------

    def act(self, entity: str, action: str, wrapped: Record) -> None:
        """Run an action on the record the body names (its effect is done before the 202 is sent)."""
        run = {
            ("SalesOrder", "PrepareSalesInvoice"): self._prepare_invoice,
            ("SalesInvoice", "ReleaseSalesInvoice"): self._release,
            ("Shipment", "ConfirmShipment"): self._confirm,
        }.get((entity, action))
        if run is None:
            raise Refused(404, http_error(f"The action {action} does not exist for {entity}."))
        record = self.resolve(entity, unwrap(wrapped))
        if record is None:
            raise Refused(400, http_error("No entity satisfies the condition."))
        run(record)

    def _prepare_invoice(self, order: Record) -> None:
        if order["Status"] not in ("Open", "Completed"):
            raise Refused(
                400, http_error(f"The order {order['OrderNbr']} is {order['Status']}: it cannot be invoiced.")
            )
        if self.require_shipment and order["Status"] != "Completed":
            raise Refused(400, http_error(f"The order {order['OrderNbr']} has no confirmed shipment to invoice."))
        details = [
            self._detail(
                InventoryID=line["InventoryID"],
                Qty=line["OrderQty"],
                UnitPrice=line["UnitPrice"],
                ExtendedPrice=line["ExtendedPrice"],
                OrderType=order["OrderType"],
                OrderNbr=order["OrderNbr"],
                OrderLineNbr=line["LineNbr"],
            )
            for line in order["Details"]
        ]
        header: Record = {"Type": "Invoice", "ReferenceNbr": self._next("SalesInvoice:Invoice", "INV")}
        header |= {k: order.get(k) for k in ("CustomerID", "CustomerOrder", "Description")}
        header |= {"Currency": order.get("CurrencyID"), "Status": "Balanced", "Hold": False}
        header |= {"Amount": order["OrderTotal"]}
        self._add("SalesInvoice", header, Details=details)
        order["Status"] = "Invoiced"

    def _release(self, invoice: Record) -> None:
        if invoice["Status"] != "Balanced":
            raise Refused(400, http_error(f"The document {invoice['ReferenceNbr']} is {invoice['Status']}."))
        invoice["Status"] = "Open"

    def _confirm(self, shipment: Record) -> None:
        if shipment["Status"] != "Open":
            raise Refused(400, http_error(f"The shipment {shipment['ShipmentNbr']} is {shipment['Status']}."))
        for line in shipment["Details"]:
            self._issue(str(line.get("InventoryID", "")), str(shipment.get("WarehouseID", "")), line["ShippedQty"])
        shipment["Status"] = "Confirmed"
        for line in shipment["Details"]:
            order = self.find("SalesOrder", (str(line.get("OrderType")), str(line.get("OrderNbr"))))
            if order is not None and order["Status"] == "Open":
                order["Status"] = "Completed"

    def _issue(self, inventory_id: str, warehouse: str, quantity: Decimal) -> None:
        item = self.find("StockItem", (inventory_id,))
        if item is None:
            return
        for row in item["WarehouseDetails"]:
            if row["WarehouseID"] == warehouse:
                row["QtyOnHand"] -= quantity
                return
        item["WarehouseDetails"].append(self._detail(WarehouseID=warehouse, QtyOnHand=-quantity))

    def snapshot(self) -> dict[str, list[Record]]:
        return copy.deepcopy(self.records)


_PREFIX = {"Invoice": "INV", "Credit Memo": "CRM"}
_EPOCH = datetime(2026, 1, 1, tzinfo=UTC)
DEFAULT_ITEM_CLASS = "STOCKITEM"
_ITEM_AMOUNTS = ("DefaultPrice", "CurrentStdCost", "AverageCost", "LastCost", "DimensionWeight")


def _item_amounts(body: Record, wrapped: Record) -> Record:
    """A stock item's amounts as decimals; one that is not a non-negative number is refused by field."""
    read = dict(body)
    for name in _ITEM_AMOUNTS:
        if name not in read:
            continue
        try:
            read[name] = amount(read[name])
        except ValueError:
            raise _refused_field(wrapped, name, f"'{read[name]}' is not a valid number.") from None
        if read[name] < 0:
            raise _refused_field(wrapped, name, f"'{name}' must be greater than or equal to 0.")
    return read


def _refused_field(wrapped: Record, name: str, message: str) -> Refused:
    echoed = copy.deepcopy(wrapped)
    slot = echoed.get(name)
    echoed[name] = {**(slot if isinstance(slot, dict) else {"value": slot}), "error": message}
    return Refused(422, echoed)


def _refused_detail(wrapped: Record, index: int, name: str, message: str) -> Refused:
    echoed = copy.deepcopy(wrapped)
    line = echoed["Details"][index]
    slot = line.get(name)
    line[name] = {**(slot if isinstance(slot, dict) else {"value": slot}), "error": message}
    return Refused(422, echoed)
