"""inbound supply (purchase orders, transfers), order priority, backordered quantity and promise date of lines

Revision ID: 0010
Revises: 0009
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("orders") as batch:
        batch.add_column(sa.Column("priority", sa.Integer(), server_default="1", nullable=False))
    with op.batch_alter_table("order_lines") as batch:
        batch.add_column(sa.Column("backordered", sa.Integer(), server_default="0", nullable=False))
        batch.add_column(sa.Column("promised_at", sa.DateTime(timezone=True), nullable=True))
        batch.create_check_constraint(
            op.f("ck_order_lines_backordered_range"), "backordered >= 0 AND backordered <= quantity"
        )
    op.create_table(
        "inbound_supply",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("reference", sa.String(length=255), nullable=False),
        sa.Column("sku", sa.String(length=64), nullable=False),
        sa.Column("location_id", sa.String(length=64), nullable=False),
        sa.Column("from_location_id", sa.String(length=64), nullable=True),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("received", sa.Integer(), server_default="0", nullable=False),
        sa.Column("expected_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("quantity > 0", name=op.f("ck_inbound_supply_quantity_positive")),
        sa.CheckConstraint("received >= 0", name=op.f("ck_inbound_supply_received_not_negative")),
        sa.ForeignKeyConstraint(["sku"], ["skus.sku"], name=op.f("fk_inbound_supply_sku_skus")),
        sa.ForeignKeyConstraint(
            ["location_id"], ["locations.id"], name=op.f("fk_inbound_supply_location_id_locations")
        ),
        sa.ForeignKeyConstraint(
            ["from_location_id"], ["locations.id"], name=op.f("fk_inbound_supply_from_location_id_locations")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inbound_supply")),
    )
    op.create_index(
        op.f("ix_inbound_supply_sku_status_expected_at"), "inbound_supply", ["sku", "status", "expected_at"]
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_inbound_supply_sku_status_expected_at"), table_name="inbound_supply")
    op.drop_table("inbound_supply")
    with op.batch_alter_table("order_lines") as batch:
        batch.drop_constraint(op.f("ck_order_lines_backordered_range"), type_="check")
        batch.drop_column("promised_at")
        batch.drop_column("backordered")
    with op.batch_alter_table("orders") as batch:
        batch.drop_column("priority")
