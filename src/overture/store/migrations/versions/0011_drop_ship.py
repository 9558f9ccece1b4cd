"""drop-ship: the supplier that fulfils a drop-ship location, and how it gets its orders

Revision ID: 0011
Revises: 0010
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("locations") as batch:
        batch.add_column(sa.Column("supplier_partner_id", sa.String(length=64), nullable=True))
        batch.add_column(sa.Column("supplier_transport", sa.String(length=8), server_default="x12", nullable=False))
        batch.add_column(sa.Column("supplier_url", sa.String(length=500), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("locations") as batch:
        batch.drop_column("supplier_url")
        batch.drop_column("supplier_transport")
        batch.drop_column("supplier_partner_id")
