"""partner address book: trading partners' stores, DCs and parties by the ids their documents use

Revision ID: 0024
Revises: 0023
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0024"
down_revision = "0023"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "partner_addresses",
        sa.Column("partner_id", sa.String(length=64), nullable=False),
        sa.Column("scheme", sa.String(length=16), nullable=False),
        sa.Column("code", sa.String(length=80), nullable=False),
        sa.Column("name", sa.String(length=255), server_default="", nullable=False),
        sa.Column("line1", sa.String(length=255), server_default="", nullable=False),
        sa.Column("line2", sa.String(length=255), server_default="", nullable=False),
        sa.Column("city", sa.String(length=128), server_default="", nullable=False),
        sa.Column("region", sa.String(length=64), server_default="", nullable=False),
        sa.Column("postal_code", sa.String(length=32), server_default="", nullable=False),
        sa.Column("country", sa.String(length=2), server_default="", nullable=False),
        sa.Column("location_id", sa.String(length=64), server_default="", nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("partner_id", "scheme", "code", name=op.f("pk_partner_addresses")),
    )
    op.create_index(op.f("ix_partner_addresses_scheme_code"), "partner_addresses", ["scheme", "code"])


def downgrade() -> None:
    op.drop_index(op.f("ix_partner_addresses_scheme_code"), table_name="partner_addresses")
    op.drop_table("partner_addresses")
