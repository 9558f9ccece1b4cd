"""A simulated ERP: sales orders, invoices and customer notifications, idempotent by key, with faults.

Routes (operation names for ``POST /_faults`` and ``GET /_stats`` in brackets)::

    POST /v1/sales-orders   [sales_order]   -> {"sales_order_id": "SO-000001"}
    POST /v1/invoices       [invoice]       -> {"invoice_id": "INV-000001"}  (the sales order must exist)
    POST /v1/notifications  [notification]  -> {"notification_id": "NT-000001"}
    GET  /_records          everything recorded, for tests
    plus the control routes of :mod:`overture.simulators.common`.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import Response
from pydantic import BaseModel, Field, field_validator

from overture.simulators.common import Rejected, SimulatorCore, install_control_routes


class SalesOrderIn(BaseModel):
    order_id: str = Field(min_length=1)
    customer: dict[str, Any] = Field(default_factory=dict)
    lines: list[dict[str, Any]] = Field(min_length=1)
    currency: str = Field(min_length=3, max_length=3)


class InvoiceIn(BaseModel):
    order_id: str = Field(min_length=1)
    sales_order_id: str = Field(min_length=1)
    lines: list[dict[str, Any]] = Field(min_length=1)
    currency: str = Field(min_length=3, max_length=3)
    total: str

    @field_validator("total")
    @classmethod
    def _decimal(cls, value: str) -> str:
        try:
            amount = Decimal(value)
        except InvalidOperation:
            raise ValueError("total must be a decimal string") from None
        if not amount.is_finite() or amount < 0:
            raise ValueError("total must be a finite amount, not negative")
        return value


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
        self.notifications: list[dict[str, Any]] = []

    def create_sales_order(self, body: dict[str, Any]) -> dict[str, Any]:
        data = SalesOrderIn.model_validate(body)
        sales_order_id = f"SO-{len(self.sales_orders) + 1:06d}"
        self.sales_orders[sales_order_id] = {"sales_order_id": sales_order_id, **data.model_dump()}
        return {"sales_order_id": sales_order_id}

    def create_invoice(self, body: dict[str, Any]) -> dict[str, Any]:
        data = InvoiceIn.model_validate(body)
        if data.sales_order_id not in self.sales_orders:
            raise Rejected(f"no sales order {data.sales_order_id}", code="unknown_sales_order")
        invoice_id = f"INV-{len(self.invoices) + 1:06d}"
        self.invoices[invoice_id] = {"invoice_id": invoice_id, **data.model_dump()}
        return {"invoice_id": invoice_id}

    def notify(self, body: dict[str, Any]) -> dict[str, Any]:
        data = NotificationIn.model_validate(body)
        notification_id = f"NT-{len(self.notifications) + 1:06d}"
        self.notifications.append({"notification_id": notification_id, **data.model_dump()})
        return {"notification_id": notification_id}

    def records(self) -> dict[str, Any]:
        return {
            "sales_orders": list(self.sales_orders.values()),
            "invoices": list(self.invoices.values()),
            "notifications": list(self.notifications),
        }

    def reset(self) -> None:
        self.sales_orders.clear()
        self.invoices.clear()
        self.notifications.clear()


def create_erp_app() -> FastAPI:
    core = SimulatorCore("erp")
    ledger = Ledger()
    app = FastAPI(title="Overture ERP simulator")
    app.state.core = core
    app.state.ledger = ledger

    @app.post("/v1/sales-orders")
    async def sales_order(request: Request) -> Response:
        return await core.handle(request, "sales_order", ledger.create_sales_order)

    @app.post("/v1/invoices")
    async def invoice(request: Request) -> Response:
        return await core.handle(request, "invoice", ledger.create_invoice)

    @app.post("/v1/notifications")
    async def notification(request: Request) -> Response:
        return await core.handle(request, "notification", ledger.notify)

    @app.get("/_records")
    async def records() -> dict[str, Any]:
        return ledger.records()

    install_control_routes(app, core, on_reset=ledger.reset)
    return app
