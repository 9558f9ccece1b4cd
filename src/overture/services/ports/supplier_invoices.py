"""Supplier invoices (a drop-ship supplier's 810) as the store keeps them, and how closely an invoice
must match our purchase order and the supplier's shipment before it is a mismatch."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any, Protocol


class InvoiceMatch(StrEnum):
    MATCHED = "matched"
    MISMATCHED = "mismatched"


@dataclass(frozen=True, slots=True)
class InvoiceTolerance:
    """Allowed differences per line: units (invoiced vs shipped) and money per unit (vs our PO price).
    Zero by default: any difference is a mismatch someone looks at."""

    quantity: int = 0
    unit_price: Decimal = Decimal(0)


@dataclass(frozen=True, slots=True)
class SupplierInvoiceRecord:
    id: str
    partner_id: str
    invoice_number: str  # BIG02
    po_number: str  # BIG04: our 850's BEG03
    order_id: str
    location_id: str
    status: InvoiceMatch
    currency: str
    total: Decimal
    lines: list[dict[str, Any]]  # per line: ordered, shipped, invoiced, prices and the differences
    received_at: datetime
    exception_id: str | None = None
    message_id: str | None = None
    details: dict[str, Any] = field(default_factory=dict)


class SupplierInvoiceRepository(Protocol):
    def add(self, record: SupplierInvoiceRecord) -> bool:
        """Keep an invoice; False (nothing written) if the supplier sent one of that number before."""
        ...

    def get(self, partner_id: str, invoice_number: str) -> SupplierInvoiceRecord | None: ...

    def for_order(self, order_id: str) -> list[SupplierInvoiceRecord]: ...
