"""governance rules: versioned rule sets, SKU unit cost, orders' trading partner

Revision ID: 0007
Revises: 0006
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

# Column types spelled out here, not imported from the app, so this file never changes meaning.
JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
AMOUNT = sa.String(length=40).with_variant(sa.Numeric(24, 6), "postgresql")

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

# Orders captured before this revision keep their partner inside the customer document.
_BACKFILL = {
    "sqlite": "UPDATE orders SET partner_id = json_extract(customer, '$.partner_id')",
    "postgresql": "UPDATE orders SET partner_id = customer ->> 'partner_id'",
}


def upgrade() -> None:
    op.create_table(
        "rule_sets",
        sa.Column("scope", sa.String(length=128), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("rules", JSON, nullable=False),
        sa.Column("note", sa.Text(), server_default="", nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("scope", "version", name=op.f("pk_rule_sets")),
    )
    with op.batch_alter_table("skus") as batch:
        batch.add_column(sa.Column("unit_cost", AMOUNT, nullable=True))
    with op.batch_alter_table("orders") as batch:
        batch.add_column(sa.Column("partner_id", sa.String(length=64), nullable=True))
    op.create_index(op.f("ix_orders_partner_id_status"), "orders", ["partner_id", "status"], unique=False)
    op.execute(_BACKFILL[op.get_bind().dialect.name])


def downgrade() -> None:
    op.drop_index(op.f("ix_orders_partner_id_status"), table_name="orders")
    with op.batch_alter_table("orders") as batch:
        batch.drop_column("partner_id")
    with op.batch_alter_table("skus") as batch:
        batch.drop_column("unit_cost")
    op.drop_table("rule_sets")
