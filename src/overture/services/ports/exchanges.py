"""What trading partners say about the documents we sent them, and the files they sent us.

A partner's 997 / 999 names each group of ours by its functional id and GS06 (AK1) and each set by its
id and ST02 (AK2), and says A, E or R per set (AK5 / IK5) and per group (AK9); a TA1 names our
interchange by its ISA13. The channel reads them (channels/x12/partner_acks.py); the store keeps the
verdict per document and flips the document's acknowledgement status, so a document no
acknowledgement reached within the partner's ``ack_window_hours`` can be told overdue by an index."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

FUNCTIONAL, INTERCHANGE = "functional", "interchange"
# The partner view counts overdue documents up to this many, then says "more than".
OVERDUE_CAP = 10_000
KEY_SEPARATOR = "~"


@dataclass(frozen=True, slots=True)
class SentDocument:
    """A document we sent, as an acknowledgement is matched against it."""

    id: str
    partner_id: str
    kind: str
    control_number: int  # ISA13
    group_control_number: int | None  # GS06
    body: str
    created_at: datetime


@dataclass(frozen=True, slots=True)
class PartnerAck:
    """The partner's verdict on one of our documents, at one level (FUNCTIONAL or INTERCHANGE)."""

    document_id: str
    partner_id: str
    level: str
    kind: str  # 997, 999, TA1
    verdict: str  # A, E, R
    message_id: str  # the inbound message that carried it
    received_at: datetime
    detail: dict[str, Any] = field(default_factory=dict)  # codes per set and group, the TA1 note


@dataclass(frozen=True, slots=True)
class PartnerReceipt:
    """One X12 file a partner sent: what it held with our verdicts, and the orders it made."""

    message_id: str
    partner_id: str
    received_at: datetime
    summary: dict[str, Any]
    order_ids: list[str]


class ExchangeRepository(Protocol):
    def document_by_group(self, partner_id: str, group_control_number: int) -> SentDocument | None:
        """Our document holding the group with this GS06 (unique per partner)."""
        ...

    def document_by_interchange(self, partner_id: str, control_number: int) -> SentDocument | None:
        """Our document sent under this ISA13 (a TA1 names it)."""
        ...

    def record_ack(self, ack: PartnerAck) -> None:
        """Keep the partner's verdict (a later one at the same level replaces it)."""
        ...

    def record_receipt(self, receipt: PartnerReceipt) -> None:
        """Keep a file's summary once (a retried intake writes it again unchanged)."""
        ...


@dataclass(frozen=True, slots=True)
class PageKey:
    """Where a page of a newest-first list starts: strictly before this (time, id)."""

    at: datetime
    id: str

    def encode(self) -> str:
        return f"{self.at.isoformat()}{KEY_SEPARATOR}{self.id}"

    @classmethod
    def decode(cls, text: str | None) -> PageKey | None:
        """A key from the query string; None for no key or one that does not read (the first page)."""
        if not text or KEY_SEPARATOR not in text:
            return None
        at, _, key_id = text.partition(KEY_SEPARATOR)
        try:
            parsed = datetime.fromisoformat(at)
        except ValueError:
            return None
        return cls(parsed, key_id) if parsed.tzinfo is not None and key_id else None
