"""The marketplace: sellers, their offers, the commission rules, sub-orders and their lines, the seller
ledger and payouts, the cases raised about sellers (reviews, warnings, suspensions) and incidents."""

from __future__ import annotations

from sqlalchemy import BigInteger, Boolean, Column, ForeignKey, Index, Integer, String, Table, Text, UniqueConstraint

from overture.store.tables.base import BigId, metadata
from overture.store.types import Json, UtcDateTime

sellers = Table(
    "sellers",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("name", String(255), nullable=False),
    Column("status", String(24), nullable=False),
    # Its stock: a location of kind "seller" in the one inventory ledger.
    Column("location_id", String(64), ForeignKey("locations.id"), nullable=False, unique=True),
    Column("currency", String(3), nullable=False),
    Column("holiday", Boolean, nullable=False),
    # What onboarding collected (company, tax id, return address, bank reference, documents, attestation).
    Column("profile", Json, nullable=False),
    Column("score", String(12), nullable=False, server_default="1"),
    Column("grace_until", UtcDateTime()),
    Column("partner_id", String(64)),
    Column("status_note", Text, nullable=False, server_default=""),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("updated_at", UtcDateTime(), nullable=False),
    Index(None, "status"),
)

offers = Table(
    "offers",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("seller_id", String(32), ForeignKey("sellers.id"), nullable=False),
    Column("sku", String(64), ForeignKey("skus.sku"), nullable=False),
    Column("gtin", String(14), nullable=False, server_default=""),
    Column("title", Text, nullable=False, server_default=""),
    Column("category", Text, nullable=False, server_default=""),
    Column("price_minor", BigInteger, nullable=False),
    Column("shipping_minor", BigInteger, nullable=False),
    Column("currency", String(3), nullable=False),
    Column("lead_time_days", Integer, nullable=False),
    Column("min_quantity", Integer, nullable=False),
    Column("max_quantity", Integer),
    Column("active", Boolean, nullable=False),
    Column("updated_at", UtcDateTime(), nullable=False),
    UniqueConstraint("seller_id", "sku"),
    Index(None, "sku"),
)

