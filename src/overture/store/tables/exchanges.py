"""What trading partners told us about our documents (their 997 / 999 / TA1), and the files they sent,
summarised per partner for the partner view (store/dashboard/partner_view.py)."""

from __future__ import annotations

from sqlalchemy import Column, Index, PrimaryKeyConstraint, String, Table

from overture.store.tables.base import metadata
from overture.store.types import Json, UtcDateTime

# The partner's latest verdict on one document we sent, per level: "functional" (its 997 / 999: AK5 /
# IK5 per set, AK9 per group) or "interchange" (its TA1). ``detail`` holds the codes and the sets.
partner_acknowledgements = Table(
    "partner_acknowledgements",
    metadata,
    Column("document_id", String(32), nullable=False),
    Column("level", String(16), nullable=False),
    Column("partner_id", String(64), nullable=False),
    Column("kind", String(8), nullable=False),  # 997, 999, TA1
    Column("verdict", String(1), nullable=False),  # A, E, R (P only for a group)
    Column("detail", Json, nullable=False),
    Column("message_id", String(32), nullable=False),  # the inbound message that carried it
    Column("received_at", UtcDateTime(), nullable=False),
    PrimaryKeyConstraint("document_id", "level"),
)

# One row per X12 file a partner sent (its inbound message): the interchanges, groups and sets it held
# with the verdict we answered each with, and the orders it made, so the partner's list needs no parsing.
partner_receipts = Table(
    "partner_receipts",
    metadata,
    Column("message_id", String(32), primary_key=True),
    Column("partner_id", String(64), nullable=False),
    Column("received_at", UtcDateTime(), nullable=False),
    Column("summary", Json, nullable=False),
    Column("order_ids", Json, nullable=False),
    Index(None, "partner_id", "received_at", "message_id"),
)
