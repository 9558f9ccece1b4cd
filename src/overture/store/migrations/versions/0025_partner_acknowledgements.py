"""partner acknowledgements: the GS06 and acknowledgement status of each document we send, the partner's
997 / 999 / TA1 verdict on it, and a summary of each X12 file a partner sent

Revision ID: 0025
Revises: 0024
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0025"
down_revision = "0024"
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
# Documents sent before this revision keep no GS06 and no status: they are shown as not tracked
# rather than all overdue at once.
_DOCUMENT_INDEXES = (
    ("partner_id", "group_control_number"),
    ("partner_id", "control_number"),
    ("partner_id", "created_at", "id"),
    ("partner_id", "ack_status", "created_at", "id"),
)


def _index_name(columns: tuple[str, ...]) -> str:
    return "ix_outbound_documents_" + "_".join(columns)


def upgrade() -> None:
    with op.batch_alter_table("outbound_documents", schema=None) as batch_op:
        batch_op.add_column(sa.Column("group_control_number", sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column("ack_status", sa.String(length=1), nullable=True))
    for columns in _DOCUMENT_INDEXES:
        op.create_index(op.f(_index_name(columns)), "outbound_documents", list(columns))
    op.create_table(
        "partner_acknowledgements",
        sa.Column("document_id", sa.String(length=32), nullable=False),
        sa.Column("level", sa.String(length=16), nullable=False),
        sa.Column("partner_id", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("verdict", sa.String(length=1), nullable=False),
        sa.Column("detail", JSON, nullable=False),
        sa.Column("message_id", sa.String(length=32), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("document_id", "level", name=op.f("pk_partner_acknowledgements")),
    )
    op.create_table(
        "partner_receipts",
        sa.Column("message_id", sa.String(length=32), nullable=False),
        sa.Column("partner_id", sa.String(length=64), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("summary", JSON, nullable=False),
        sa.Column("order_ids", JSON, nullable=False),
        sa.PrimaryKeyConstraint("message_id", name=op.f("pk_partner_receipts")),
    )
    op.create_index(
        op.f("ix_partner_receipts_partner_id_received_at_message_id"),
        "partner_receipts",
        ["partner_id", "received_at", "message_id"],
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_partner_receipts_partner_id_received_at_message_id"), table_name="partner_receipts")
    op.drop_table("partner_receipts")
    op.drop_table("partner_acknowledgements")
    for columns in reversed(_DOCUMENT_INDEXES):
        op.drop_index(op.f(_index_name(columns)), table_name="outbound_documents")
    with op.batch_alter_table("outbound_documents", schema=None) as batch_op:
        batch_op.drop_column("ack_status")
        batch_op.drop_column("group_control_number")