commission_rules = Table(
    "commission_rules",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("scope", String(16), nullable=False),
    Column("value", String(255), nullable=False),
    Column("currency", String(3), nullable=False),
    Column("terms", Json, nullable=False),
    Column("priority", Integer, nullable=False),
    Column("active", Boolean, nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
)

# A customer order's line as the buy box gave it to a seller, with the commission frozen then. A line
# refused and placed with another seller gets a new row (attempt + 1); the refused one stays.
seller_lines = Table(
    "seller_lines",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("order_id", String(32), nullable=False),
    Column("line_no", Integer, nullable=False),
    Column("attempt", Integer, nullable=False),
    Column("seller_id", String(32), ForeignKey("sellers.id"), nullable=False),
    Column("offer_id", String(32), nullable=False),
    Column("location_id", String(64), nullable=False),
    Column("sku", String(64), nullable=False),
    Column("quantity", Integer, nullable=False),
    Column("currency", String(3), nullable=False),
    Column("commission", Json, nullable=False),
    Column("fee_minor", BigInteger, nullable=False),
    Column("fee_tax_minor", BigInteger, nullable=False),
    # Null until the order is split (paid).
    Column("sub_order_id", String(40)),
    Column("status", String(16), nullable=False),
    Column("decided_at", UtcDateTime()),
    Column("decided_by", String(255)),
    Column("reason", Text, nullable=False, server_default=""),
    Column("created_at", UtcDateTime(), nullable=False),
    UniqueConstraint("order_id", "line_no", "attempt"),
    Index(None, "sub_order_id"),
    Index(None, "seller_id", "created_at"),
)

seller_orders = Table(
    "seller_orders",
    metadata,
    Column("id", String(40), primary_key=True),  # <order>-A, -B...
    Column("order_id", String(32), ForeignKey("orders.id"), nullable=False),
    Column("seller_id", String(32), ForeignKey("sellers.id"), nullable=False),
    Column("location_id", String(64), nullable=False),
    Column("status", String(24), nullable=False),
    Column("alert_at", UtcDateTime(), nullable=False),
    Column("accept_by", UtcDateTime(), nullable=False),
    Column("alerted_at", UtcDateTime()),
    Column("ship_by", UtcDateTime()),
    Column("shipped_at", UtcDateTime()),
    Column("late", Boolean, nullable=False),
    Column("carrier", String(64), nullable=False, server_default=""),
    Column("tracking_number", String(64), nullable=False, server_default=""),
    Column("tracking_valid", Boolean),
    Column("rerouted_from", String(40)),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("updated_at", UtcDateTime(), nullable=False),
    UniqueConstraint("order_id", "id"),
    Index(None, "order_id"),
    Index(None, "seller_id", "created_at"),
    Index(None, "status", "accept_by"),
)

seller_postings = Table(
    "seller_postings",
    metadata,
    Column("key", String(200), primary_key=True),
    Column("seller_id", String(32), ForeignKey("sellers.id"), nullable=False),
    Column("at", UtcDateTime(), nullable=False),
)

seller_entries = Table(
    "seller_entries",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("posting_key", String(200), ForeignKey("seller_postings.key"), nullable=False),
    Column("seller_id", String(32), ForeignKey("sellers.id"), nullable=False),
    Column("kind", String(32), nullable=False),
    Column("amount_minor", BigInteger, nullable=False),
    Column("currency", String(3), nullable=False),
    Column("order_id", String(32), nullable=False, server_default=""),
    Column("sub_order_id", String(40), nullable=False, server_default=""),
    Column("line_no", Integer),
    Column("cause", String(255), nullable=False),
    Column("actor", String(255), nullable=False),
    Column("reference", String(255), nullable=False, server_default=""),
    Column("at", UtcDateTime(), nullable=False),
    Index(None, "seller_id", "at"),
    Index(None, "seller_id", "order_id"),  # a refund mirrored: what the line has posted so far
)

seller_payouts = Table(
    "seller_payouts",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("seller_id", String(32), ForeignKey("sellers.id"), nullable=False),
    Column("amount_minor", BigInteger, nullable=False),
    Column("currency", String(3), nullable=False),
    Column("cutoff", UtcDateTime(), nullable=False),
    Column("bank_account_ref", String(255), nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
    Index(None, "seller_id", "created_at"),
)

# What an operator must look at about a seller (not about one order): an onboarding review, a scorecard
# warning or suspension, a product to map by hand, an incident escalated.
seller_cases = Table(
    "seller_cases",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("seller_id", String(32), ForeignKey("sellers.id"), nullable=False),
    Column("type", String(32), nullable=False),
    Column("subject", String(255), nullable=False),
    Column("reason", Text, nullable=False),
    Column("details", Json, nullable=False),
    Column("status", String(16), nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("resolved_at", UtcDateTime()),
    Column("resolved_by", String(255)),
    Column("resolution", String(16)),
    Column("resolution_note", Text),
    Index(None, "status", "type"),
    Index(None, "seller_id", "type", "subject"),
)

seller_incidents = Table(
    "seller_incidents",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("order_id", String(32), ForeignKey("orders.id"), nullable=False),
    Column("sub_order_id", String(40), nullable=False),
    Column("seller_id", String(32), ForeignKey("sellers.id"), nullable=False),
    Column("reason", String(32), nullable=False),
    Column("message", Text, nullable=False),
    Column("status", String(16), nullable=False),
    Column("opened_by", String(255), nullable=False),
    Column("opened_at", UtcDateTime(), nullable=False),
    Column("respond_by", UtcDateTime(), nullable=False),
    Column("responded_at", UtcDateTime()),
    Column("seller_response", Text, nullable=False, server_default=""),
    Column("outcome", String(16)),
    Column("lines", Json, nullable=False),
    Column("resolved_at", UtcDateTime()),
    Column("resolved_by", String(255)),
    Column("note", Text, nullable=False, server_default=""),
    Index(None, "seller_id", "opened_at"),
    Index(None, "status", "respond_by"),
)

marketplace_settings = Table(
    "marketplace_settings",
    metadata,
    Column("key", String(64), primary_key=True),
    Column("value", Json, nullable=False),
    Column("updated_at", UtcDateTime(), nullable=False),
)
