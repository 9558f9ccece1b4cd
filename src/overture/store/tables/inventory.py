"""Catalogue, locations and stock: positions, the ledger of movements, reservations, inbound supply,
and availability change capture."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    false,
)

from overture.store.tables.base import BigId, metadata
from overture.store.types import Amount, Json, UtcDateTime

skus = Table(
    "skus",
    metadata,
    Column("sku", String(64), primary_key=True),
    Column("description", Text, nullable=False, default=""),
    Column("unit_of_measure", String(8), nullable=False, default="EA"),
    Column("weight_kg", Float),
    Column("serialized", Boolean, nullable=False, default=False),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("updated_at", UtcDateTime(), nullable=False),
    # What one unit costs us, for the low_margin governance rule; unknown when null.
    Column("unit_cost", Amount()),
    Column("hazmat", Boolean, nullable=False, server_default=false()),
    Column("oversize", Boolean, nullable=False, server_default=false()),
    # The list price and its currency; the ERP of record's once it has the item (services/erp_items.py).
    Column("list_price", Amount()),
    Column("price_currency", String(3)),
    # When we last agreed with the ERP (null: it is not known to hold the SKU), the ERP's own
    # LastModifiedDateTime as we last read or wrote it, and when our list price was last set here.
    Column("erp_synced_at", UtcDateTime()),
    Column("erp_modified_at", UtcDateTime()),
    Column("price_changed_at", UtcDateTime()),
)


# How far each catalogue sync from an ERP has read (its own modification time of the last record read).
erp_cursors = Table(
    "erp_cursors",
    metadata,
    Column("name", String(64), primary_key=True),
    Column("position", UtcDateTime(), nullable=False),
    Column("updated_at", UtcDateTime(), nullable=False),
)


locations = Table(
    "locations",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("name", String(255), nullable=False),
    Column("kind", String(16), nullable=False),
    Column("latitude", Float, nullable=False),
    Column("longitude", Float, nullable=False),
    Column("postal_code", String(16), nullable=False),
    Column("country", String(2), nullable=False),
    Column("capabilities", Json, nullable=False),
    Column("priority", Integer, nullable=False),
    Column("active", Boolean, nullable=False),
    Column("ship_by_seconds", Integer, nullable=False, server_default="172800"),
    Column("created_at", UtcDateTime(), nullable=False),
    # Sourcing: orders it can ship a day (null: no limit), and the UTC cut-off "HH:MM" (null: none).
    Column("daily_capacity", Integer),
    Column("cutoff_utc", String(5)),
    # Drop-ship: the trading partner that fulfils it, how it gets its orders (x12 | api), and its URL.
    Column("supplier_partner_id", String(64)),
    Column("supplier_transport", String(8), nullable=False, server_default="x12"),
    Column("supplier_url", String(500)),
)


inventory_positions = Table(
    "inventory_positions",
    metadata,
    Column("sku", String(64), ForeignKey("skus.sku"), primary_key=True),
    Column("location_id", String(64), ForeignKey("locations.id"), primary_key=True),
    Column("on_hand", Integer, nullable=False),
    Column("reserved", Integer, nullable=False),
    Column("safety_stock", Integer, nullable=False),
    Column("updated_at", UtcDateTime(), nullable=False),
    # The database itself refuses any write that would oversell, whatever the code does.
    CheckConstraint("reserved >= 0 AND reserved <= on_hand", name="reserved_within_on_hand"),
    CheckConstraint("safety_stock >= 0", name="safety_stock_not_negative"),
)


inventory_movements = Table(
    "inventory_movements",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("sku", String(64), nullable=False),
    Column("location_id", String(64), nullable=False),
    Column("kind", String(16), nullable=False),
    Column("on_hand_delta", Integer, nullable=False),
    Column("reserved_delta", Integer, nullable=False),
    Column("reason", Text, nullable=False),
    Column("reference", String(255), nullable=False),
    Column("order_id", String(32)),
    Column("created_at", UtcDateTime(), nullable=False),
    Index(None, "sku", "location_id", "id"),
)


reservations = Table(
    "reservations",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("order_id", String(32), ForeignKey("orders.id"), nullable=False, index=True),
    Column("line_no", Integer, nullable=False),
    Column("sku", String(64), nullable=False),
    Column("location_id", String(64), nullable=False),
    Column("quantity", Integer, nullable=False),
    Column("status", String(16), nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("updated_at", UtcDateTime(), nullable=False),
    Column("expires_at", UtcDateTime()),
    CheckConstraint("quantity > 0", name="quantity_positive"),
    # The inventory page's open reservations of a SKU (migration 0013).
    Index(None, "sku", "status"),
    # The orders list filtered by location (migration 0020).
    Index(None, "location_id", "order_id"),
)


# Future supply (domain/supply): purchase-order lines and transfers expected at a location. Backordered
# lines get their promise dates from the open ones; receiving one books on hand and fills backorders.
inbound_supply = Table(
    "inbound_supply",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("kind", String(16), nullable=False),
    Column("reference", String(255), nullable=False),
    Column("sku", String(64), ForeignKey("skus.sku"), nullable=False),
    Column("location_id", String(64), ForeignKey("locations.id"), nullable=False),
    Column("from_location_id", String(64), ForeignKey("locations.id")),
    Column("quantity", Integer, nullable=False),
    Column("received", Integer, nullable=False, server_default="0"),
    Column("expected_at", UtcDateTime(), nullable=False),
    Column("status", String(16), nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("updated_at", UtcDateTime(), nullable=False),
    CheckConstraint("quantity > 0", name="quantity_positive"),
    CheckConstraint("received >= 0", name="received_not_negative"),
    Index(None, "sku", "status", "expected_at"),
)


# Availability change capture (services/availability): a row per SKU whose availability changed since
# it was last published, written in the same transaction as the change. ``version`` grows with every
# change, so the publisher deletes a row only if no change came in while it was publishing.
availability_dirty = Table(
    "availability_dirty",
    metadata,
    Column("sku", String(64), primary_key=True),
    Column("version", BigInteger, nullable=False),
    Column("changed_at", UtcDateTime(), nullable=False),  # the oldest unpublished change: served first
    Index(None, "changed_at"),
)


# The last figure each channel was sent per SKU, so an unchanged figure is not sent again.
availability_published = Table(
    "availability_published",
    metadata,
    Column("channel", String(128), primary_key=True),
    Column("sku", String(64), primary_key=True),
    Column("available", Integer, nullable=False),
    Column("published_at", UtcDateTime(), nullable=False),
)
