"""Orders and everything recorded about them: lines, events, decisions, exceptions, shipments, references."""

from __future__ import annotations

from sqlalchemy import CheckConstraint, Column, ForeignKey, Index, Integer, String, Table, Text, UniqueConstraint, text

from overture.store.tables.base import BigId, metadata
from overture.store.types import Amount, Json, UtcDateTime

orders = Table(
    "orders",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("channel", String(64), nullable=False),
    Column("external_id", String(255), nullable=False),
    Column("status", String(24), nullable=False),
    Column("customer", Json, nullable=False),
    Column("ship_to", Json, nullable=False),
    Column("currency", String(3), nullable=False),
    Column("total", Amount(), nullable=False),
    # Shipping, tax, discounts and fees: [{"kind", "amount", "code", "line_no"}]; the total includes them.
    Column("charges", Json, nullable=False, server_default="[]"),
    # The total the channel declared (None: it declared none); reconciled with ``total`` at placement.
    Column("declared_total", Amount()),
    # A payment provider's payment method to authorise (null: the channel collected, or terms).
    Column("payment_method", String(255)),
    Column("raw_message_id", String(32)),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("updated_at", UtcDateTime(), nullable=False),
    # The customer's trading partner (also in ``customer``), as a column so that the credit_limit
    # rule sums an account's open orders through an index.
    Column("partner_id", String(64)),
    # The customer's priority (1 is the lowest): backorders are filled highest first, then oldest.
    Column("priority", Integer, nullable=False, server_default="1"),
    UniqueConstraint("channel", "external_id"),
    Index(None, "status", "id"),
    Index(None, "external_id"),
    Index(None, "partner_id", "status"),
    # /metrics counts orders by channel and status from this index alone (migration 0014).
    Index(None, "status", "channel"),
    # The dashboard's orders per hour and orders in a period (migration 0013).
    Index(None, "created_at"),
    # The dashboard's connected channels: has this channel taken an order lately (migration 0013).
    Index(None, "channel", "created_at"),
    # The orders list, newest first (ids are time-ordered) within a channel or a partner (migration 0020).
    Index(None, "channel", "id"),
    Index(None, "partner_id", "id"),
)


# Search by customer e-mail on the dashboard: an index on the lower-cased address inside the JSON.
# ``->>`` is spelled the same by PostgreSQL and SQLite (3.38+); store/dashboard/ queries this expression.
CUSTOMER_EMAIL = "lower(customer ->> 'email')"

Index("ix_orders_customer_email", text(CUSTOMER_EMAIL), _table=orders)


order_lines = Table(
    "order_lines",
    metadata,
    Column("order_id", String(32), ForeignKey("orders.id"), primary_key=True),
    Column("line_no", Integer, primary_key=True),
    Column("sku", String(64), nullable=False),
    Column("quantity", Integer, nullable=False),
    Column("unit_price", Amount(), nullable=False),
    Column("status", String(16), nullable=False),
    # Units still owed while the line waits for inbound supply, and when the supply completing it is due.
    Column("backordered", Integer, nullable=False, server_default="0"),
    Column("promised_at", UtcDateTime()),
    CheckConstraint("quantity > 0", name="quantity_positive"),
    CheckConstraint("backordered >= 0 AND backordered <= quantity", name="backordered_range"),
    # The inventory page's open backorders of a SKU (migration 0016): partial, so it holds only the
    # few lines still owed units, not every line ever taken.
    Index(None, "sku", sqlite_where=text("backordered > 0"), postgresql_where=text("backordered > 0")),
)


order_events = Table(
    "order_events",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("order_id", String(32), ForeignKey("orders.id"), nullable=False),
    Column("at", UtcDateTime(), nullable=False),
    # "status" for a transition; "note" for a step that leaves the status as it is.
    Column("kind", String(16), nullable=False, server_default="status"),
    Column("from_status", String(24)),
    Column("to_status", String(24), nullable=False),
    Column("note", Text, nullable=False),
    # The dashboard's step durations and last success per step (migration 0013).
    Index(None, "at"),
    Index(None, "to_status", "kind", "at"),
    # An order's events (timeline, foreign key), and whether given orders completed in a window (the
    # savings page's touched orders) from the index alone; it replaced the order_id index (migration 0016).
    Index(None, "order_id", "to_status", "kind", "at"),
)


decisions = Table(
    "decisions",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("order_id", String(32), ForeignKey("orders.id"), nullable=False, index=True),
    Column("at", UtcDateTime(), nullable=False),
    Column("kind", String(24), nullable=False),
    Column("outcome", String(32), nullable=False),
    Column("reason", Text, nullable=False),
    Column("inputs", Json, nullable=False),
    Column("alternatives", Json, nullable=False),
)


order_exceptions = Table(
    "order_exceptions",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("order_id", String(32), ForeignKey("orders.id"), nullable=False, index=True),
    Column("type", String(32), nullable=False),
    Column("step", String(32), nullable=False),
    Column("reason", Text, nullable=False),
    Column("severity", String(8), nullable=False),
    Column("allowed_actions", Json, nullable=False),
    Column("details", Json, nullable=False),
    Column("status", String(16), nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("resolved_at", UtcDateTime()),
    Column("resolved_by", String(255)),
    Column("resolution", String(16)),
    Column("resolution_note", Text),
    # Who on the dashboard has taken it on (null: nobody).
    Column("assignee", String(255)),
    Index(None, "status", "type", "id"),
    Index(None, "status", "created_at"),
    Index(None, "resolved_at"),
)


shipments = Table(
    "shipments",
    metadata,
    # The WMS's own shipment id: a duplicated webhook hits this key and changes nothing.
    Column("id", String(64), primary_key=True),
    Column("order_id", String(32), ForeignKey("orders.id"), nullable=False, index=True),
    Column("location_id", String(64), nullable=False),
    Column("carrier", String(64), nullable=False),
    Column("tracking_number", String(64), nullable=False, index=True),
    Column("shipped_at", UtcDateTime(), nullable=False),
    Column("lines", Json, nullable=False),
    Column("raw_message_id", String(32)),
    Column("created_at", UtcDateTime(), nullable=False),
    # The returns page's units shipped in a period (migration 0027).
    Index(None, "shipped_at"),
)


order_references = Table(
    "order_references",
    metadata,
    Column("order_id", String(32), ForeignKey("orders.id"), primary_key=True),
    Column("system", String(32), primary_key=True),
    Column("kind", String(32), primary_key=True),
    Column("value", String(255), primary_key=True),
    Column("created_at", UtcDateTime(), nullable=False),
    Index(None, "value"),
)
