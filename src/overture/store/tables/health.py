"""Connector health buckets, added to by every process that makes calls."""

from __future__ import annotations

from sqlalchemy import Column, Float, Index, Integer, String, Table, Text

from overture.store.tables.base import metadata
from overture.store.types import UtcDateTime

# Connector health (observability/health.py): calls to outside systems per connector and minute, added
# to by every process that makes calls, so the dashboard sees them all. Pruned after 7 days.
connector_calls = Table(
    "connector_calls",
    metadata,
    Column("connector", String(64), primary_key=True),
    Column("minute", UtcDateTime(), primary_key=True),
    Column("ok", Integer, nullable=False, server_default="0"),
    Column("errors", Integer, nullable=False, server_default="0"),
    Column("throttled", Integer, nullable=False, server_default="0"),
    Column("timeouts", Integer, nullable=False, server_default="0"),
    Column("drift", Integer, nullable=False, server_default="0"),
    Column("latency_sum_s", Float, nullable=False, server_default="0"),
    Column("latency_max_s", Float, nullable=False, server_default="0"),
    Column("last_success_at", UtcDateTime()),
    Column("last_error_at", UtcDateTime()),
    Column("last_error", Text),
    # The overview's last hour of every connector, and pruning by age.
    Index(None, "minute"),
)
