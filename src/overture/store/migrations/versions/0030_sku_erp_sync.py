"""skus carry a list price and where they stand with the ERP of record; erp_cursors keep how far a
catalogue sync from the ERP has read

Revision ID: 0030
Revises: 0029
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

# Column types spelled out here, not imported from the app, so this file never changes meaning.
AMOUNT = sa.String(length=40).with_variant(sa.Numeric(24, 6), "postgresql")
MOMENT = sa.DateTime(timezone=True)

revision = "0030"
down_revision = "0029"
branch_labels = None
depends_on = None

_SKU_COLUMNS = ("list_price", "price_currency", "erp_synced_at", "erp_modified_at", "price_changed_at")


def upgrade() -> None:
    with op.batch_alter_table("skus") as batch:
        batch.add_column(sa.Column("list_price", AMOUNT, nullable=True))
        batch.add_column(sa.Column("price_currency", sa.String(length=3), nullable=True))
        batch.add_column(sa.Column("erp_synced_at", MOMENT, nullable=True))
        batch.add_column(sa.Column("erp_modified_at", MOMENT, nullable=True))
        batch.add_column(sa.Column("price_changed_at", MOMENT, nullable=True))
    op.create_table(
        "erp_cursors",
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("position", MOMENT, nullable=False),
        sa.Column("updated_at", MOMENT, nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_erp_cursors")),
    )


def downgrade() -> None:
    op.drop_table("erp_cursors")
    with op.batch_alter_table("skus") as batch:
        for name in reversed(_SKU_COLUMNS):
            batch.drop_column(name)
