"""What arrives and leaves before anyone decides: raw inbound messages, idempotency keys, the outbox."""

from __future__ import annotations

from sqlalchemy import Column, Index, Integer, LargeBinary, String, Table

from overture.store.tables.base import BigId, metadata
from overture.store.types import Json, UtcDateTime

inbound_messages = Table(
    "inbound_messages",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("channel", String(64), nullable=False),
    Column("received_at", UtcDateTime(), nullable=False),
    Column("content_type", String(128), nullable=False),
    Column("headers", Json, nullable=False),
    Column("body", LargeBinary, nullable=False),
    Column("status", String(16), nullable=False),
    Column("reason", String(64)),
    Column("errors", Json),
    Column("order_id", String(32)),
    # How it came (AS2 message id and AS2 ids, SFTP host, path and file name...), when a transport says.
    Column("transport", Json),
    Index(None, "status", "id"),
)


idempotency_keys = Table(
    "idempotency_keys",
    metadata,
    Column("scope", String(80), primary_key=True),  # "orders:" and the channel (64): keys are per channel
    Column("key", String(255), primary_key=True),
    Column("request_hash", String(64), nullable=False),
    Column("order_id", String(32), nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
)


outbox = Table(
    "outbox",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("topic", String(64), nullable=False),
    Column("key", String(64), nullable=False),
    Column("payload", Json, nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("dispatched_at", UtcDateTime()),
    Column("attempts", Integer, nullable=False, default=0),
    Index(None, "dispatched_at", "id"),
)
