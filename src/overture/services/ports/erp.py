"""The ERP of record and the customer notifier, as the order workflow calls them. Both raise the
errors of services/ports/connector_errors.py; amounts travel as decimal strings."""

from __future__ import annotations

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


class CustomerNotifier(Protocol):
    async def notify(self, order_id: str, event: str, email: str, message: str, *, idempotency_key: str) -> None: ...
