"""orders keep the total their channel declared, reconciled with lines plus charges at placement

Revision ID: 0017
Revises: 0016
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

# Column types spelled out here, not imported from the app, so this file never changes meaning.
AMOUNT = sa.String(length=40).with_variant(sa.Numeric(24, 6), "postgresql")

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Nullable, no default: orders captured before this declared nothing the hub kept.
    with op.batch_alter_table("orders") as batch:
        batch.add_column(sa.Column("declared_total", AMOUNT, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("orders") as batch:
        batch.drop_column("declared_total")
