"""Invoices drop-ship suppliers sent us (their 810s), each with the outcome of its three-way match."""

from __future__ import annotations

from sqlalchemy import Column, Index, String, Table, UniqueConstraint

from overture.store.tables.base import metadata
from overture.store.types import Amount, Json, UtcDateTime

# One row per supplier and invoice number: a resent 810 is recognised, not matched twice.
supplier_invoices = Table(
    "supplier_invoices",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("partner_id", String(64), nullable=False),
    Column("invoice_number", String(22), nullable=False),
    Column("po_number", String(22), nullable=False),
    Column("order_id", String(32), nullable=False),
    Column("location_id", String(64), nullable=False),
    Column("status", String(16), nullable=False),  # matched | mismatched
    Column("currency", String(3), nullable=False),
    Column("total", Amount(), nullable=False),
    Column("lines", Json, nullable=False),
    Column("exception_id", String(32)),
    Column("message_id", String(32)),
    Column("received_at", UtcDateTime(), nullable=False),
    UniqueConstraint("partner_id", "invoice_number"),
    Index(None, "order_id"),
)
