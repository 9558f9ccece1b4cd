"""Table definitions, one module per area. Alembic migrations under ``migrations/`` must match these
(a test checks). Every table is importable from here."""

from __future__ import annotations

from overture.store.tables.access import api_keys, auth_secrets
from overture.store.tables.address_book import partner_addresses
from overture.store.tables.base import BigId, metadata
from overture.store.tables.changes import change_log
from overture.store.tables.exchanges import partner_acknowledgements, partner_receipts
from overture.store.tables.health import connector_calls
from overture.store.tables.interchanges import x12_group_control_numbers, x12_received_interchanges
from overture.store.tables.inventory import (
    availability_dirty,
    availability_published,
    erp_cursors,
    inbound_supply,
    inventory_movements,
    inventory_positions,
    locations,
    reservations,
    skus,
)
from overture.store.tables.leases import leases
from overture.store.tables.marketplace import (
    commission_rules,
    marketplace_settings,
    offers,
    seller_cases,
    seller_entries,
    seller_incidents,
    seller_lines,
    seller_orders,
    seller_payouts,
    seller_postings,
    sellers,
)
from overture.store.tables.messages import idempotency_keys, inbound_messages, outbox
from overture.store.tables.money import money_entries, money_postings, payments
from overture.store.tables.orders import (
    CUSTOMER_EMAIL,
    decisions,
    order_events,
    order_exceptions,
    order_lines,
    order_references,
    orders,
    shipments,
)
from overture.store.tables.partners import csv_profiles, outbound_documents, sequences, trading_partners
from overture.store.tables.returns import return_lines, returns
from overture.store.tables.search import order_search
from overture.store.tables.sessions import sessions
from overture.store.tables.settings import dashboard_settings, rule_sets, sourcing_settings
from overture.store.tables.supplier_invoices import supplier_invoices
from overture.store.tables.transports import as2_identities, as2_messages, as2_partners, sftp_files

__all__ = [
    "CUSTOMER_EMAIL",
    "BigId",
    "api_keys",
    "as2_identities",
    "as2_messages",
    "as2_partners",
    "auth_secrets",
    "availability_dirty",
    "availability_published",
    "change_log",
    "commission_rules",
    "connector_calls",
    "csv_profiles",
    "dashboard_settings",
    "decisions",
    "erp_cursors",
    "idempotency_keys",
    "inbound_messages",
    "inbound_supply",
    "inventory_movements",
    "inventory_positions",
    "leases",
    "locations",
    "marketplace_settings",
    "metadata",
    "money_entries",
    "money_postings",
    "offers",
    "order_events",
    "order_exceptions",
    "order_lines",
    "order_references",
    "order_search",
    "orders",
    "outbound_documents",
    "outbox",
    "partner_acknowledgements",
    "partner_addresses",
    "partner_receipts",
    "payments",
    "reservations",
    "return_lines",
    "returns",
    "rule_sets",
    "seller_cases",
    "seller_entries",
    "seller_incidents",
    "seller_lines",
    "seller_orders",
    "seller_payouts",
    "seller_postings",
    "sellers",
    "sequences",
    "sessions",
    "sftp_files",
    "shipments",
    "skus",
    "sourcing_settings",
    "supplier_invoices",
    "trading_partners",
    "x12_group_control_numbers",
    "x12_received_interchanges",
]
