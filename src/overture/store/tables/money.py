"""The money ledger (append-only entries, grouped in postings) and the payments behind it."""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, ForeignKey, Index, Integer, String, Table, Text

from overture.store.tables.base import BigId, metadata
from overture.store.types import UtcDateTime

# One row per change that moved money (placement, an edit, a capture, a refund): its key makes a
# retried step post nothing twice, whatever the step.
money_postings = Table(
    "money_postings",
    metadata,
    Column("key", String(200), primary_key=True),
    Column("order_id", String(32), ForeignKey("orders.id"), nullable=False, index=True),
    Column("at", UtcDateTime(), nullable=False),
)

money_entries = Table(
    "money_entries",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("posting_key", String(200), ForeignKey("money_postings.key"), nullable=False),
    Column("order_id", String(32), ForeignKey("orders.id"), nullable=False),
    # Null: the order itself (an authorisation); else the line the amount belongs to.
    Column("line_no", Integer),
    Column("kind", String(16), nullable=False),
    # Whole minor units of the currency: never a float, never a rounded decimal.
    Column("amount_minor", BigInteger, nullable=False),
    Column("currency", String(3), nullable=False),
    Column("cause", String(200), nullable=False),
    Column("actor", String(255), nullable=False),
    Column("reference", String(255), nullable=False, server_default=""),
    Column("at", UtcDateTime(), nullable=False),
    Index(None, "order_id", "id"),
    Index(None, "kind", "at"),
)

# A payment provider's authorisation for an order (a Stripe PaymentIntent).
payments = Table(
    "payments",
    metadata,
    Column("intent_id", String(255), primary_key=True),
    Column("order_id", String(32), ForeignKey("orders.id"), nullable=False, index=True),
    Column("provider", String(32), nullable=False),
    Column("payment_method", String(255), nullable=False),
    Column("status", String(32), nullable=False),
    Column("authorised_minor", BigInteger, nullable=False),
    Column("currency", String(3), nullable=False),
    Column("capture_before", UtcDateTime()),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("note", Text, nullable=False, server_default=""),
)
