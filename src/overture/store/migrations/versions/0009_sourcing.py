"""sourcing: location capacity and cut-off, SKU hazmat/oversize flags, the sourcing settings document

Revision ID: 0009
Revises: 0008
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

# Column types spelled out here, not imported from the app, so this file never changes meaning.
JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("locations") as batch:
        batch.add_column(sa.Column("daily_capacity", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("cutoff_utc", sa.String(length=5), nullable=True))
    with op.batch_alter_table("skus") as batch:
        batch.add_column(sa.Column("hazmat", sa.Boolean(), server_default=sa.false(), nullable=False))
        batch.add_column(sa.Column("oversize", sa.Boolean(), server_default=sa.false(), nullable=False))
    op.create_table(
        "sourcing_settings",
        sa.Column("id", sa.String(length=16), nullable=False),
        sa.Column("document", JSON, nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sourcing_settings")),
    )


def downgrade() -> None:
    op.drop_table("sourcing_settings")
    with op.batch_alter_table("skus") as batch:
        batch.drop_column("oversize")
        batch.drop_column("hazmat")
    with op.batch_alter_table("locations") as batch:
        batch.drop_column("cutoff_utc")
        batch.drop_column("daily_capacity")
