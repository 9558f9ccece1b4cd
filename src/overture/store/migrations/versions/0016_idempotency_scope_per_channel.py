"""idempotency keys per channel: the scope widened to hold "orders:<channel>", existing keys moved to their order's channel

Revision ID: 0016
Revises: 0015
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None

# Each key stored under the one shared "orders" scope moves to its own order's channel, so a repeat
# from that channel still replays, and the same key from another channel no longer meets it.
TO_CHANNELS = sa.text(
    "UPDATE idempotency_keys SET scope = 'orders:' || "
    "(SELECT orders.channel FROM orders WHERE orders.id = idempotency_keys.order_id) "
    "WHERE scope = 'orders' AND EXISTS (SELECT 1 FROM orders WHERE orders.id = idempotency_keys.order_id)"
)
# Going back, two channels may hold the same key: only the oldest use can stay under the shared scope.
DROP_LATER_REUSES = sa.text(
    "DELETE FROM idempotency_keys WHERE scope LIKE 'orders:%' AND EXISTS ("
    "SELECT 1 FROM idempotency_keys AS earlier WHERE earlier.key = idempotency_keys.key "
    "AND earlier.scope LIKE 'orders:%' AND (earlier.created_at < idempotency_keys.created_at "
    "OR (earlier.created_at = idempotency_keys.created_at AND earlier.scope < idempotency_keys.scope)))"
)
TO_SHARED = sa.text("UPDATE idempotency_keys SET scope = 'orders' WHERE scope LIKE 'orders:%'")


def upgrade() -> None:
    with op.batch_alter_table("idempotency_keys") as batch:
        batch.alter_column("scope", existing_type=sa.String(length=32), type_=sa.String(length=80))
    op.execute(TO_CHANNELS)


def downgrade() -> None:
    op.execute(DROP_LATER_REUSES)
    op.execute(TO_SHARED)
    with op.batch_alter_table("idempotency_keys") as batch:
        batch.alter_column("scope", existing_type=sa.String(length=80), type_=sa.String(length=32))
