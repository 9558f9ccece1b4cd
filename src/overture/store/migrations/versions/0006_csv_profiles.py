"""csv profiles (how each trading partner's CSV order files are laid out)

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

# Column types spelled out here, not imported from the app, so this file never changes meaning.
JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "csv_profiles",
        sa.Column("partner_id", sa.String(length=64), nullable=False),
        sa.Column("profile", JSON, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("partner_id", name=op.f("pk_csv_profiles")),
    )


def downgrade() -> None:
    op.drop_table("csv_profiles")
