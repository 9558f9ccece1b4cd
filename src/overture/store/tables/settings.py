"""Versioned rule sets and the current sourcing and dashboard settings."""

from __future__ import annotations

from sqlalchemy import Column, Integer, String, Table, Text

from overture.store.tables.base import metadata
from overture.store.types import Json, UtcDateTime

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
