"""Leases: which process runs a job that must have one runner per deployment (store/leases.py)."""

from __future__ import annotations

from sqlalchemy import Column, String, Table

from overture.store.tables.base import metadata
from overture.store.types import UtcDateTime

# One row per job ("channel-senders", ...): its holder until expires_at. A holder renews well before
# that; a process killed without a word loses the job once the time passes, and another takes it.
leases = Table(
    "leases",
    metadata,
    Column("name", String(64), primary_key=True),
    Column("holder", String(160), nullable=False),
    Column("expires_at", UtcDateTime(), nullable=False),
)
