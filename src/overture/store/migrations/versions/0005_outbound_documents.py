"""outbound documents (what we send trading partners: 997, 855, 856, 810, 846), sequences

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "outbound_documents",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("partner_id", sa.String(length=64), nullable=False),
        sa.Column("order_id", sa.String(length=32), nullable=True),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("reference", sa.String(length=64), nullable=False),
        sa.Column("control_number", sa.Integer(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbound_documents")),
        sa.UniqueConstraint(
            "partner_id", "kind", "reference", name=op.f("uq_outbound_documents_partner_id_kind_reference")
        ),
    )
    op.create_index(op.f("ix_outbound_documents_order_id"), "outbound_documents", ["order_id"], unique=False)
    op.create_table(
        "sequences",
        sa.Column("name", sa.String(length=32), nullable=False),
        sa.Column("value", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_sequences")),
    )


def downgrade() -> None:
    op.drop_table("sequences")
    op.drop_index(op.f("ix_outbound_documents_order_id"), table_name="outbound_documents")
    op.drop_table("outbound_documents")
