"""Connector to the ERP: sales orders when an order is accepted, invoices when it has shipped.

Wire format (JSON)::

    POST /v1/sales-orders  {order_id, customer, lines, currency}                  -> {"sales_order_id": "..."}
    POST /v1/invoices      {order_id, sales_order_id, lines, currency, total}     -> {"invoice_id": "..."}

Amounts travel as decimal strings ("19.99") so no precision is lost on the way.
"""

from __future__ import annotations

from typing import Any

from overture.connectors.http import HttpConnector


class ErpConnector(HttpConnector):
    async def create_sales_order(
        self,
        order_id: str,
        customer: dict[str, Any],
        lines: list[dict[str, Any]],
        currency: str,
        *,
        idempotency_key: str,
    ) -> str:
        """Create the sales order for an order; returns the ERP's sales order id."""
        op = "create_sales_order"
        body = {"order_id": order_id, "customer": customer, "lines": lines, "currency": currency}
        answer = await self._call("POST", "/v1/sales-orders", json=body, idempotency_key=idempotency_key, operation=op)
        return self._field(answer, "sales_order_id", op)

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
        """Invoice a sales order; returns the ERP's invoice id."""
        op = "create_invoice"
        body = {
            "order_id": order_id,
            "sales_order_id": sales_order_id,
            "lines": lines,
            "currency": currency,
            "total": total,
        }
        answer = await self._call("POST", "/v1/invoices", json=body, idempotency_key=idempotency_key, operation=op)
        return self._field(answer, "invoice_id", op)
