"""dashboard: exception assignee, indexes the dashboard reads through, the dashboard settings row

Revision ID: 0012
Revises: 0011
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

# Column types spelled out here, not imported from the app, so this file never changes meaning.
JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("order_exceptions") as batch:
        batch.add_column(sa.Column("assignee", sa.String(length=255), nullable=True))
    # The queue sorts open exceptions by age; savings counts resolutions in a period.
    op.create_index(op.f("ix_order_exceptions_status_created_at"), "order_exceptions", ["status", "created_at"])
    op.create_index(op.f("ix_order_exceptions_resolved_at"), "order_exceptions", ["resolved_at"])
    # Orders per hour and orders in a period: a range on created_at instead of a scan.
    op.create_index(op.f("ix_orders_created_at"), "orders", ["created_at"])
    op.create_index(op.f("ix_orders_channel_created_at"), "orders", ["channel", "created_at"])
    # Step durations (events in a window) and last success per step (latest event of a status).
    op.create_index(op.f("ix_order_events_at"), "order_events", ["at"])
    op.create_index(op.f("ix_order_events_to_status_kind_at"), "order_events", ["to_status", "kind", "at"])
    op.create_index(op.f("ix_reservations_sku_status"), "reservations", ["sku", "status"])
    # Search by customer e-mail: the lower-cased address inside the customer JSON (->> on both dialects).
    email = sa.text("lower(customer ->> 'email')")
    op.create_index("ix_orders_customer_email", "orders", [email])
    op.create_table(
        "dashboard_settings",
        sa.Column("id", sa.String(length=16), nullable=False),
        sa.Column("document", JSON, nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dashboard_settings")),
    )


def downgrade() -> None:
    op.drop_table("dashboard_settings")
    op.drop_index("ix_orders_customer_email", table_name="orders")
    op.drop_index(op.f("ix_reservations_sku_status"), table_name="reservations")
    op.drop_index(op.f("ix_order_events_to_status_kind_at"), table_name="order_events")
    op.drop_index(op.f("ix_order_events_at"), table_name="order_events")
    op.drop_index(op.f("ix_orders_channel_created_at"), table_name="orders")
    op.drop_index(op.f("ix_orders_created_at"), table_name="orders")
    op.drop_index(op.f("ix_order_exceptions_resolved_at"), table_name="order_exceptions")
    op.drop_index(op.f("ix_order_exceptions_status_created_at"), table_name="order_exceptions")
    with op.batch_alter_table("order_exceptions") as batch:
        batch.drop_column("assignee")
