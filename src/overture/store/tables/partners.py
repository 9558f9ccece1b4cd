"""Trading partners, the documents sent them, their CSV layouts, and store-wide sequences."""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, Index, Integer, String, Table, Text, UniqueConstraint

from overture.store.tables.base import metadata
from overture.store.types import Json, UtcDateTime

trading_partners = Table(
    "trading_partners",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("name", String(255), nullable=False),
    Column("x12_qualifier", String(2)),
    Column("x12_id", String(15)),
    # Versions, delimiters, cross-references, units, prices, which documents they want: one JSON
    # document, edited as a whole through the API.
    Column("profile", Json, nullable=False),
    Column("last_control_number", Integer, nullable=False, server_default="0"),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("updated_at", UtcDateTime(), nullable=False),
    UniqueConstraint("x12_qualifier", "x12_id"),
)


# What we sent trading partners (997, 855, 856, 810, 846). (partner, kind, reference) is unique, so
# a document is made once however often the step that makes it runs: the reference is the order
# id for 855 and 810, the shipment id for 856, the received interchange for 997.
outbound_documents = Table(
    "outbound_documents",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("partner_id", String(64), nullable=False),
    Column("order_id", String(32)),
    Column("kind", String(8), nullable=False),
    Column("reference", String(64), nullable=False),
    Column("control_number", Integer, nullable=False),
    Column("body", Text, nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
    # GS06 of an X12 document: what the partner's 997 / 999 names it by (AK102), unique per partner.
    Column("group_control_number", BigInteger),
    # The partner's functional acknowledgement of it (store/tables/exchanges.py): W waiting, A accepted,
    # E accepted with errors, R rejected; NULL when none is due (our 997s, 999s, TA1s, EDIFACT).
    Column("ack_status", String(1)),
    UniqueConstraint("partner_id", "kind", "reference"),
    Index(None, "order_id"),
    Index(None, "partner_id", "group_control_number"),
    Index(None, "partner_id", "control_number"),
    Index(None, "partner_id", "created_at", "id"),
    Index(None, "partner_id", "ack_status", "created_at", "id"),
)


# Numbers that must never repeat across the whole store, e.g. the serial references of SSCC-18s.
sequences = Table(
    "sequences",
    metadata,
    Column("name", String(32), primary_key=True),
    Column("value", BigInteger, nullable=False),
)


# How each trading partner's CSV order files are laid out (column mapping, delimiter, decimal separator,
# date format, all-or-nothing): the CSV channel's own settings, one JSON document edited as a whole.
csv_profiles = Table(
    "csv_profiles",
    metadata,
    Column("partner_id", String(64), primary_key=True),
    Column("profile", Json, nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("updated_at", UtcDateTime(), nullable=False),
)
