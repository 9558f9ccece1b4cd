"""Trading partners' address books: their stores, DCs and parties by the ids their documents use."""

from __future__ import annotations

from sqlalchemy import Column, Index, PrimaryKeyConstraint, String, Table

from overture.store.tables.base import metadata
from overture.store.types import UtcDateTime

partner_addresses = Table(
    "partner_addresses",
    metadata,
    Column("partner_id", String(64), nullable=False),
    Column("scheme", String(16), nullable=False),  # gln, duns, duns4, buyer, seller, x12:<q>, edifact:<q>
    Column("code", String(80), nullable=False),
    Column("name", String(255), nullable=False, server_default=""),
    Column("line1", String(255), nullable=False, server_default=""),
    Column("line2", String(255), nullable=False, server_default=""),
    Column("city", String(128), nullable=False, server_default=""),
    Column("region", String(64), nullable=False, server_default=""),
    Column("postal_code", String(32), nullable=False, server_default=""),
    Column("country", String(2), nullable=False, server_default=""),
    Column("location_id", String(64), nullable=False, server_default=""),
    Column("updated_at", UtcDateTime(), nullable=False),
    PrimaryKeyConstraint("partner_id", "scheme", "code"),
    # A GLN names one place whoever sends it: an EDIFACT party with only a GLN is found across partners.
    Index(None, "scheme", "code"),
)
