"""The ERP of record and the customer notifier, as the order and returns workflows call them. Both
raise the errors of services/ports/connector_errors.py; amounts travel as decimal strings.

Every write carries an idempotency key: a workflow retries a step it did not hear back from, and
the ERP must still hold one sales order, shipment, invoice, credit memo or return receipt per key."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol


class ErpGateway(Protocol):
    async def create_sales_order(
        self,
        order_id: str,
        customer: dict[str, Any],
        lines: list[dict[str, Any]],
        currency: str,
        *,
        idempotency_key: str,
    ) -> str:
        """Create the sales order for an order; the ERP's sales order id."""
        ...

    async def confirm_shipment(
        self,
        order_id: str,
        sales_order_id: str,
        location_id: str,
        lines: list[dict[str, Any]],
        *,
        idempotency_key: str,
    ) -> str:
        """Record that a location shipped lines of the sales order, confirmed; the ERP's shipment id.

        ``lines`` are ``{"line_no", "sku", "quantity"}``. An ERP that invoices only what shipped (Acumatica's
        SO orders) needs this before :meth:`create_invoice`."""
        ...

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
        """Invoice a sales order; the ERP's invoice id."""
        ...

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
        """Credit an invoice for one refund; the ERP's credit memo id.

        ``lines`` are ``{"line_no", "sku", "quantity", "amount"}``, ``amount`` the decimal string
        credited for the line (its tax and discount share included); ``total`` is their sum."""
        ...

    async def record_return_receipt(
        self,
        order_id: str,
        return_id: str,
        lines: list[dict[str, Any]],
        *,
        idempotency_key: str,
    ) -> str:
        """Record the units of a return that came back; the ERP's receipt id.

        ``lines`` are ``{"line_no", "sku", "quantity", "location_id", "disposition"}``, the
        disposition one of ``restock``, ``refurbish`` or ``scrap``."""
        ...


@dataclass(frozen=True, slots=True)
class WarehouseLevel:
    """What the ERP of record holds of a SKU at one of our locations (its warehouse, mapped)."""

    sku: str
    location_id: str
    on_hand: int


class ErpStock(Protocol):
    async def warehouse_levels(self) -> list[WarehouseLevel]:
        """Every stock item's quantity on hand in each warehouse mapped to one of our locations."""
        ...


class CustomerNotifier(Protocol):
    async def notify(self, order_id: str, event: str, email: str, message: str, *, idempotency_key: str) -> None: ...
