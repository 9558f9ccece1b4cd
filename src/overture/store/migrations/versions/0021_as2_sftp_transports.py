"""AS2 and SFTP transports: our AS2 identity, partners' AS2 settings, AS2 messages with their MDNs, SFTP files taken; inbound messages keep their transport's receipt

Revision ID: 0021
Revises: 0020
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    op.add_column("inbound_messages", sa.Column("transport", JSON, nullable=True))
    op.create_table(
        "as2_identities",
        sa.Column("as2_id", sa.String(length=128), nullable=False),
        sa.Column("private_key", sa.Text(), nullable=False),
        sa.Column("certificate", sa.Text(), nullable=False),
        sa.Column("mdn_url", sa.String(length=1024), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("as2_id", name=op.f("pk_as2_identities")),
    )
    op.create_table(
        "as2_partners",
        sa.Column("partner_id", sa.String(length=64), nullable=False),
        sa.Column("as2_id", sa.String(length=128), nullable=False),
        sa.Column("our_as2_id", sa.String(length=128), nullable=False),
        sa.Column("url", sa.String(length=1024), nullable=False),
        sa.Column("certificate", sa.Text(), nullable=False),
        sa.Column("sign", sa.Boolean(), nullable=False),
        sa.Column("encrypt", sa.Boolean(), nullable=False),
        sa.Column("encryption", sa.String(length=32), nullable=False),
        sa.Column("digest", sa.String(length=16), nullable=False),
        sa.Column("mdn_mode", sa.String(length=8), nullable=False),
        sa.Column("mdn_signed", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("partner_id", name=op.f("pk_as2_partners")),
        sa.UniqueConstraint("as2_id", name=op.f("uq_as2_partners_as2_id")),
    )
    op.create_table(
        "as2_messages",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("direction", sa.String(length=8), nullable=False),
        sa.Column("message_id", sa.String(length=255), nullable=False),
        sa.Column("as2_from", sa.String(length=128), nullable=False),
        sa.Column("as2_to", sa.String(length=128), nullable=False),
        sa.Column("partner_id", sa.String(length=64), nullable=True),
        sa.Column("kind", sa.String(length=8), nullable=True),
        sa.Column("inbound_message_id", sa.String(length=32), nullable=True),
        sa.Column("mic", sa.String(length=128), nullable=True),
        sa.Column("mdn_message_id", sa.String(length=255), nullable=True),
        sa.Column("disposition", sa.String(length=128), nullable=True),
        sa.Column("mdn", sa.LargeBinary(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("settled_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_as2_messages")),
        sa.UniqueConstraint(
            "direction", "as2_from", "message_id", name=op.f("uq_as2_messages_direction_as2_from_message_id")
        ),
    )
    op.create_index(op.f("ix_as2_messages_partner_id_created_at"), "as2_messages", ["partner_id", "created_at"])
    op.create_table(
        "sftp_files",
        sa.Column("partner_id", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("host", sa.String(length=255), nullable=False),
        sa.Column("path", sa.String(length=1024), nullable=False),
        sa.Column("message_id", sa.String(length=32), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("partner_id", "name", "sha256", name=op.f("pk_sftp_files")),
    )


def downgrade() -> None:
    op.drop_table("sftp_files")
    op.drop_index(op.f("ix_as2_messages_partner_id_created_at"), table_name="as2_messages")
    op.drop_table("as2_messages")
    op.drop_table("as2_partners")
    op.drop_table("as2_identities")
    op.drop_column("inbound_messages", "transport")
