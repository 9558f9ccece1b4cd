"""X12 control numbers per trading partner: the interchanges they sent us, the group numbers we send them."""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, PrimaryKeyConstraint, String, Table

from overture.store.tables.base import metadata
from overture.store.types import UtcDateTime

# Every ISA13 a partner sent, once: a second interchange under the same number is a duplicate (TA1 025).
x12_received_interchanges = Table(
    "x12_received_interchanges",
    metadata,
    Column("partner_id", String(64), nullable=False),
    Column("control_number", String(9), nullable=False),
    Column("message_id", String(32), nullable=False),
    Column("received_at", UtcDateTime(), nullable=False),
    PrimaryKeyConstraint("partner_id", "control_number"),
)

# The last GS06 we sent each partner: group control numbers never repeat for a partner, whatever the
# interchange (ISA13 has its own counter on trading_partners) or the kind of document.
x12_group_control_numbers = Table(
    "x12_group_control_numbers",
    metadata,
    Column("partner_id", String(64), primary_key=True),
    Column("last_control_number", BigInteger, nullable=False),
)
