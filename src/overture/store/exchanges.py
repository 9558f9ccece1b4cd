"""The partner's acknowledgements of our documents, and a summary of each file a partner sent.

A functional verdict also sets the document's ``ack_status`` (W waiting -> A / E / R), and a TA1
rejecting the interchange sets R while it waits: no 997 will come for an interchange the partner
refused. So "overdue" (still W past the partner's window) is a range on one index."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, delete, insert, select, update

from overture.domain.digits import is_digits
from overture.services.ports.exchanges import FUNCTIONAL, PartnerAck, PartnerReceipt, SentDocument
from overture.store.tables import outbound_documents, partner_acknowledgements, partner_receipts

D, A, R = outbound_documents, partner_acknowledgements, partner_receipts
WAITING = "W"
# Our own acknowledgements are not acknowledged (X12.6): nothing is due for them.
ACK_KINDS = frozenset({"997", "999", "997+999", "TA1"})


def sent_group_control_number(body: str) -> int | None:
    """GS06 of the first group of an X12 interchange we wrote, or None (not X12: EDIFACT, a TA1 alone).

    ISA is fixed-width: its 4th character is the element separator and the 106th the segment
    terminator, so the GS is found without a parser (the store keeps it beside the document)."""
    if not body.startswith("ISA") or len(body) < 106:
        return None
    element, terminator = body[3], body[105]
    for segment in body.split(terminator)[1:4]:
        values = segment.strip().split(element)
        if values[0] == "GS" and len(values) > 6 and is_digits(values[6]):
            return int(values[6])
    return None


def initial_ack_status(kind: str, group_control_number: int | None) -> str | None:
    """W for an X12 document the partner owes a 997 / 999 for; None when none is due."""
    return WAITING if group_control_number is not None and kind not in ACK_KINDS else None


class SqlExchangeRepository:
    def __init__(self, connection: Connection) -> None:
        self._c = connection

    def document_by_group(self, partner_id: str, group_control_number: int) -> SentDocument | None:
        where = (D.c.partner_id == partner_id, D.c.group_control_number == group_control_number)
        return self._document(*where)

    def document_by_interchange(self, partner_id: str, control_number: int) -> SentDocument | None:
        return self._document(D.c.partner_id == partner_id, D.c.control_number == control_number)

    def _document(self, *where: Any) -> SentDocument | None:
        columns = (D.c.id, D.c.partner_id, D.c.kind, D.c.control_number, D.c.group_control_number, D.c.body)
        row = self._c.execute(select(*columns, D.c.created_at).where(*where).order_by(D.c.id.desc())).first()
        return None if row is None else SentDocument(**row._mapping)

    def record_ack(self, ack: PartnerAck) -> None:
        self._c.execute(delete(A).where(A.c.document_id == ack.document_id, A.c.level == ack.level))
        values = {
            "document_id": ack.document_id,
            "level": ack.level,
            "partner_id": ack.partner_id,
            "kind": ack.kind,
            "verdict": ack.verdict,
            "detail": ack.detail,
            "message_id": ack.message_id,
            "received_at": ack.received_at,
        }
        self._c.execute(insert(A).values(**values))
        document = D.c.id == ack.document_id
        if ack.level == FUNCTIONAL:
            self._c.execute(update(D).where(document, D.c.ack_status.is_not(None)).values(ack_status=ack.verdict))
        elif ack.verdict == "R":
            self._c.execute(update(D).where(document, D.c.ack_status == WAITING).values(ack_status="R"))

    def record_receipt(self, receipt: PartnerReceipt) -> None:
        if self._c.scalar(select(R.c.message_id).where(R.c.message_id == receipt.message_id)) is not None:
            return
        values = {
            "message_id": receipt.message_id,
            "partner_id": receipt.partner_id,
            "received_at": receipt.received_at,
            "summary": receipt.summary,
            "order_ids": receipt.order_ids,
        }
        self._c.execute(insert(R).values(**values))
