"""initial schema

Revision ID: 0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

# Column types spelled out here, not imported from the app, so this file never changes meaning.
JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
AMOUNT = sa.String(length=40).with_variant(sa.Numeric(24, 6), "postgresql")

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "idempotency_keys",
        sa.Column("scope", sa.String(length=32), nullable=False),
        sa.Column("key", sa.String(length=255), nullable=False),
        sa.Column("request_hash", sa.String(length=64), nullable=False),
        sa.Column("order_id", sa.String(length=32), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("scope", "key", name=op.f("pk_idempotency_keys")),
    )
    op.create_table(
        "inbound_messages",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("channel", sa.String(length=64), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("content_type", sa.String(length=128), nullable=False),
        sa.Column("headers", JSON, nullable=False),
        sa.Column("body", sa.LargeBinary(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.String(length=64), nullable=True),
        sa.Column("errors", JSON, nullable=True),
        sa.Column("order_id", sa.String(length=32), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inbound_messages")),
    )
    op.create_index(op.f("ix_inbound_messages_status_id"), "inbound_messages", ["status", "id"], unique=False)

    op.create_table(
        "inventory_movements",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("sku", sa.String(length=64), nullable=False),
        sa.Column("location_id", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("on_hand_delta", sa.Integer(), nullable=False),
        sa.Column("reserved_delta", sa.Integer(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("reference", sa.String(length=255), nullable=False),
        sa.Column("order_id", sa.String(length=32), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inventory_movements")),
    )
    op.create_index(
        op.f("ix_inventory_movements_sku_location_id_id"),
        "inventory_movements",
        ["sku", "location_id", "id"],
        unique=False,
    )

    op.create_table(
        "locations",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("latitude", sa.Float(), nullable=False),
        sa.Column("longitude", sa.Float(), nullable=False),
        sa.Column("postal_code", sa.String(length=16), nullable=False),
        sa.Column("country", sa.String(length=2), nullable=False),
        sa.Column("capabilities", JSON, nullable=False),
        sa.Column("priority", sa.Integer(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_locations")),
    )
    op.create_table(
        "orders",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("channel", sa.String(length=64), nullable=False),
        sa.Column("external_id", sa.String(length=255), nullable=False),
        sa.Column("status", sa.String(length=24), nullable=False),
        sa.Column("customer", JSON, nullable=False),
        sa.Column("ship_to", JSON, nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("total", AMOUNT, nullable=False),
        sa.Column("raw_message_id", sa.String(length=32), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_orders")),
        sa.UniqueConstraint("channel", "external_id", name=op.f("uq_orders_channel_external_id")),
    )
    op.create_index(op.f("ix_orders_external_id"), "orders", ["external_id"], unique=False)
    op.create_index(op.f("ix_orders_status_id"), "orders", ["status", "id"], unique=False)

    op.create_table(
        "outbox",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("topic", sa.String(length=64), nullable=False),
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("payload", JSON, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("dispatched_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbox")),
    )
    op.create_index(op.f("ix_outbox_dispatched_at_id"), "outbox", ["dispatched_at", "id"], unique=False)

    op.create_table(
        "skus",
        sa.Column("sku", sa.String(length=64), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("unit_of_measure", sa.String(length=8), nullable=False),
        sa.Column("weight_kg", sa.Float(), nullable=True),
        sa.Column("serialized", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("sku", name=op.f("pk_skus")),
    )
    op.create_table(
        "decisions",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("order_id", sa.String(length=32), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("kind", sa.String(length=24), nullable=False),
        sa.Column("outcome", sa.String(length=32), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("inputs", JSON, nullable=False),
        sa.Column("alternatives", JSON, nullable=False),
        sa.ForeignKeyConstraint(["order_id"], ["orders.id"], name=op.f("fk_decisions_order_id_orders")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_decisions")),
    )
    op.create_index(op.f("ix_decisions_order_id"), "decisions", ["order_id"], unique=False)

    op.create_table(
        "inventory_positions",
        sa.Column("sku", sa.String(length=64), nullable=False),
        sa.Column("location_id", sa.String(length=64), nullable=False),
        sa.Column("on_hand", sa.Integer(), nullable=False),
        sa.Column("reserved", sa.Integer(), nullable=False),
        sa.Column("safety_stock", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "reserved >= 0 AND reserved <= on_hand", name=op.f("ck_inventory_positions_reserved_within_on_hand")
        ),
        sa.CheckConstraint("safety_stock >= 0", name=op.f("ck_inventory_positions_safety_stock_not_negative")),
        sa.ForeignKeyConstraint(
            ["location_id"], ["locations.id"], name=op.f("fk_inventory_positions_location_id_locations")
        ),
        sa.ForeignKeyConstraint(["sku"], ["skus.sku"], name=op.f("fk_inventory_positions_sku_skus")),
        sa.PrimaryKeyConstraint("sku", "location_id", name=op.f("pk_inventory_positions")),
    )
    op.create_table(
        "order_events",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("order_id", sa.String(length=32), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("from_status", sa.String(length=24), nullable=True),
        sa.Column("to_status", sa.String(length=24), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["order_id"], ["orders.id"], name=op.f("fk_order_events_order_id_orders")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_order_events")),
    )
    op.create_index(op.f("ix_order_events_order_id"), "order_events", ["order_id"], unique=False)

    op.create_table(
        "order_exceptions",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("order_id", sa.String(length=32), nullable=False),
        sa.Column("type", sa.String(length=32), nullable=False),
        sa.Column("step", sa.String(length=32), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("severity", sa.String(length=8), nullable=False),
        sa.Column("allowed_actions", JSON, nullable=False),
        sa.Column("details", JSON, nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("resolved_by", sa.String(length=255), nullable=True),
        sa.Column("resolution", sa.String(length=16), nullable=True),
        sa.Column("resolution_note", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(["order_id"], ["orders.id"], name=op.f("fk_order_exceptions_order_id_orders")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_order_exceptions")),
    )
    op.create_index(op.f("ix_order_exceptions_order_id"), "order_exceptions", ["order_id"], unique=False)
    op.create_index(
        op.f("ix_order_exceptions_status_type_id"), "order_exceptions", ["status", "type", "id"], unique=False
    )

    op.create_table(
        "order_lines",
        sa.Column("order_id", sa.String(length=32), nullable=False),
        sa.Column("line_no", sa.Integer(), nullable=False),
        sa.Column("sku", sa.String(length=64), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("unit_price", AMOUNT, nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.CheckConstraint("quantity > 0", name=op.f("ck_order_lines_quantity_positive")),
        sa.ForeignKeyConstraint(["order_id"], ["orders.id"], name=op.f("fk_order_lines_order_id_orders")),
        sa.PrimaryKeyConstraint("order_id", "line_no", name=op.f("pk_order_lines")),
    )
    op.create_table(
        "reservations",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("order_id", sa.String(length=32), nullable=False),
        sa.Column("line_no", sa.Integer(), nullable=False),
        sa.Column("sku", sa.String(length=64), nullable=False),
        sa.Column("location_id", sa.String(length=64), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("quantity > 0", name=op.f("ck_reservations_quantity_positive")),
        sa.ForeignKeyConstraint(["order_id"], ["orders.id"], name=op.f("fk_reservations_order_id_orders")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reservations")),
    )
    op.create_index(op.f("ix_reservations_order_id"), "reservations", ["order_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_reservations_order_id"), table_name="reservations")

    op.drop_table("reservations")
    op.drop_table("order_lines")
    op.drop_index(op.f("ix_order_exceptions_status_type_id"), table_name="order_exceptions")
    op.drop_index(op.f("ix_order_exceptions_order_id"), table_name="order_exceptions")

    op.drop_table("order_exceptions")
    op.drop_index(op.f("ix_order_events_order_id"), table_name="order_events")

    op.drop_table("order_events")
    op.drop_table("inventory_positions")
    op.drop_index(op.f("ix_decisions_order_id"), table_name="decisions")

    op.drop_table("decisions")
    op.drop_table("skus")
    op.drop_index(op.f("ix_outbox_dispatched_at_id"), table_name="outbox")

    op.drop_table("outbox")
    op.drop_index(op.f("ix_orders_status_id"), table_name="orders")
    op.drop_index(op.f("ix_orders_external_id"), table_name="orders")

    op.drop_table("orders")
    op.drop_table("locations")
    op.drop_index(op.f("ix_inventory_movements_sku_location_id_id"), table_name="inventory_movements")

    op.drop_table("inventory_movements")
    op.drop_index(op.f("ix_inbound_messages_status_id"), table_name="inbound_messages")

    op.drop_table("inbound_messages")
    op.drop_table("idempotency_keys")
