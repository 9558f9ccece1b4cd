"""order search: every order's search text under a trigram index; orders listed by channel, partner and location

Revision ID: 0020
Revises: 0019
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")

# The same fields, in the same order, as store/search.py's search_text, for the orders already stored.
_FIELDS_PG = """lower(concat_ws(E'\\n', o.id, o.external_id, o.customer->>'reference', o.customer->>'name',
    o.customer->>'email', o.ship_to->>'name', o.ship_to->>'postal_code', o.ship_to->>'city',
    (SELECT string_agg(r.value, E'\\n') FROM order_references r WHERE r.order_id = o.id),
    (SELECT string_agg(s.tracking_number, E'\\n') FROM shipments s WHERE s.order_id = o.id)))"""
_FIELDS_SQLITE = """lower(o.id || char(10) || o.external_id
    || coalesce(char(10) || json_extract(o.customer, '$.reference'), '')
    || coalesce(char(10) || json_extract(o.customer, '$.name'), '')
    || coalesce(char(10) || json_extract(o.customer, '$.email'), '')
    || coalesce(char(10) || json_extract(o.ship_to, '$.name'), '')
    || coalesce(char(10) || json_extract(o.ship_to, '$.postal_code'), '')
    || coalesce(char(10) || json_extract(o.ship_to, '$.city'), '')
    || coalesce(char(10) || (SELECT group_concat(r.value, char(10)) FROM order_references r WHERE r.order_id = o.id), '')
    || coalesce(char(10) || (SELECT group_concat(s.tracking_number, char(10)) FROM shipments s WHERE s.order_id = o.id), ''))"""

# SQLite: an FTS5 index over order_search's rows (external content), kept in step by triggers.
_SQLITE_FTS = [
    "CREATE VIRTUAL TABLE order_search_fts USING fts5(text, content='order_search', content_rowid='id', tokenize='trigram')",
    """CREATE TRIGGER order_search_ai AFTER INSERT ON order_search BEGIN
         INSERT INTO order_search_fts(rowid, text) VALUES (new.id, new.text); END""",
    """CREATE TRIGGER order_search_ad AFTER DELETE ON order_search BEGIN
         INSERT INTO order_search_fts(order_search_fts, rowid, text) VALUES ('delete', old.id, old.text); END""",
    """CREATE TRIGGER order_search_au AFTER UPDATE ON order_search BEGIN
         INSERT INTO order_search_fts(order_search_fts, rowid, text) VALUES ('delete', old.rowid, old.text);
         INSERT INTO order_search_fts(rowid, text) VALUES (new.id, new.text); END""",
]


def _trgm_schema() -> str:
    """Where pg_trgm's operator classes are: installed (a trusted extension since PostgreSQL 13) when absent."""
    bind = op.get_bind()
    find = sa.text(
        "SELECT n.nspname FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace WHERE extname = 'pg_trgm'"
    )
    schema = bind.scalar(find)
    if schema is None:
        op.execute("CREATE EXTENSION pg_trgm")
        schema = bind.scalar(find)
    return str(schema)


def upgrade() -> None:
    op.create_table(
        "order_search",
        sa.Column("id", BIG_ID, autoincrement=True, nullable=False),
        sa.Column("order_id", sa.String(length=32), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["order_id"], ["orders.id"], name=op.f("fk_order_search_order_id_orders")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_order_search")),
        sa.UniqueConstraint("order_id", name=op.f("uq_order_search_order_id")),
    )
    sqlite = op.get_bind().dialect.name == "sqlite"
    if sqlite:
        for statement in _SQLITE_FTS:
            op.execute(statement)
    fields = _FIELDS_SQLITE if sqlite else _FIELDS_PG
    op.execute(f"INSERT INTO order_search (order_id, text) SELECT o.id, {fields} FROM orders o ORDER BY o.id")
    if not sqlite:
        schema = _trgm_schema()
        op.execute(f'CREATE INDEX ix_order_search_trgm ON order_search USING gin (text "{schema}".gin_trgm_ops)')
    # The orders list pages newest first (ids are time-ordered) within a channel or a partner.
    op.create_index(op.f("ix_orders_channel_id"), "orders", ["channel", "id"])
    op.create_index(op.f("ix_orders_partner_id_id"), "orders", ["partner_id", "id"])
    op.create_index(op.f("ix_reservations_location_id_order_id"), "reservations", ["location_id", "order_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_reservations_location_id_order_id"), table_name="reservations")
    op.drop_index(op.f("ix_orders_partner_id_id"), table_name="orders")
    op.drop_index(op.f("ix_orders_channel_id"), table_name="orders")
    if op.get_bind().dialect.name == "sqlite":
        for name in ("order_search_au", "order_search_ad", "order_search_ai"):
            op.execute(f"DROP TRIGGER {name}")
        op.execute("DROP TABLE order_search_fts")
    op.drop_table("order_search")
