"""A simulated ERP: sales orders, invoices, credit memos, return receipts and customer notifications,
idempotent by key, with faults.

Routes (operation names for ``POST /_faults`` and ``GET /_stats`` in brackets)::

    POST /v1/sales-orders     [sales_order]     -> {"sales_order_id": "SO-000001"}
    POST /v1/shipments        [shipment]        -> {"shipment_id": "SH-000001"}  (the sales order must exist)
    POST /v1/invoices         [invoice]         -> {"invoice_id": "INV-000001"}  (the sales order must exist)
    POST /v1/credit-memos     [credit_memo]     -> {"credit_memo_id": "CM-000001"}
    POST /v1/return-receipts  [return_receipt]  -> {"receipt_id": "RR-000001"}
    POST /v1/notifications    [notification]    -> {"notification_id": "NT-000001"}
    GET  /_records            everything recorded, for tests
    plus the control routes of :mod:`overture.simulators.common`.

A credit memo must name an invoice of its own order and its total must be the sum of its lines'
amounts (422 ``unknown_invoice``, ``wrong_order``, ``total_mismatch``), because a memo the ERP
cannot tie to what was billed is exactly the error a real ERP refuses. Every body is validated by
a pydantic model, so a 422 names the field (``lines.0.amount``, ``lines.0.disposition``...).
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any, Literal

from fastapi import FastAPI, Request
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field, field_validator

from overture.simulators.common import Rejected, SimulatorCore, install_control_routes


class SalesOrderIn(BaseModel):
    order_id: str = Field(min_length=1)
    customer: dict[str, Any] = Field(default_factory=dict)
    lines: list[dict[str, Any]] = Field(min_length=1)
    currency: str = Field(min_length=3, max_length=3)


def _amount(value: str, name: str) -> str:
    """A decimal string that is a finite amount, not negative; floats never reach here (a str field)."""
    try:
        amount = Decimal(value)
    except InvalidOperation:
        raise ValueError(f"{name} must be a decimal string") from None
    if not amount.is_finite() or amount < 0:
        raise ValueError(f"{name} must be a finite amount, not negative")
    return value


class ShipmentLineIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    line_no: int = Field(ge=1)
    sku: str = Field(min_length=1)
    quantity: int = Field(ge=1)


class ShipmentIn(BaseModel):
    order_id: str = Field(min_length=1)
    sales_order_id: str = Field(min_length=1)
    location_id: str = Field(min_length=1)
    lines: list[ShipmentLineIn] = Field(min_length=1)


class InvoiceIn(BaseModel):
    order_id: str = Field(min_length=1)
    sales_order_id: str = Field(min_length=1)
    lines: list[dict[str, Any]] = Field(min_length=1)
    currency: str = Field(min_length=3, max_length=3)
    total: str

    @field_validator("total")
    @classmethod
    def _decimal(cls, value: str) -> str:
        return _amount(value, "total")


class CreditLineIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    line_no: int = Field(ge=1)
    sku: str = Field(min_length=1)
    quantity: int = Field(ge=1)
    amount: str

    @field_validator("amount")
    @classmethod
    def _decimal(cls, value: str) -> str:
        return _amount(value, "amount")


class CreditMemoIn(BaseModel):
    order_id: str = Field(min_length=1)
    invoice_id: str = Field(min_length=1)
    refund_id: str = Field(min_length=1)
    lines: list[CreditLineIn] = Field(min_length=1)
    currency: str = Field(min_length=3, max_length=3)
    total: str
    reason: str = Field(min_length=1)

    @field_validator("total")
    @classmethod
    def _decimal(cls, value: str) -> str:
        return _amount(value, "total")


class ReceiptLineIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    line_no: int = Field(ge=1)
    sku: str = Field(min_length=1)
    quantity: int = Field(ge=1)
    location_id: str = Field(min_length=1)
    disposition: Literal["restock", "refurbish", "scrap"]


class ReturnReceiptIn(BaseModel):
    order_id: str = Field(min_length=1)
    return_id: str = Field(min_length=1)
    lines: list[ReceiptLineIn] = Field(min_length=1)


class NotificationIn(BaseModel):
    order_id: str = Field(min_length=1)
    event: str = Field(min_length=1)
    email: str = Field(min_length=1)
    message: str


class Ledger:
    """What the ERP has recorded."""

    def __init__(self) -> None:
        self.sales_orders: dict[str, dict[str, Any]] = {}
        self.invoices: dict[str, dict[str, Any]] = {}
        self.shipments: dict[str, dict[str, Any]] = {}
        self.notifications: list[dict[str, Any]] = []
        self.credit_memos: dict[str, dict[str, Any]] = {}
        self.return_receipts: dict[str, dict[str, Any]] = {}

    def create_sales_order(self, body: dict[str, Any]) -> dict[str, Any]:
        data = SalesOrderIn.model_validate(body)
        sales_order_id = f"SO-{len(self.sales_orders) + 1:06d}"
        self.sales_orders[sales_order_id] = {"sales_order_id": sales_order_id, **data.model_dump()}
        return {"sales_order_id": sales_order_id}

    def confirm_shipment(self, body: dict[str, Any]) -> dict[str, Any]:
        data = ShipmentIn.model_validate(body)
        if data.sales_order_id not in self.sales_orders:
            raise Rejected(f"sales_order_id: no sales order {data.sales_order_id}", code="unknown_sales_order")
        shipment_id = f"SH-{len(self.shipments) + 1:06d}"
        self.shipments[shipment_id] = {"shipment_id": shipment_id, **data.model_dump()}
        return {"shipment_id": shipment_id}

    def create_invoice(self, body: dict[str, Any]) -> dict[str, Any]:
        data = InvoiceIn.model_validate(body)
        if data.sales_order_id not in self.sales_orders:
            raise Rejected(f"no sales order {data.sales_order_id}", code="unknown_sales_order")
        invoice_id = f"INV-{len(self.invoices) + 1:06d}"
        self.invoices[invoice_id] = {"invoice_id": invoice_id, **data.model_dump()}
        return {"invoice_id": invoice_id}

    def create_credit_memo(self, body: dict[str, Any]) -> dict[str, Any]:
        data = CreditMemoIn.model_validate(body)
        invoice = self.invoices.get(data.invoice_id)
        if invoice is None:
            raise Rejected(f"invoice_id: no invoice {data.invoice_id}", code="unknown_invoice")
        if invoice["order_id"] != data.order_id:
            raise Rejected(
                f"invoice_id: {data.invoice_id} is not an invoice of order {data.order_id}", code="wrong_order"
            )
        lines_sum = sum((Decimal(line.amount) for line in data.lines), Decimal(0))
        if Decimal(data.total) != lines_sum:
            raise Rejected(
                f"total: {data.total} is not the sum of the lines' amounts {lines_sum}", code="total_mismatch"
            )
        credit_memo_id = f"CM-{len(self.credit_memos) + 1:06d}"
        self.credit_memos[credit_memo_id] = {"credit_memo_id": credit_memo_id, **data.model_dump()}
        return {"credit_memo_id": credit_memo_id}

    def record_return_receipt(self, body: dict[str, Any]) -> dict[str, Any]:
        data = ReturnReceiptIn.model_validate(body)
        receipt_id = f"RR-{len(self.return_receipts) + 1:06d}"
        self.return_receipts[receipt_id] = {"receipt_id": receipt_id, **data.model_dump()}
        return {"receipt_id": receipt_id}

    def notify(self, body: dict[str, Any]) -> dict[str, Any]:
        data = NotificationIn.model_validate(body)
        notification_id = f"NT-{len(self.notifications) + 1:06d}"
        self.notifications.append({"notification_id": notification_id, **data.model_dump()})
        return {"notification_id": notification_id}

    def records(self) -> dict[str, Any]:
        return {
            "sales_orders": list(self.sales_orders.values()),
            "invoices": list(self.invoices.values()),
            "shipments": list(self.shipments.values()),
            "notifications": list(self.notifications),
            "credit_memos": list(self.credit_memos.values()),
            "return_receipts": list(self.return_receipts.values()),
        }

    def reset(self) -> None:
        self.sales_orders.clear()
        self.invoices.clear()
        self.shipments.clear()
        self.notifications.clear()
        self.credit_memos.clear()
        self.return_receipts.clear()


def create_erp_app() -> FastAPI:
    core = SimulatorCore("erp")
    ledger = Ledger()
    app = FastAPI(title="Overture ERP simulator")
    app.state.core = core
    app.state.ledger = ledger

    @app.post("/v1/sales-orders")
    async def sales_order(request: Request) -> Response:
        return await core.handle(request, "sales_order", ledger.create_sales_order)

    @app.post("/v1/shipments")
    async def shipment(request: Request) -> Response:
        return await core.handle(request, "shipment", ledger.confirm_shipment)

    @app.post("/v1/invoices")
    async def invoice(request: Request) -> Response:
        return await core.handle(request, "invoice", ledger.create_invoice)

    @app.post("/v1/credit-memos")
    async def credit_memo(request: Request) -> Response:
        return await core.handle(request, "credit_memo", ledger.create_credit_memo)

    @app.post("/v1/return-receipts")
    async def return_receipt(request: Request) -> Response:
        return await core.handle(request, "return_receipt", ledger.record_return_receipt)

    @app.post("/v1/notifications")
    async def notification(request: Request) -> Response:
        return await core.handle(request, "notification", ledger.notify)

    @app.get("/_records")
    async def records() -> dict[str, Any]:
        return ledger.records()

    install_control_routes(app, core, on_reset=ledger.reset)
    return app
