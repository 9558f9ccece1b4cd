"""trading partners

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

# Column types spelled out here, not imported from the app, so this file never changes meaning.
JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "trading_partners",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("x12_qualifier", sa.String(length=2), nullable=True),
        sa.Column("x12_id", sa.String(length=15), nullable=True),
        sa.Column("profile", JSON, nullable=False),
        sa.Column("last_control_number", sa.Integer(), server_default="0", nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_trading_partners")),
        sa.UniqueConstraint("x12_qualifier", "x12_id", name=op.f("uq_trading_partners_x12_qualifier_x12_id")),
    )


def downgrade() -> None:
    op.drop_table("trading_partners")
