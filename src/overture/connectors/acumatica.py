"""Acumatica as the ERP of record, over its contract-based REST API (endpoint ``Default``, the version
pinned in settings): the :class:`~overture.services.ports.erp.ErpGateway` port.

::

    create_sales_order     PUT  SalesOrder?$expand=Details       OrderType SO, ExternalRef = our key
    confirm_shipment       PUT  Shipment?$expand=Details          Description = our key
                           POST Shipment/ConfirmShipment          202 -> poll Location until 204
    create_invoice         POST SalesOrder/PrepareSalesInvoice    the invoice keeps the order's CustomerOrder
                           POST SalesInvoice/ReleaseSalesInvoice  202 -> poll
    create_credit_memo     PUT  SalesInvoice?$expand=Details      Type "Credit Memo", ExternalRef = our key
                           POST SalesInvoice/ReleaseSalesInvoice
    record_return_receipt  PUT  SalesOrder?$expand=Details        OrderType RC (return for credit), ExternalRef

(The Default contract names the sales order's action PrepareSalesInvoice; PrepareInvoice is the
Shipment's.) Acumatica takes no Idempotency-Key. Every write first looks for the document our key made
(``GET <entity>?$filter=ExternalRef eq '<key>'``) and returns it if found, so a retried step never
makes a second one; a step that stopped between making a document and releasing it finishes the
release on its retry. Amounts go as decimal strings; every answer we rely on is read through a
contract model (connectors/acumatica_wire.py), so a renamed field is an ``ApiDriftError``.
"""

from __future__ import annotations

import re
from typing import Any

import httpx

from overture.connectors.acumatica_session import DEFAULT_VERSION, AcumaticaSession, OAuthClient
from overture.connectors.acumatica_wire import (
    CustomerRecord,
    InvoiceCustomer,
    InvoiceRecord,
    Invoices,
    OrdersWithCustomer,
    SalesOrderCustomer,
    SalesOrderRecord,
    SalesOrders,
    ShipmentRecord,
    Shipments,
    StockItemRecord,
    external_ref,
    literal,
    wrapped,
)
from overture.connectors.http import ConnectorConfig
from overture.services.ports.connector_errors import PermanentConnectorError

INVOICE = "Invoice"
CREDIT_MEMO = "Credit Memo"
RELEASED = frozenset({"Open", "Closed"})  # a released AR document
CONFIRMED = frozenset({"Confirmed", "Completed", "Invoiced"})  # a shipment past confirmation
_CUSTOMER_ID_LIMIT = 30


