"""The search text of every order, and the full-text index each database keeps over it.

``order_search`` holds one row per order: the lower-cased words a person may search by (order id,
channel order id, references such as the PO number, customer reference, name and e-mail, ship-to
name, postal code and city, tracking numbers), one per line. The store writes it with the order and
appends to it when a reference or a tracking number arrives (store/orders.py, store/fulfilment.py).

Part of a word must find the order too, so each database indexes the text by trigrams, which
answer ``LIKE '%term%'`` from the index for terms of three characters or more:
- PostgreSQL: a GIN index with pg_trgm's ``gin_trgm_ops`` (``ix_order_search_trgm``);
- SQLite: an FTS5 table with the ``trigram`` tokenizer over this table's content
  (``order_search_fts``), kept in step by triggers.

Neither is expressible in the table metadata, so migration 0020 creates them and ``OUTSIDE_METADATA``
names them for the schema comparison (tests/store/test_migrations.py, migrations/env.py).
"""

from __future__ import annotations

from sqlalchemy import Column, ForeignKey, String, Table, Text

from overture.store.tables.base import BigId, metadata

order_search = Table(
    "order_search",
    metadata,
    # An integer key of its own: SQLite's FTS5 table refers to rows by rowid, which VACUUM may renumber
    # in a table without an INTEGER PRIMARY KEY. Rows go in with their orders, so it follows capture order.
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("order_id", String(32), ForeignKey("orders.id"), nullable=False, unique=True),
    Column("text", Text, nullable=False),
)

FTS_TABLE = "order_search_fts"
TRGM_INDEX = "ix_order_search_trgm"
# FTS5 keeps its index in shadow tables named after the virtual table.
_FTS_SHADOWS = ("", "_data", "_idx", "_docsize", "_config", "_content")
OUTSIDE_METADATA = frozenset({TRGM_INDEX, *(FTS_TABLE + suffix for suffix in _FTS_SHADOWS)})


def include_in_comparison(name: str | None, kind: str, _parents: object = None) -> bool:
    """For autogenerate's ``include_name``: leave out the search index objects created by hand."""
    return name not in OUTSIDE_METADATA
