"""x12 control numbers: interchanges received per partner (duplicate ISA13s), and the GS06 counter per partner

Revision ID: 0022
Revises: 0021
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0022"
down_revision = "0021"
branch_labels = None
depends_on = None

# Until now a group we sent took its interchange's number as GS06, and the second of several 997 groups
# answering one file took the next numbers after it; so the GS06s already sent a partner lie at or a few
# above its last ISA13. The counter starts well clear of them.
_SEED_MARGIN = 1000


def upgrade() -> None:
    op.create_table(
        "x12_received_interchanges",
        sa.Column("partner_id", sa.String(length=64), nullable=False),
        sa.Column("control_number", sa.String(length=9), nullable=False),
        sa.Column("message_id", sa.String(length=32), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("partner_id", "control_number", name=op.f("pk_x12_received_interchanges")),
    )
    op.create_table(
        "x12_group_control_numbers",
        sa.Column("partner_id", sa.String(length=64), nullable=False),
        sa.Column("last_control_number", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("partner_id", name=op.f("pk_x12_group_control_numbers")),
    )
    op.execute(
        sa.text(
            "INSERT INTO x12_group_control_numbers (partner_id, last_control_number) "
            "SELECT id, last_control_number + :margin FROM trading_partners WHERE last_control_number > 0"
        ).bindparams(margin=_SEED_MARGIN)
    )


def downgrade() -> None:
    op.drop_table("x12_group_control_numbers")
    op.drop_table("x12_received_interchanges")
