"""Connector to the ERP: sales orders when an order is accepted, invoices when it has shipped,
credit memos when a return is refunded and return receipts when its units are back.

The webhook-style option (the default ``erp_kind``): any ERP, or middleware in front of one, that
takes these JSON posts. Acumatica is spoken natively by connectors/acumatica.py.

Wire format (JSON)::

    POST /v1/sales-orders    {order_id, customer, lines, currency}               -> {"sales_order_id": "..."}
    POST /v1/shipments       {order_id, sales_order_id, location_id, lines}       -> {"shipment_id": "..."}
    POST /v1/invoices        {order_id, sales_order_id, lines, currency, total}  -> {"invoice_id": "..."}
    POST /v1/credit-memos    {order_id, invoice_id, refund_id, lines, currency,
                              total, reason}                                      -> {"credit_memo_id": "..."}
    POST /v1/return-receipts {order_id, return_id, lines}                         -> {"receipt_id": "..."}

Shipment lines are ``{line_no, sku, quantity}``; credit memo lines are ``{line_no, sku, quantity,
amount}``; return receipt lines are ``{line_no, sku, quantity, location_id, disposition}``
(restock, refurbish or scrap).
Amounts travel as decimal strings ("19.99") so no precision is lost on the way. Every call sends
its ``Idempotency-Key``: the ERP answers a repeated key with the first answer, so a retried step
never books a second memo or receipt. Each answer is read against the field we use
(connectors/contracts.py): one missing or retyped is ``ApiDriftError``, with the answer kept.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import StringConstraints

from overture.connectors.contracts import Contract
from overture.connectors.http import HttpConnector

Id = Annotated[str, StringConstraints(min_length=1)]


class _SalesOrder(Contract):
    sales_order_id: Id


class _Shipment(Contract):
    shipment_id: Id


class _Invoice(Contract):
    invoice_id: Id


class _CreditMemo(Contract):
    credit_memo_id: Id


class _Receipt(Contract):
    receipt_id: Id


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
        key = idempotency_key
        answer = await self._read(_SalesOrder, "POST", "/v1/sales-orders", json=body, idempotency_key=key, operation=op)
        return answer.sales_order_id

    async def confirm_shipment(
        self,
        order_id: str,
        sales_order_id: str,
        location_id: str,
        lines: list[dict[str, Any]],
        *,
        idempotency_key: str,
    ) -> str:
        """Record a location's shipment of the sales order's lines; returns the ERP's shipment id."""
        op = "confirm_shipment"
        body = {"order_id": order_id, "sales_order_id": sales_order_id, "location_id": location_id, "lines": lines}
        key = idempotency_key
        answer = await self._read(_Shipment, "POST", "/v1/shipments", json=body, idempotency_key=key, operation=op)
        return answer.shipment_id

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
        answer = await self._read(
            _Invoice, "POST", "/v1/invoices", json=body, idempotency_key=idempotency_key, operation=op
        )
        return answer.invoice_id

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
        """Credit an invoice for one refund; returns the ERP's credit memo id."""
        op = "create_credit_memo"
        body = {
            "order_id": order_id,
            "invoice_id": invoice_id,
            "refund_id": refund_id,
            "lines": lines,
            "currency": currency,
            "total": total,
            "reason": reason,
        }
        key = idempotency_key
        answer = await self._read(_CreditMemo, "POST", "/v1/credit-memos", json=body, idempotency_key=key, operation=op)
        return answer.credit_memo_id

    async def record_return_receipt(
        self,
        order_id: str,
        return_id: str,
        lines: list[dict[str, Any]],
        *,
        idempotency_key: str,
    ) -> str:
        """Record the units of a return that came back; returns the ERP's receipt id."""
        op = "record_return_receipt"
        body = {"order_id": order_id, "return_id": return_id, "lines": lines}
        key = idempotency_key
        answer = await self._read(_Receipt, "POST", "/v1/return-receipts", json=body, idempotency_key=key, operation=op)
        return answer.receipt_id
