"""availability change capture: SKUs whose availability changed, last figure published per channel

Revision ID: 0008
Revises: 0007
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "availability_dirty",
        sa.Column("sku", sa.String(length=64), nullable=False),
        sa.Column("version", sa.BigInteger(), nullable=False),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("sku", name=op.f("pk_availability_dirty")),
    )
    op.create_index(op.f("ix_availability_dirty_changed_at"), "availability_dirty", ["changed_at"], unique=False)
    op.create_table(
        "availability_published",
        sa.Column("channel", sa.String(length=128), nullable=False),
        sa.Column("sku", sa.String(length=64), nullable=False),
        sa.Column("available", sa.Integer(), nullable=False),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("channel", "sku", name=op.f("pk_availability_published")),
    )


def downgrade() -> None:
    op.drop_table("availability_published")
    op.drop_index(op.f("ix_availability_dirty_changed_at"), table_name="availability_dirty")
    op.drop_table("availability_dirty")
