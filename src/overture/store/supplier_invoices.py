"""Supplier invoices kept with their three-way match (services/ports/supplier_invoices.py)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, insert, select

from overture.services.ports.supplier_invoices import InvoiceMatch, SupplierInvoiceRecord
from overture.store.tables.supplier_invoices import supplier_invoices

S = supplier_invoices


class SqlSupplierInvoiceRepository:
    def __init__(self, connection: Connection) -> None:
        self._c = connection

    def add(self, record: SupplierInvoiceRecord) -> bool:
        """Keep the invoice; False if this supplier sent one of this number before. A concurrent insert
        of the same number fails the unique key (a ConflictError, whose retry finds the row)."""
        if self.get(record.partner_id, record.invoice_number) is not None:
            return False
        values = {
            "id": record.id,
            "partner_id": record.partner_id,
            "invoice_number": record.invoice_number,
            "po_number": record.po_number,
            "order_id": record.order_id,
            "location_id": record.location_id,
            "status": record.status.value,
            "currency": record.currency,
            "total": record.total,
            "lines": record.lines,
            "exception_id": record.exception_id,
            "message_id": record.message_id,
            "received_at": record.received_at,
        }
        self._c.execute(insert(S).values(**values))
        return True

    def get(self, partner_id: str, invoice_number: str) -> SupplierInvoiceRecord | None:
        row = self._c.execute(
            select(S).where(S.c.partner_id == partner_id, S.c.invoice_number == invoice_number)
        ).first()
        return None if row is None else _record(row)

    def for_order(self, order_id: str) -> list[SupplierInvoiceRecord]:
        rows = self._c.execute(select(S).where(S.c.order_id == order_id).order_by(S.c.received_at, S.c.id))
        return [_record(row) for row in rows]


def _record(row: Any) -> SupplierInvoiceRecord:
    return SupplierInvoiceRecord(
        id=row.id,
        partner_id=row.partner_id,
        invoice_number=row.invoice_number,
        po_number=row.po_number,
        order_id=row.order_id,
        location_id=row.location_id,
        status=InvoiceMatch(row.status),
        currency=row.currency,
        total=row.total,
        lines=list(row.lines),
        received_at=row.received_at,
        exception_id=row.exception_id,
        message_id=row.message_id,
    )
