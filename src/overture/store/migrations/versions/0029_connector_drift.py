"""connector calls count api drift: 2xx answers that do not fit the fields a connector reads

Revision ID: 0029
Revises: 0028
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0029"
down_revision = "0028"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("connector_calls") as batch:
        batch.add_column(sa.Column("drift", sa.Integer(), server_default="0", nullable=False))


def downgrade() -> None:
    with op.batch_alter_table("connector_calls") as batch:
        batch.drop_column("drift")
