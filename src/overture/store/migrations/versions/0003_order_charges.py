"""order charges (shipping, tax, discounts, fees)

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

# Column types spelled out here, not imported from the app, so this file never changes meaning.
JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("orders") as batch:
        batch.add_column(sa.Column("charges", JSON, nullable=False, server_default="[]"))


def downgrade() -> None:
    with op.batch_alter_table("orders") as batch:
        batch.drop_column("charges")
