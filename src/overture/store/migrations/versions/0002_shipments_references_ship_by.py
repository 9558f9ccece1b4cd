"""shipments, references, ship-by

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

# Column types spelled out here, not imported from the app, so this file never changes meaning.
JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "order_references",
        sa.Column("order_id", sa.String(length=32), nullable=False),
        sa.Column("system", sa.String(length=32), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("value", sa.String(length=255), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["order_id"], ["orders.id"], name=op.f("fk_order_references_order_id_orders")),
        sa.PrimaryKeyConstraint("order_id", "system", "kind", "value", name=op.f("pk_order_references")),
    )
    op.create_index(op.f("ix_order_references_value"), "order_references", ["value"], unique=False)

    op.create_table(
        "shipments",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("order_id", sa.String(length=32), nullable=False),
        sa.Column("location_id", sa.String(length=64), nullable=False),
        sa.Column("carrier", sa.String(length=64), nullable=False),
        sa.Column("tracking_number", sa.String(length=64), nullable=False),
        sa.Column("shipped_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("lines", JSON, nullable=False),
        sa.Column("raw_message_id", sa.String(length=32), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["order_id"], ["orders.id"], name=op.f("fk_shipments_order_id_orders")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_shipments")),
    )
    op.create_index(op.f("ix_shipments_order_id"), "shipments", ["order_id"], unique=False)
    op.create_index(op.f("ix_shipments_tracking_number"), "shipments", ["tracking_number"], unique=False)

    with op.batch_alter_table("locations", schema=None) as batch_op:
        batch_op.add_column(sa.Column("ship_by_seconds", sa.Integer(), server_default="172800", nullable=False))

    with op.batch_alter_table("order_events", schema=None) as batch_op:
        batch_op.add_column(sa.Column("kind", sa.String(length=16), server_default="status", nullable=False))


def downgrade() -> None:
    with op.batch_alter_table("order_events", schema=None) as batch_op:
        batch_op.drop_column("kind")

    with op.batch_alter_table("locations", schema=None) as batch_op:
        batch_op.drop_column("ship_by_seconds")

    op.drop_index(op.f("ix_shipments_tracking_number"), table_name="shipments")
    op.drop_index(op.f("ix_shipments_order_id"), table_name="shipments")

    op.drop_table("shipments")
    op.drop_index(op.f("ix_order_references_value"), table_name="order_references")

    op.drop_table("order_references")
