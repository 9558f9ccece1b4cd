"""Table definitions. Alembic migrations under ``migrations/`` must match these (a test checks)."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    false,
    text,
)

from overture.store.types import Amount, Json, UtcDateTime

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)
# BIGINT autoincrement on PostgreSQL, INTEGER (the rowid alias) on SQLite.
BigId = BigInteger().with_variant(Integer(), "sqlite")

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

skus = Table(
    "skus",
    metadata,
    Column("sku", String(64), primary_key=True),
    Column("description", Text, nullable=False, default=""),
    Column("unit_of_measure", String(8), nullable=False, default="EA"),
    Column("weight_kg", Float),
    Column("serialized", Boolean, nullable=False, default=False),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("updated_at", UtcDateTime(), nullable=False),
    # What one unit costs us, for the low_margin governance rule; unknown when null.
    Column("unit_cost", Amount()),
    Column("hazmat", Boolean, nullable=False, server_default=false()),
    Column("oversize", Boolean, nullable=False, server_default=false()),
)

locations = Table(
    "locations",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("name", String(255), nullable=False),
    Column("kind", String(16), nullable=False),
    Column("latitude", Float, nullable=False),
    Column("longitude", Float, nullable=False),
    Column("postal_code", String(16), nullable=False),
    Column("country", String(2), nullable=False),
    Column("capabilities", Json, nullable=False),
    Column("priority", Integer, nullable=False),
    Column("active", Boolean, nullable=False),
    Column("ship_by_seconds", Integer, nullable=False, server_default="172800"),
    Column("created_at", UtcDateTime(), nullable=False),
    # Sourcing: orders it can ship a day (null: no limit), and the UTC cut-off "HH:MM" (null: none).
    Column("daily_capacity", Integer),
    Column("cutoff_utc", String(5)),
    # Drop-ship: the trading partner that fulfils it, how it gets its orders (x12 | api), and its URL.
    Column("supplier_partner_id", String(64)),
    Column("supplier_transport", String(8), nullable=False, server_default="x12"),
    Column("supplier_url", String(500)),
)

inventory_positions = Table(
    "inventory_positions",
    metadata,
    Column("sku", String(64), ForeignKey("skus.sku"), primary_key=True),
    Column("location_id", String(64), ForeignKey("locations.id"), primary_key=True),
    Column("on_hand", Integer, nullable=False),
    Column("reserved", Integer, nullable=False),
    Column("safety_stock", Integer, nullable=False),
    Column("updated_at", UtcDateTime(), nullable=False),
    # The database itself refuses any write that would oversell, whatever the code does.
    CheckConstraint("reserved >= 0 AND reserved <= on_hand", name="reserved_within_on_hand"),
    CheckConstraint("safety_stock >= 0", name="safety_stock_not_negative"),
)

inventory_movements = Table(
    "inventory_movements",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("sku", String(64), nullable=False),
    Column("location_id", String(64), nullable=False),
    Column("kind", String(16), nullable=False),
    Column("on_hand_delta", Integer, nullable=False),
    Column("reserved_delta", Integer, nullable=False),
    Column("reason", Text, nullable=False),
    Column("reference", String(255), nullable=False),
    Column("order_id", String(32)),
    Column("created_at", UtcDateTime(), nullable=False),
    Index(None, "sku", "location_id", "id"),
)

orders = Table(
    "orders",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("channel", String(64), nullable=False),
    Column("external_id", String(255), nullable=False),
    Column("status", String(24), nullable=False),
    Column("customer", Json, nullable=False),
    Column("ship_to", Json, nullable=False),
    Column("currency", String(3), nullable=False),
    Column("total", Amount(), nullable=False),
    # Shipping, tax, discounts and fees: [{"kind", "amount", "code", "line_no"}]; the total includes them.
    Column("charges", Json, nullable=False, server_default="[]"),
    # The total the channel declared (None: it declared none); reconciled with ``total`` at placement.
    Column("declared_total", Amount()),
    Column("raw_message_id", String(32)),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("updated_at", UtcDateTime(), nullable=False),
    # The customer's trading partner (also in ``customer``), as a column so that the credit_limit
    # rule sums an account's open orders through an index.
    Column("partner_id", String(64)),
    # The customer's priority (1 is the lowest): backorders are filled highest first, then oldest.
    Column("priority", Integer, nullable=False, server_default="1"),
    UniqueConstraint("channel", "external_id"),
    Index(None, "status", "id"),
    Index(None, "external_id"),
    Index(None, "partner_id", "status"),
    # /metrics counts orders by channel and status from this index alone (migration 0014).
    Index(None, "status", "channel"),
    # The dashboard's orders per hour and orders in a period (migration 0013).
    Index(None, "created_at"),
    # The dashboard's connected channels: has this channel taken an order lately (migration 0013).
    Index(None, "channel", "created_at"),
)
# Search by customer e-mail on the dashboard: an index on the lower-cased address inside the JSON.
# ``->>`` is spelled the same by PostgreSQL and SQLite (3.38+); store/dashboard/ queries this expression.
CUSTOMER_EMAIL = "lower(customer ->> 'email')"
Index("ix_orders_customer_email", text(CUSTOMER_EMAIL), _table=orders)

order_lines = Table(
    "order_lines",
    metadata,
    Column("order_id", String(32), ForeignKey("orders.id"), primary_key=True),
    Column("line_no", Integer, primary_key=True),
    Column("sku", String(64), nullable=False),
    Column("quantity", Integer, nullable=False),
    Column("unit_price", Amount(), nullable=False),
    Column("status", String(16), nullable=False),
    # Units still owed while the line waits for inbound supply, and when the supply completing it is due.
    Column("backordered", Integer, nullable=False, server_default="0"),
    Column("promised_at", UtcDateTime()),
    CheckConstraint("quantity > 0", name="quantity_positive"),
    CheckConstraint("backordered >= 0 AND backordered <= quantity", name="backordered_range"),
    # The inventory page's open backorders of a SKU (migration 0016): partial, so it holds only the
    # few lines still owed units, not every line ever taken.
    Index(None, "sku", sqlite_where=text("backordered > 0"), postgresql_where=text("backordered > 0")),
)

order_events = Table(
    "order_events",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("order_id", String(32), ForeignKey("orders.id"), nullable=False),
    Column("at", UtcDateTime(), nullable=False),
    # "status" for a transition; "note" for a step that leaves the status as it is.
    Column("kind", String(16), nullable=False, server_default="status"),
    Column("from_status", String(24)),
    Column("to_status", String(24), nullable=False),
    Column("note", Text, nullable=False),
    # The dashboard's step durations and last success per step (migration 0013).
    Index(None, "at"),
    Index(None, "to_status", "kind", "at"),
    # An order's events (timeline, foreign key), and whether given orders completed in a window (the
    # savings page's touched orders) from the index alone; it replaced the order_id index (migration 0016).
    Index(None, "order_id", "to_status", "kind", "at"),
)

decisions = Table(
    "decisions",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("order_id", String(32), ForeignKey("orders.id"), nullable=False, index=True),
    Column("at", UtcDateTime(), nullable=False),
    Column("kind", String(24), nullable=False),
    Column("outcome", String(32), nullable=False),
    Column("reason", Text, nullable=False),
    Column("inputs", Json, nullable=False),
    Column("alternatives", Json, nullable=False),
)

order_exceptions = Table(
    "order_exceptions",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("order_id", String(32), ForeignKey("orders.id"), nullable=False, index=True),
    Column("type", String(32), nullable=False),
    Column("step", String(32), nullable=False),
    Column("reason", Text, nullable=False),
    Column("severity", String(8), nullable=False),
    Column("allowed_actions", Json, nullable=False),
    Column("details", Json, nullable=False),
    Column("status", String(16), nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("resolved_at", UtcDateTime()),
    Column("resolved_by", String(255)),
    Column("resolution", String(16)),
    Column("resolution_note", Text),
    # Who on the dashboard has taken it on (null: nobody).
    Column("assignee", String(255)),
    Index(None, "status", "type", "id"),
    Index(None, "status", "created_at"),
    Index(None, "resolved_at"),
)

reservations = Table(
    "reservations",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("order_id", String(32), ForeignKey("orders.id"), nullable=False, index=True),
    Column("line_no", Integer, nullable=False),
    Column("sku", String(64), nullable=False),
    Column("location_id", String(64), nullable=False),
    Column("quantity", Integer, nullable=False),
    Column("status", String(16), nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("updated_at", UtcDateTime(), nullable=False),
    Column("expires_at", UtcDateTime()),
    CheckConstraint("quantity > 0", name="quantity_positive"),
    # The inventory page's open reservations of a SKU (migration 0013).
    Index(None, "sku", "status"),
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

shipments = Table(
    "shipments",
    metadata,
    # The WMS's own shipment id: a duplicated webhook hits this key and changes nothing.
    Column("id", String(64), primary_key=True),
    Column("order_id", String(32), ForeignKey("orders.id"), nullable=False, index=True),
    Column("location_id", String(64), nullable=False),
    Column("carrier", String(64), nullable=False),
    Column("tracking_number", String(64), nullable=False, index=True),
    Column("shipped_at", UtcDateTime(), nullable=False),
    Column("lines", Json, nullable=False),
    Column("raw_message_id", String(32)),
    Column("created_at", UtcDateTime(), nullable=False),
)

order_references = Table(
    "order_references",
    metadata,
    Column("order_id", String(32), ForeignKey("orders.id"), primary_key=True),
    Column("system", String(32), primary_key=True),
    Column("kind", String(32), primary_key=True),
    Column("value", String(255), primary_key=True),
    Column("created_at", UtcDateTime(), nullable=False),
    Index(None, "value"),
)

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
    UniqueConstraint("partner_id", "kind", "reference"),
    Index(None, "order_id"),
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

# Governance rule sets (domain/rules): one row per version of each scope's configuration ("default",
# "channel:<name>", "partner:<id>"). Never updated: a change is a new version, and every evaluation
# names the version it used.
rule_sets = Table(
    "rule_sets",
    metadata,
    Column("scope", String(128), primary_key=True),
    Column("version", Integer, primary_key=True),
    Column("rules", Json, nullable=False),
    Column("note", Text, nullable=False, server_default=""),
    Column("created_at", UtcDateTime(), nullable=False),
)

# Availability change capture (services/availability): a row per SKU whose availability changed since
# it was last published, written in the same transaction as the change. ``version`` grows with every
# change, so the publisher deletes a row only if no change came in while it was publishing.
availability_dirty = Table(
    "availability_dirty",
    metadata,
    Column("sku", String(64), primary_key=True),
    Column("version", BigInteger, nullable=False),
    Column("changed_at", UtcDateTime(), nullable=False),  # the oldest unpublished change: served first
    Index(None, "changed_at"),
)

# The last figure each channel was sent per SKU, so an unchanged figure is not sent again.
availability_published = Table(
    "availability_published",
    metadata,
    Column("channel", String(128), primary_key=True),
    Column("sku", String(64), primary_key=True),
    Column("available", Integer, nullable=False),
    Column("published_at", UtcDateTime(), nullable=False),
)

# Sourcing settings (domain/sourcing SourcingConfig.to_document): one current document; defaults when absent.
sourcing_settings = Table(
    "sourcing_settings",
    metadata,
    Column("id", String(16), primary_key=True),
    Column("document", Json, nullable=False),
    Column("updated_at", UtcDateTime(), nullable=False),
)


# Dashboard settings (ui/, store/dashboard/): the savings calculator's inputs and the known channel
# list, one current document; defaults when absent.
dashboard_settings = Table(
    "dashboard_settings",
    metadata,
    Column("id", String(16), primary_key=True),
    Column("document", Json, nullable=False),
    Column("updated_at", UtcDateTime(), nullable=False),
)

# Future supply (domain/supply): purchase-order lines and transfers expected at a location. Backordered
# lines get their promise dates from the open ones; receiving one books on hand and fills backorders.
inbound_supply = Table(
    "inbound_supply",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("kind", String(16), nullable=False),
    Column("reference", String(255), nullable=False),
    Column("sku", String(64), ForeignKey("skus.sku"), nullable=False),
    Column("location_id", String(64), ForeignKey("locations.id"), nullable=False),
    Column("from_location_id", String(64), ForeignKey("locations.id")),
    Column("quantity", Integer, nullable=False),
    Column("received", Integer, nullable=False, server_default="0"),
    Column("expected_at", UtcDateTime(), nullable=False),
    Column("status", String(16), nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("updated_at", UtcDateTime(), nullable=False),
    CheckConstraint("quantity > 0", name="quantity_positive"),
    CheckConstraint("received >= 0", name="received_not_negative"),
    Index(None, "sku", "status", "expected_at"),
)

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
    CheckConstraint("role IN ('viewer', 'operator', 'admin', 'channel')", name="role_known"),
    CheckConstraint("(role = 'channel') = (channel IS NOT NULL)", name="channel_iff_channel_role"),
)

auth_secrets = Table(
    "auth_secrets",
    metadata,
    Column("name", String(32), primary_key=True),
    Column("secret", String(128), nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
)

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
    Column("latency_sum_s", Float, nullable=False, server_default="0"),
    Column("latency_max_s", Float, nullable=False, server_default="0"),
    Column("last_success_at", UtcDateTime()),
    Column("last_error_at", UtcDateTime()),
    Column("last_error", Text),
    # The overview's last hour of every connector, and pruning by age.
    Index(None, "minute"),
)
