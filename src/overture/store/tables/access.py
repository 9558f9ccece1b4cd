"""API keys and the secrets the hub signs with."""

from __future__ import annotations

from sqlalchemy import CheckConstraint, Column, String, Table

from overture.store.tables.base import metadata
from overture.store.types import UtcDateTime

# Access control (domain/access): API keys, of which only a hash of the secret is kept, and the
# secrets the hub signs with (the dashboard's session cookies), so every API process shares them.
api_keys = Table(
    "api_keys",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("name", String(255), nullable=False),
    Column("role", String(16), nullable=False),
    Column("channel", String(64)),
    Column("secret_hash", String(64), nullable=False),
    Column("prefix", String(16), nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("last_used_at", UtcDateTime()),
    Column("revoked_at", UtcDateTime()),
    CheckConstraint("role IN ('viewer', 'operator', 'admin', 'channel', 'seller')", name="role_known"),
    # A channel key's channel, or a seller key's seller id; no other key has one.
    CheckConstraint("(role IN ('channel', 'seller')) = (channel IS NOT NULL)", name="channel_iff_channel_role"),
)


auth_secrets = Table(
    "auth_secrets",
    metadata,
    Column("name", String(32), primary_key=True),
    Column("secret", String(128), nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
)
