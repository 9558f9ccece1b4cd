"""Returns (RMAs): what a customer sends back, why, what was found on receipt, and how it was settled."""

from __future__ import annotations

from sqlalchemy import Column, ForeignKey, Index, Integer, String, Table, Text, UniqueConstraint

from overture.store.tables.base import metadata
from overture.store.types import Amount, Json, UtcDateTime

returns = Table(
    "returns",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("order_id", String(32), ForeignKey("orders.id"), nullable=False, index=True),
    # Where the request came from and its id there (an API key, a returns platform, an EDI 180):
    # the same request delivered twice is one return.
    Column("channel", String(64), nullable=False),
    Column("external_id", String(255), nullable=False),
    Column("status", String(24), nullable=False),
    Column("settlement", String(16), nullable=False),
    Column("actor", String(255), nullable=False),
    Column("note", Text, nullable=False, server_default=""),
    Column("raw_message_id", String(32)),
    # The return label (carrier, tracking code, label URL, rate), once bought.
    Column("label", Json),
    # The replacement order of an exchange, and whether it ships at once or on receipt.
    Column("exchange_order_id", String(32)),
    Column("exchange_policy", String(16), nullable=False, server_default=""),
    Column("location_id", String(64)),
    Column("requested_at", UtcDateTime(), nullable=False),
    Column("approved_at", UtcDateTime()),
    Column("received_at", UtcDateTime()),
    Column("settled_at", UtcDateTime()),
    Column("updated_at", UtcDateTime(), nullable=False),
    UniqueConstraint("channel", "external_id"),
    Index(None, "status", "requested_at"),
)

return_lines = Table(
    "return_lines",
    metadata,
    Column("return_id", String(32), ForeignKey("returns.id"), primary_key=True),
    Column("line_no", Integer, primary_key=True),
    Column("sku", String(64), nullable=False),
    Column("quantity", Integer, nullable=False),
    Column("reason", String(32), nullable=False),
    Column("note", Text, nullable=False, server_default=""),
    # What inspection found, unit by unit: [{"unit": 1, "outcome": "restock"|"refurbish"|"scrap"}].
    Column("inspection", Json, nullable=False, server_default="[]"),
    # A unit sent to refurbishment is sellable again only when refurbishment is done.
    Column("refurbished", Integer, nullable=False, server_default="0"),
    Column("exchange_sku", String(64)),
    Column("exchange_unit_price", Amount()),
    Index(None, "sku"),
)
