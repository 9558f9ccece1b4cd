"""supplier invoices: each drop-ship supplier's 810 with the outcome of its three-way match

Revision ID: 0023
Revises: 0022
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0023"
down_revision = "0022"
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
AMOUNT = sa.String(length=40).with_variant(sa.Numeric(24, 6), "postgresql")


def upgrade() -> None:
    op.create_table(
        "supplier_invoices",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("partner_id", sa.String(length=64), nullable=False),
        sa.Column("invoice_number", sa.String(length=22), nullable=False),
        sa.Column("po_number", sa.String(length=22), nullable=False),
        sa.Column("order_id", sa.String(length=32), nullable=False),
        sa.Column("location_id", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("total", AMOUNT, nullable=False),
        sa.Column("lines", JSON, nullable=False),
        sa.Column("exception_id", sa.String(length=32), nullable=True),
        sa.Column("message_id", sa.String(length=32), nullable=True),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_supplier_invoices")),
        sa.UniqueConstraint(
            "partner_id", "invoice_number", name=op.f("uq_supplier_invoices_partner_id_invoice_number")
        ),
    )
    op.create_index(op.f("ix_supplier_invoices_order_id"), "supplier_invoices", ["order_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_supplier_invoices_order_id"), table_name="supplier_invoices")
    op.drop_table("supplier_invoices")
