"""The change log: every change to keys, rules, master data, settings and stock, with who made it."""

from __future__ import annotations

from sqlalchemy import Column, Index, String, Table

from overture.store.tables.base import BigId, metadata
from overture.store.types import Json, UtcDateTime

# Written in the transaction of the change it records, so neither exists without the other.
change_log = Table(
    "change_log",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("at", UtcDateTime(), nullable=False),
    Column("actor", String(255), nullable=False),
    Column("action", String(64), nullable=False),
    Column("subject", String(255), nullable=False),
    Column("detail", Json, nullable=False),
    # A subject's history, newest first (the API's ?subject= filter).
    Index(None, "subject", "id"),
)
