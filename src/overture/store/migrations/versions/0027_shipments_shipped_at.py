"""shipments by when they left: the returns page's units shipped in a period reads this index

Revision ID: 0027
Revises: 0026
"""

from __future__ import annotations

from alembic import op

revision = "0027"
down_revision = "0026"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index(op.f("ix_shipments_shipped_at"), "shipments", ["shipped_at"])


def downgrade() -> None:
    op.drop_index(op.f("ix_shipments_shipped_at"), table_name="shipments")