class AcumaticaConnector(AcumaticaSession):
    """``customer_id``: book every order to this Acumatica customer (a store's one web customer);
    unset, each order's customer is upserted with an ID made from its reference. ``warehouses`` maps
    our location ids to Acumatica warehouse IDs (a location not listed is its own ID)."""

    def __init__(
        self,
        config: ConnectorConfig,
        *,
        username: str,
        password: str,
        tenant: str = "",
        branch: str = "",
        endpoint_version: str = DEFAULT_VERSION,
        oauth: OAuthClient | None = None,
        order_type: str = "SO",
        return_order_type: str = "RC",
        customer_id: str | None = None,
        warehouses: dict[str, str] | None = None,
        poll_interval_s: float = 0.5,
        max_polls: int = 120,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        super().__init__(
            config,
            username=username,
            password=password,
            tenant=tenant,
            branch=branch,
            endpoint_version=endpoint_version,
            oauth=oauth,
            poll_interval_s=poll_interval_s,
            max_polls=max_polls,
            transport=transport,
        )
        self.order_type = order_type
        self.return_order_type = return_order_type
        self.customer_id = customer_id
        self.warehouses = dict(warehouses or {})

    # ---- sales orders ---------------------------------------------------------------

    async def create_sales_order(
        self,
        order_id: str,
        customer: dict[str, Any],
        lines: list[dict[str, Any]],
        currency: str,
        *,
        idempotency_key: str,
    ) -> str:
        """The sales order for an order (its OrderNbr), found by our key if an earlier try made it."""
        op = "create_sales_order"
        ref = external_ref(idempotency_key)
        found = await self._order_by_ref(self.order_type, ref, op)
        if found is not None:
            return found.OrderNbr.value
        body = {
            **wrapped(
                OrderType=self.order_type,
                CustomerID=await self._customer(customer, op),
                CustomerOrder=order_id,
                ExternalRef=ref,
                Description=f"Overture order {order_id}",
                CurrencyID=currency,
                Hold=False,  # whatever the order type's "hold on entry": it is ours to ship and invoice
            ),
            "Details": [_order_line(line) for line in lines],
        }
        made = await self._signed(
            SalesOrderRecord, "PUT", self.entity("SalesOrder"), operation=op, json=body, params={"$expand": "Details"}
        )
        return made.OrderNbr.value

    async def _order_by_ref(self, order_type: str, ref: str, op: str) -> SalesOrderRecord | None:
        where = f"OrderType eq {literal(order_type)} and ExternalRef eq {literal(ref)}"
        found = await self._signed(
            SalesOrders, "GET", self.entity("SalesOrder"), operation=op, params=_query(where, "OrderType,OrderNbr")
        )
        return found.records[0] if found.records else None

    async def sales_orders(self, where: str, *, page_size: int = 100) -> list[SalesOrderRecord]:
        """Every sales order matching an OData ``$filter``, read ``page_size`` at a time ($top/$skip)."""
        found: list[SalesOrderRecord] = []
        while True:
            params: dict[str, str | int] = {"$filter": where, "$top": page_size, "$skip": len(found)}
            page = await self._signed(
                SalesOrders, "GET", self.entity("SalesOrder"), operation="sales_orders", params=params
            )
            found.extend(page.records)
            if len(page.records) < page_size:
                return found

    async def stock_item(self, inventory_id: str) -> StockItemRecord:
        """A stock item by its key (``GET StockItem/<InventoryID>``)."""
        path = self.entity(f"StockItem/{inventory_id}")
        return await self._signed(
            StockItemRecord, "GET", path, operation="stock_item", params={"$select": "InventoryID"}
        )

    async def _customer(self, customer: dict[str, Any], op: str) -> str:
        """The Acumatica customer to bill: the configured one, or this customer upserted by key."""
        if self.customer_id:
            return self.customer_id
        reference = str(customer.get("reference") or customer.get("email") or "")
        wanted = re.sub(r"[^A-Z0-9]", "", reference.upper())[:_CUSTOMER_ID_LIMIT]
        if not wanted:
            raise PermanentConnectorError(
                "the order's customer has no reference to make an Acumatica CustomerID from (set customer_id)",
                connector=self.name,
                operation=op,
            )
        body = wrapped(CustomerID=wanted, CustomerName=str(customer.get("name") or reference))
        if customer.get("email"):
            body["MainContact"] = wrapped(Email=str(customer["email"]))
        made = await self._signed(CustomerRecord, "PUT", self.entity("Customer"), operation=f"{op}:customer", json=body)
        return made.CustomerID.value

    # ---- shipments ------------------------------------------------------------------

    async def confirm_shipment(
        self,
        order_id: str,
        sales_order_id: str,
        location_id: str,
        lines: list[dict[str, Any]],
        *,
        idempotency_key: str,
    ) -> str:
        """A shipment of the sales order's lines from the location's warehouse, confirmed; its ShipmentNbr."""
        op = "confirm_shipment"
        ref = external_ref(idempotency_key)
        where = f"Description eq {literal(ref)}"
        found = await self._signed(
            Shipments, "GET", self.entity("Shipment"), operation=op, params=_query(where, "ShipmentNbr,Status")
        )
        shipment = (
            found.records[0] if found.records else await self._new_shipment(sales_order_id, location_id, lines, ref)
        )
        if shipment.Status.value not in CONFIRMED:
            await self.run_action("Shipment", "ConfirmShipment", {"id": shipment.id}, operation=op)
        return shipment.ShipmentNbr.value

    async def _new_shipment(
        self, sales_order_id: str, location_id: str, lines: list[dict[str, Any]], ref: str
    ) -> ShipmentRecord:
        op = "confirm_shipment"
        order = await self._signed(
            SalesOrderCustomer,
            "GET",
            self.entity(f"SalesOrder/{self.order_type}/{sales_order_id}"),
            operation=op,
            params={"$select": "OrderType,OrderNbr,CustomerID"},
        )
        body = {
            **wrapped(
                Type="Shipment",
                CustomerID=order.CustomerID.value,
                WarehouseID=self.warehouse(location_id),
                Operation="Issue",
                Description=ref,
                Hold=False,
            ),
            "Details": [
                wrapped(
                    OrderType=self.order_type,
                    OrderNbr=sales_order_id,
                    InventoryID=line["sku"],
                    ShippedQty=line["quantity"],
                )
                for line in lines
            ],
        }
        return await self._signed(
            ShipmentRecord, "PUT", self.entity("Shipment"), operation=op, json=body, params={"$expand": "Details"}
        )

    def warehouse(self, location_id: str) -> str:
        return self.warehouses.get(location_id, location_id)

    # ---- invoices and credit memos --------------------------------------------------

    async def create_invoice(
        self,
        order_id: str,
        sales_order_id: str,
        lines: list[dict[str, Any]],
        currency: str,
        total: str,
        *,
        idempotency_key: str,
    ) -> str:
        """The sales order invoiced (PrepareSalesInvoice) and the invoice released; its ReferenceNbr.

        The invoice is found by the order's CustomerOrder, which PrepareSalesInvoice copies onto it: one
        invoice per order, whichever try prepared it."""
        op = "create_invoice"
        invoice = await self._invoice_of(order_id, op)
        if invoice is None:
            record = wrapped(OrderType=self.order_type, OrderNbr=sales_order_id)
            await self.run_action("SalesOrder", "PrepareSalesInvoice", record, operation=op)
            invoice = await self._invoice_of(order_id, op)
        if invoice is None:
            raise self._malformed(op, f"PrepareSalesInvoice finished, yet no invoice has CustomerOrder {order_id!r}")
        return await self._released(invoice, op)

    async def _invoice_of(self, order_id: str, op: str) -> InvoiceRecord | None:
        where = f"Type eq {literal(INVOICE)} and CustomerOrder eq {literal(order_id)}"
        return await self._one_invoice(where, op)

    async def _one_invoice(self, where: str, op: str) -> InvoiceRecord | None:
        found = await self._signed(
            Invoices, "GET", self.entity("SalesInvoice"), operation=op, params=_query(where, "Type,ReferenceNbr,Status")
        )
        return found.records[0] if found.records else None

    async def _released(self, invoice: InvoiceRecord, op: str) -> str:
        if invoice.Status.value not in RELEASED:
            record = wrapped(Type=invoice.Type.value, ReferenceNbr=invoice.ReferenceNbr.value)
            await self.run_action("SalesInvoice", "ReleaseSalesInvoice", record, operation=op)
        return invoice.ReferenceNbr.value

    async def create_credit_memo(
        self,
        order_id: str,
        invoice_id: str,
        refund_id: str,
        lines: list[dict[str, Any]],
        currency: str,
        total: str,
        reason: str,
        *,
        idempotency_key: str,
    ) -> str:
        """A released credit memo against the invoice for one refund; its ReferenceNbr."""
        op = "create_credit_memo"
        ref = external_ref(idempotency_key)
        memo = await self._one_invoice(f"Type eq {literal(CREDIT_MEMO)} and ExternalRef eq {literal(ref)}", op)
        if memo is None:
            memo = await self._new_credit_memo(order_id, invoice_id, refund_id, lines, reason, ref)
        return await self._released(memo, op)

    async def _new_credit_memo(
        self, order_id: str, invoice_id: str, refund_id: str, lines: list[dict[str, Any]], reason: str, ref: str
    ) -> InvoiceRecord:
        op = "create_credit_memo"
        invoice = await self._signed(
            InvoiceCustomer,
            "GET",
            self.entity(f"SalesInvoice/{INVOICE}/{invoice_id}"),
            operation=op,
            params={"$select": "Type,ReferenceNbr,Status,CustomerID"},
        )
        body = {
            **wrapped(
                Type=CREDIT_MEMO,
                CustomerID=invoice.CustomerID.value,
                CustomerOrder=order_id,
                ExternalRef=ref,
                Description=f"{reason} (refund {refund_id})"[:255],
                Hold=False,
            ),
            "Details": [_memo_line(line, invoice_id) for line in lines],
        }
        return await self._signed(
            InvoiceRecord, "PUT", self.entity("SalesInvoice"), operation=op, json=body, params={"$expand": "Details"}
        )

    # ---- returns --------------------------------------------------------------------

    async def record_return_receipt(
        self,
        order_id: str,
        return_id: str,
        lines: list[dict[str, Any]],
        *,
        idempotency_key: str,
    ) -> str:
        """The units back as a return order (type RC, receipt lines into each location's warehouse); its OrderNbr."""
        op = "record_return_receipt"
        ref = external_ref(idempotency_key)
        found = await self._order_by_ref(self.return_order_type, ref, op)
        if found is not None:
            return found.OrderNbr.value
        original = await self._order_by_customer_order(order_id, op)
        body = {
            **wrapped(
                OrderType=self.return_order_type,
                CustomerID=original.CustomerID.value,
                CustomerOrder=order_id,
                ExternalRef=ref,
                Description=f"Overture return {return_id}",
                Hold=False,
            ),
            "Details": [self._return_line(line) for line in lines],
        }
        made = await self._signed(
            SalesOrderRecord, "PUT", self.entity("SalesOrder"), operation=op, json=body, params={"$expand": "Details"}
        )
        return made.OrderNbr.value

    async def _order_by_customer_order(self, order_id: str, op: str) -> SalesOrderCustomer:
        where = f"OrderType eq {literal(self.order_type)} and CustomerOrder eq {literal(order_id)}"
        params = _query(where, "OrderType,OrderNbr,CustomerID")
        found = await self._signed(OrdersWithCustomer, "GET", self.entity("SalesOrder"), operation=op, params=params)
        if not found.records:
            raise PermanentConnectorError(
                f"no {self.order_type} sales order has CustomerOrder {order_id!r} to return against",
                connector=self.name,
                operation=op,
            )
        return found.records[0]

    def _return_line(self, line: dict[str, Any]) -> dict[str, Any]:
        return wrapped(
            InventoryID=line["sku"],
            OrderQty=line["quantity"],
            WarehouseID=self.warehouse(str(line["location_id"])),
            Operation="Receipt",
            LineDescription=f"line {line['line_no']}: {line['disposition']}",
        )


def _query(where: str, select: str) -> dict[str, str | int]:
    return {"$filter": where, "$select": select, "$top": 1}


def _order_line(line: dict[str, Any]) -> dict[str, Any]:
    return wrapped(InventoryID=line["sku"], OrderQty=line["quantity"], UnitPrice=str(line["unit_price"]))


def _memo_line(line: dict[str, Any], invoice_id: str) -> dict[str, Any]:
    return wrapped(
        InventoryID=line["sku"],
        Qty=line["quantity"],
        ExtendedPrice=str(line["amount"]),
        OrigInvType=INVOICE,
        OrigInvNbr=invoice_id,
        TransactionDescr=f"line {line['line_no']}",
    )
