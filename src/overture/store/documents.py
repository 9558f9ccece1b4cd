"""Documents we send trading partners, and what they are built from (references, shipments)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, insert, select, update

from overture.domain.ids import new_id
from overture.store.exchanges import initial_ack_status, sent_group_control_number
from overture.store.tables import order_references, outbound_documents, sequences, shipments

D = outbound_documents


class SqlDocumentRepository:
    def __init__(self, connection: Connection) -> None:
        self._c = connection

    def add(
        self,
        *,
        partner_id: str,
        order_id: str | None,
        kind: str,
        reference: str,
        control_number: int,
        body: str,
        at: datetime,
    ) -> bool:
        """Keep a document; False (and nothing written) if this partner already has one of this kind for it."""
        if self.exists(partner_id, kind, reference):
            return False
        group = sent_group_control_number(body)  # what the partner's 997 / 999 will name it by
        values = {
            "id": new_id("doc"),
            "partner_id": partner_id,
            "order_id": order_id,
            "kind": kind,
            "reference": reference,
            "control_number": control_number,
            "body": body,
            "created_at": at,
            "group_control_number": group,
            "ack_status": initial_ack_status(kind, group),
        }
        self._c.execute(insert(D).values(**values))
        return True

    def exists(self, partner_id: str, kind: str, reference: str) -> bool:
        found = self._c.scalar(
            select(D.c.id).where(D.c.partner_id == partner_id, D.c.kind == kind, D.c.reference == reference)
        )
        return found is not None

    def order_of(self, partner_id: str, kind: str, reference: str) -> str | None:
        """The order a kept document was about (e.g. which order our 850 with this PO number was for)."""
        return self._c.scalar(
            select(D.c.order_id).where(D.c.partner_id == partner_id, D.c.kind == kind, D.c.reference == reference)
        )

    def listing(self, partner_id: str, *, kind: str | None = None, order_id: str | None = None) -> list[dict[str, Any]]:
        query = select(D.c.id, D.c.kind, D.c.reference, D.c.order_id, D.c.control_number, D.c.created_at).where(
            D.c.partner_id == partner_id
        )
        if kind:
            query = query.where(D.c.kind == kind)
        if order_id:
            query = query.where(D.c.order_id == order_id)
        return [dict(row._mapping) for row in self._c.execute(query.order_by(D.c.created_at, D.c.id))]

    def body(self, partner_id: str, document_id: str) -> str | None:
        return self._c.scalar(select(D.c.body).where(D.c.partner_id == partner_id, D.c.id == document_id))

    def references(self, order_id: str) -> dict[tuple[str, str], str]:
        rows = self._c.execute(
            select(order_references.c.system, order_references.c.kind, order_references.c.value).where(
                order_references.c.order_id == order_id
            )
        )
        return {(r.system, r.kind): r.value for r in rows}

    def shipments(self, order_id: str) -> list[dict[str, Any]]:
        query = select(shipments).where(shipments.c.order_id == order_id).order_by(shipments.c.created_at)
        return [dict(row._mapping) for row in self._c.execute(query)]

    def next_in_sequence(self, name: str) -> int:
        """The next number of a store-wide sequence (1, 2, ...); concurrent callers never get the same one."""
        bumped = self._c.execute(
            update(sequences).where(sequences.c.name == name).values(value=sequences.c.value + 1)
        ).rowcount
        if not bumped:
            self._c.execute(insert(sequences).values(name=name, value=1))
        return int(self._c.scalar(select(sequences.c.value).where(sequences.c.name == name)) or 0)
