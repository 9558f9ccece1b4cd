"""money ledger, payments and returns: append-only money entries grouped in keyed postings, the payment
provider's authorisations, and returns (RMAs) with their lines

Revision ID: 0026
Revises: 0025
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0026"
down_revision = "0025"
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
AMOUNT = sa.String(length=40).with_variant(sa.Numeric(24, 6), "postgresql")


def upgrade() -> None:
    with op.batch_alter_table("orders", schema=None) as batch_op:
        batch_op.add_column(sa.Column("payment_method", sa.String(length=255), nullable=True))
    op.create_table(
        "money_postings",
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("order_id", sa.String(length=32), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["order_id"], ["orders.id"], name=op.f("fk_money_postings_order_id_orders")),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_money_postings")),
    )
    with op.batch_alter_table("money_postings", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_money_postings_order_id"), ["order_id"], unique=False)

    op.create_table(
        "payments",
        sa.Column("intent_id", sa.String(length=255), nullable=False),
        sa.Column("order_id", sa.String(length=32), nullable=False),
        sa.Column("provider", sa.String(length=32), nullable=False),
        sa.Column("payment_method", sa.String(length=255), nullable=False),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.Column("authorised_minor", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("capture_before", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("note", sa.Text(), server_default="", nullable=False),
        sa.ForeignKeyConstraint(["order_id"], ["orders.id"], name=op.f("fk_payments_order_id_orders")),
        sa.PrimaryKeyConstraint("intent_id", name=op.f("pk_payments")),
    )
    with op.batch_alter_table("payments", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_payments_order_id"), ["order_id"], unique=False)

    op.create_table(
        "returns",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("order_id", sa.String(length=32), nullable=False),
        sa.Column("channel", sa.String(length=64), nullable=False),
        sa.Column("external_id", sa.String(length=255), nullable=False),
        sa.Column("status", sa.String(length=24), nullable=False),
        sa.Column("settlement", sa.String(length=16), nullable=False),
        sa.Column("actor", sa.String(length=255), nullable=False),
        sa.Column("note", sa.Text(), server_default="", nullable=False),
        sa.Column("raw_message_id", sa.String(length=32), nullable=True),
        sa.Column("label", JSON, nullable=True),
        sa.Column("exchange_order_id", sa.String(length=32), nullable=True),
        sa.Column("exchange_policy", sa.String(length=16), server_default="", nullable=False),
        sa.Column("location_id", sa.String(length=64), nullable=True),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("approved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("settled_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["order_id"], ["orders.id"], name=op.f("fk_returns_order_id_orders")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_returns")),
        sa.UniqueConstraint("channel", "external_id", name=op.f("uq_returns_channel_external_id")),
    )
    with op.batch_alter_table("returns", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_returns_order_id"), ["order_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_returns_status_requested_at"), ["status", "requested_at"], unique=False)

    op.create_table(
        "money_entries",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("posting_key", sa.String(length=200), nullable=False),
        sa.Column("order_id", sa.String(length=32), nullable=False),
        sa.Column("line_no", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("amount_minor", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("cause", sa.String(length=200), nullable=False),
        sa.Column("actor", sa.String(length=255), nullable=False),
        sa.Column("reference", sa.String(length=255), server_default="", nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["order_id"], ["orders.id"], name=op.f("fk_money_entries_order_id_orders")),
        sa.ForeignKeyConstraint(
            ["posting_key"], ["money_postings.key"], name=op.f("fk_money_entries_posting_key_money_postings")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_money_entries")),
    )
    with op.batch_alter_table("money_entries", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_money_entries_kind_at"), ["kind", "at"], unique=False)
        batch_op.create_index(batch_op.f("ix_money_entries_order_id_id"), ["order_id", "id"], unique=False)

    op.create_table(
        "return_lines",
        sa.Column("return_id", sa.String(length=32), nullable=False),
        sa.Column("line_no", sa.Integer(), nullable=False),
        sa.Column("sku", sa.String(length=64), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("reason", sa.String(length=32), nullable=False),
        sa.Column("note", sa.Text(), server_default="", nullable=False),
        sa.Column("inspection", JSON, server_default="[]", nullable=False),
        sa.Column("refurbished", sa.Integer(), server_default="0", nullable=False),
        sa.Column("exchange_sku", sa.String(length=64), nullable=True),
        sa.Column("exchange_unit_price", AMOUNT, nullable=True),
        sa.ForeignKeyConstraint(["return_id"], ["returns.id"], name=op.f("fk_return_lines_return_id_returns")),
        sa.PrimaryKeyConstraint("return_id", "line_no", name=op.f("pk_return_lines")),
    )
    with op.batch_alter_table("return_lines", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_return_lines_sku"), ["sku"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("return_lines", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_return_lines_sku"))

    op.drop_table("return_lines")
    with op.batch_alter_table("money_entries", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_money_entries_order_id_id"))
        batch_op.drop_index(batch_op.f("ix_money_entries_kind_at"))

    op.drop_table("money_entries")
    with op.batch_alter_table("returns", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_returns_status_requested_at"))
        batch_op.drop_index(batch_op.f("ix_returns_order_id"))

    op.drop_table("returns")
    with op.batch_alter_table("payments", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_payments_order_id"))

    op.drop_table("payments")
    with op.batch_alter_table("money_postings", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_money_postings_order_id"))

    op.drop_table("money_postings")
    with op.batch_alter_table("orders", schema=None) as batch_op:
        batch_op.drop_column("payment_method")
