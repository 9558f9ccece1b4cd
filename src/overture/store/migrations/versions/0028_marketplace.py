"""marketplace: sellers, offers, commission rules, sub-orders and their lines, seller ledger, payouts, cases, incidents

Revision ID: 0028
Revises: 0027
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0028"
down_revision = "0027"
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


OLD_ROLES = "role IN ('viewer', 'operator', 'admin', 'channel')"
NEW_ROLES = "role IN ('viewer', 'operator', 'admin', 'channel', 'seller')"
OLD_CHANNEL = "(role = 'channel') = (channel IS NOT NULL)"
NEW_CHANNEL = "(role IN ('channel', 'seller')) = (channel IS NOT NULL)"


def _key_roles(roles: str, channel: str) -> None:
    # Seller keys: their channel is the seller's id.
    with op.batch_alter_table("api_keys", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_api_keys_role_known"), type_="check")
        batch_op.drop_constraint(op.f("ck_api_keys_channel_iff_channel_role"), type_="check")
        batch_op.create_check_constraint(op.f("ck_api_keys_role_known"), roles)
        batch_op.create_check_constraint(op.f("ck_api_keys_channel_iff_channel_role"), channel)


def upgrade() -> None:
    _key_roles(NEW_ROLES, NEW_CHANNEL)
    op.create_table(
        "commission_rules",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("scope", sa.String(length=16), nullable=False),
        sa.Column("value", sa.String(length=255), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("terms", JSON, nullable=False),
        sa.Column("priority", sa.Integer(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_commission_rules")),
    )
    op.create_table(
        "marketplace_settings",
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("value", JSON, nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_marketplace_settings")),
    )
    op.create_table(
        "sellers",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("status", sa.String(length=24), nullable=False),
        sa.Column("location_id", sa.String(length=64), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("holiday", sa.Boolean(), nullable=False),
        sa.Column("profile", JSON, nullable=False),
        sa.Column("score", sa.String(length=12), server_default="1", nullable=False),
        sa.Column("grace_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("partner_id", sa.String(length=64), nullable=True),
        sa.Column("status_note", sa.Text(), server_default="", nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["location_id"], ["locations.id"], name=op.f("fk_sellers_location_id_locations")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sellers")),
        sa.UniqueConstraint("location_id", name=op.f("uq_sellers_location_id")),
    )
    with op.batch_alter_table("sellers", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_sellers_status"), ["status"], unique=False)

    op.create_table(
        "offers",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("seller_id", sa.String(length=32), nullable=False),
        sa.Column("sku", sa.String(length=64), nullable=False),
        sa.Column("gtin", sa.String(length=14), server_default="", nullable=False),
        sa.Column("title", sa.Text(), server_default="", nullable=False),
        sa.Column("category", sa.Text(), server_default="", nullable=False),
        sa.Column("price_minor", sa.BigInteger(), nullable=False),
        sa.Column("shipping_minor", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("lead_time_days", sa.Integer(), nullable=False),
        sa.Column("min_quantity", sa.Integer(), nullable=False),
        sa.Column("max_quantity", sa.Integer(), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["seller_id"], ["sellers.id"], name=op.f("fk_offers_seller_id_sellers")),
        sa.ForeignKeyConstraint(["sku"], ["skus.sku"], name=op.f("fk_offers_sku_skus")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_offers")),
        sa.UniqueConstraint("seller_id", "sku", name=op.f("uq_offers_seller_id_sku")),
    )
    with op.batch_alter_table("offers", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_offers_sku"), ["sku"], unique=False)

    op.create_table(
        "seller_cases",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("seller_id", sa.String(length=32), nullable=False),
        sa.Column("type", sa.String(length=32), nullable=False),
        sa.Column("subject", sa.String(length=255), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("details", JSON, nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("resolved_by", sa.String(length=255), nullable=True),
        sa.Column("resolution", sa.String(length=16), nullable=True),
        sa.Column("resolution_note", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(["seller_id"], ["sellers.id"], name=op.f("fk_seller_cases_seller_id_sellers")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_seller_cases")),
    )
    with op.batch_alter_table("seller_cases", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_seller_cases_seller_id_type_subject"), ["seller_id", "type", "subject"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_seller_cases_status_type"), ["status", "type"], unique=False)

    op.create_table(
        "seller_incidents",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("order_id", sa.String(length=32), nullable=False),
        sa.Column("sub_order_id", sa.String(length=40), nullable=False),
        sa.Column("seller_id", sa.String(length=32), nullable=False),
        sa.Column("reason", sa.String(length=32), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("opened_by", sa.String(length=255), nullable=False),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("respond_by", sa.DateTime(timezone=True), nullable=False),
        sa.Column("responded_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("seller_response", sa.Text(), server_default="", nullable=False),
        sa.Column("outcome", sa.String(length=16), nullable=True),
        sa.Column("lines", JSON, nullable=False),
        sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("resolved_by", sa.String(length=255), nullable=True),
        sa.Column("note", sa.Text(), server_default="", nullable=False),
        sa.ForeignKeyConstraint(["order_id"], ["orders.id"], name=op.f("fk_seller_incidents_order_id_orders")),
        sa.ForeignKeyConstraint(["seller_id"], ["sellers.id"], name=op.f("fk_seller_incidents_seller_id_sellers")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_seller_incidents")),
    )
    with op.batch_alter_table("seller_incidents", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_seller_incidents_seller_id_opened_at"), ["seller_id", "opened_at"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_seller_incidents_status_respond_by"), ["status", "respond_by"], unique=False
        )

    op.create_table(
        "seller_lines",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("order_id", sa.String(length=32), nullable=False),
        sa.Column("line_no", sa.Integer(), nullable=False),
        sa.Column("attempt", sa.Integer(), nullable=False),
        sa.Column("seller_id", sa.String(length=32), nullable=False),
        sa.Column("offer_id", sa.String(length=32), nullable=False),
        sa.Column("location_id", sa.String(length=64), nullable=False),
        sa.Column("sku", sa.String(length=64), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("commission", JSON, nullable=False),
        sa.Column("fee_minor", sa.BigInteger(), nullable=False),
        sa.Column("fee_tax_minor", sa.BigInteger(), nullable=False),
        sa.Column("sub_order_id", sa.String(length=40), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decided_by", sa.String(length=255), nullable=True),
        sa.Column("reason", sa.Text(), server_default="", nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["seller_id"], ["sellers.id"], name=op.f("fk_seller_lines_seller_id_sellers")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_seller_lines")),
        sa.UniqueConstraint("order_id", "line_no", "attempt", name=op.f("uq_seller_lines_order_id_line_no_attempt")),
    )
    with op.batch_alter_table("seller_lines", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_seller_lines_seller_id_created_at"), ["seller_id", "created_at"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_seller_lines_sub_order_id"), ["sub_order_id"], unique=False)

    op.create_table(
        "seller_orders",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("order_id", sa.String(length=32), nullable=False),
        sa.Column("seller_id", sa.String(length=32), nullable=False),
        sa.Column("location_id", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=24), nullable=False),
        sa.Column("alert_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("accept_by", sa.DateTime(timezone=True), nullable=False),
        sa.Column("alerted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("ship_by", sa.DateTime(timezone=True), nullable=True),
        sa.Column("shipped_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("late", sa.Boolean(), nullable=False),
        sa.Column("carrier", sa.String(length=64), server_default="", nullable=False),
        sa.Column("tracking_number", sa.String(length=64), server_default="", nullable=False),
        sa.Column("tracking_valid", sa.Boolean(), nullable=True),
        sa.Column("rerouted_from", sa.String(length=40), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["order_id"], ["orders.id"], name=op.f("fk_seller_orders_order_id_orders")),
        sa.ForeignKeyConstraint(["seller_id"], ["sellers.id"], name=op.f("fk_seller_orders_seller_id_sellers")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_seller_orders")),
        sa.UniqueConstraint("order_id", "id", name=op.f("uq_seller_orders_order_id_id")),
    )
    with op.batch_alter_table("seller_orders", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_seller_orders_order_id"), ["order_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_seller_orders_seller_id_created_at"), ["seller_id", "created_at"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_seller_orders_status_accept_by"), ["status", "accept_by"], unique=False)

    op.create_table(
        "seller_payouts",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("seller_id", sa.String(length=32), nullable=False),
        sa.Column("amount_minor", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("cutoff", sa.DateTime(timezone=True), nullable=False),
        sa.Column("bank_account_ref", sa.String(length=255), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["seller_id"], ["sellers.id"], name=op.f("fk_seller_payouts_seller_id_sellers")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_seller_payouts")),
    )
    with op.batch_alter_table("seller_payouts", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_seller_payouts_seller_id_created_at"), ["seller_id", "created_at"], unique=False
        )

    op.create_table(
        "seller_postings",
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("seller_id", sa.String(length=32), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["seller_id"], ["sellers.id"], name=op.f("fk_seller_postings_seller_id_sellers")),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_seller_postings")),
    )
    op.create_table(
        "seller_entries",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("posting_key", sa.String(length=200), nullable=False),
        sa.Column("seller_id", sa.String(length=32), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("amount_minor", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("order_id", sa.String(length=32), server_default="", nullable=False),
        sa.Column("sub_order_id", sa.String(length=40), server_default="", nullable=False),
        sa.Column("line_no", sa.Integer(), nullable=True),
        sa.Column("cause", sa.String(length=255), nullable=False),
        sa.Column("actor", sa.String(length=255), nullable=False),
        sa.Column("reference", sa.String(length=255), server_default="", nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["posting_key"], ["seller_postings.key"], name=op.f("fk_seller_entries_posting_key_seller_postings")
        ),
        sa.ForeignKeyConstraint(["seller_id"], ["sellers.id"], name=op.f("fk_seller_entries_seller_id_sellers")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_seller_entries")),
    )
    with op.batch_alter_table("seller_entries", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_seller_entries_seller_id_at"), ["seller_id", "at"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_seller_entries_seller_id_order_id"), ["seller_id", "order_id"], unique=False
        )


def downgrade() -> None:
    _key_roles(OLD_ROLES, OLD_CHANNEL)
    with op.batch_alter_table("seller_entries", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_seller_entries_seller_id_order_id"))
        batch_op.drop_index(batch_op.f("ix_seller_entries_seller_id_at"))

    op.drop_table("seller_entries")
    op.drop_table("seller_postings")
    with op.batch_alter_table("seller_payouts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_seller_payouts_seller_id_created_at"))

    op.drop_table("seller_payouts")
    with op.batch_alter_table("seller_orders", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_seller_orders_status_accept_by"))
        batch_op.drop_index(batch_op.f("ix_seller_orders_seller_id_created_at"))
        batch_op.drop_index(batch_op.f("ix_seller_orders_order_id"))

    op.drop_table("seller_orders")
    with op.batch_alter_table("seller_lines", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_seller_lines_sub_order_id"))
        batch_op.drop_index(batch_op.f("ix_seller_lines_seller_id_created_at"))

    op.drop_table("seller_lines")
    with op.batch_alter_table("seller_incidents", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_seller_incidents_status_respond_by"))
        batch_op.drop_index(batch_op.f("ix_seller_incidents_seller_id_opened_at"))

    op.drop_table("seller_incidents")
    with op.batch_alter_table("seller_cases", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_seller_cases_status_type"))
        batch_op.drop_index(batch_op.f("ix_seller_cases_seller_id_type_subject"))

    op.drop_table("seller_cases")
    with op.batch_alter_table("offers", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_offers_sku"))

    op.drop_table("offers")
    with op.batch_alter_table("sellers", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sellers_status"))

    op.drop_table("sellers")
    op.drop_table("marketplace_settings")
    op.drop_table("commission_rules")
