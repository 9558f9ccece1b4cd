"""Dashboard sessions: one row per sign-in, so signing out and revoking a key end it on the server."""

from __future__ import annotations

from sqlalchemy import Column, ForeignKey, Index, String, Table

from overture.store.tables.base import metadata
from overture.store.types import UtcDateTime

# Only the SHA-256 of the session id (the cookie's value) is kept: a copy of this table signs nobody in.
sessions = Table(
    "sessions",
    metadata,
    Column("id_hash", String(64), primary_key=True),
    Column("key_id", String(32), ForeignKey("api_keys.id"), nullable=False),
    Column("csrf_token", String(64), nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("expires_at", UtcDateTime(), nullable=False),
    Column("last_seen_at", UtcDateTime(), nullable=False),
    Column("revoked_at", UtcDateTime()),
    # Revoking a key revokes its sessions.
    Index(None, "key_id"),
)
