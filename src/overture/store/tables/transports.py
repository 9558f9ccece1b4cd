"""AS2 and SFTP, the transports partners' X12 travels on: our AS2 identity, each partner's AS2 settings,
every AS2 message with its MDN, and the SFTP files already taken."""

from __future__ import annotations

from sqlalchemy import Boolean, Column, Index, LargeBinary, String, Table, Text, UniqueConstraint

from overture.store.tables.base import metadata
from overture.store.types import UtcDateTime

# Who we are on AS2. The private key is kept as PEM beside its certificate: what signs our MDNs and
# decrypts what partners send.
as2_identities = Table(
    "as2_identities",
    metadata,
    Column("as2_id", String(128), primary_key=True),
    Column("private_key", Text, nullable=False),
    Column("certificate", Text, nullable=False),
    Column("mdn_url", String(1024)),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("updated_at", UtcDateTime(), nullable=False),
)


# How each trading partner exchanges AS2 with us; one row per partner (trading_partners.id).
as2_partners = Table(
    "as2_partners",
    metadata,
    Column("partner_id", String(64), primary_key=True),
    Column("as2_id", String(128), nullable=False),
    Column("our_as2_id", String(128), nullable=False),
    Column("url", String(1024), nullable=False),
    Column("certificate", Text, nullable=False),
    Column("sign", Boolean, nullable=False),
    Column("encrypt", Boolean, nullable=False),
    Column("encryption", String(32), nullable=False),
    Column("digest", String(16), nullable=False),
    Column("mdn_mode", String(8), nullable=False),
    Column("mdn_signed", Boolean, nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("updated_at", UtcDateTime(), nullable=False),
    UniqueConstraint("as2_id"),
)


# Every AS2 message in or out, and its MDN. (direction, sender, message id) is unique: a partner
# resending a message id is answered as a duplicate, never processed twice.
as2_messages = Table(
    "as2_messages",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("direction", String(8), nullable=False),
    Column("message_id", String(255), nullable=False),
    Column("as2_from", String(128), nullable=False),
    Column("as2_to", String(128), nullable=False),
    Column("partner_id", String(64)),
    Column("kind", String(8)),
    Column("inbound_message_id", String(32)),
    Column("mic", String(128)),
    Column("mdn_message_id", String(255)),
    Column("disposition", String(128)),
    Column("mdn", LargeBinary),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("settled_at", UtcDateTime()),
    UniqueConstraint("direction", "as2_from", "message_id"),
    Index(None, "partner_id", "created_at"),
)


# The SFTP files taken from partners' inboxes: the same name with the same content is taken once.
sftp_files = Table(
    "sftp_files",
    metadata,
    Column("partner_id", String(64), primary_key=True),
    Column("name", String(255), primary_key=True),
    Column("sha256", String(64), primary_key=True),
    Column("host", String(255), nullable=False),
    Column("path", String(1024), nullable=False),
    Column("message_id", String(32)),
    Column("status", String(16), nullable=False),
    Column("seen_at", UtcDateTime(), nullable=False),
)
