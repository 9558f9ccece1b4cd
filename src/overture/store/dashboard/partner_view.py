"""The partner view's reads: the files a partner sent us and the documents we sent it, newest first,
each paged by its (time, id) key, with the partner's acknowledgement of ours.

Every list walks one index backwards: partner_receipts (partner_id, received_at, message_id) for
what came in, outbound_documents (partner_id, created_at, id) for what went out and (partner_id,
ack_status, created_at, id) for the overdue ones (still W, made before the partner's window began).
The overdue count is that same range, stopped at ``OVERDUE_CAP`` + 1.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, func, or_, select

from overture.domain.partners import profile_from_document
from overture.services.ports.exchanges import OVERDUE_CAP, PageKey
from overture.store.dashboard.base import DashboardReads, rows
from overture.store.exchanges import ACK_KINDS, WAITING
from overture.store.tables import (
    inbound_messages,
    outbound_documents,
    partner_acknowledgements,
    partner_receipts,
    trading_partners,
)

D, A, R, M = outbound_documents, partner_acknowledgements, partner_receipts, inbound_messages
PAGE = 50
_SENT = (D.c.id, D.c.kind, D.c.reference, D.c.order_id, D.c.control_number, D.c.group_control_number)


def _before(at: Any, key_id: Any, key: PageKey | None) -> ColumnElement[bool] | None:
    return None if key is None else or_(at < key.at, and_(at == key.at, key_id < key.id))


def ack_state(document: dict[str, Any], *, now: datetime, window: timedelta) -> str:
    """accepted / accepted with errors / rejected / waiting / overdue, or "none due" (acks, EDIFACT)."""
    status = document["ack_status"]
    if status == WAITING:
        return "overdue" if document["created_at"] < now - window else "waiting"
    return {"A": "accepted", "E": "accepted with errors", "R": "rejected"}.get(status, "none due")


class PartnerViewReads(DashboardReads):
    def partner_header(self, partner_id: str) -> dict[str, Any] | None:
        """The partner's id, name, X12 identity and acknowledgement window (hours)."""
        t = trading_partners
        with self._read() as uow:
            row = uow.connection.execute(select(t).where(t.c.id == partner_id)).first()
        if row is None:
            return None
        found = dict(row._mapping)
        profile = profile_from_document(found["id"], found["name"], found["profile"])
        return {**found, "ack_window_hours": profile.ack_window_hours}

    def documents_out(
        self, partner_id: str, *, now: datetime, window: timedelta, before: PageKey | None, overdue_only: bool
    ) -> tuple[list[dict[str, Any]], PageKey | None]:
        """A page of the documents we sent the partner, each with its acknowledgement state."""
        query = select(*_SENT, D.c.created_at, D.c.ack_status).where(D.c.partner_id == partner_id)
        if overdue_only:
            query = query.where(D.c.ack_status == WAITING, D.c.created_at < now - window)
        after = _before(D.c.created_at, D.c.id, before)
        query = query if after is None else query.where(after)
        with self._read() as uow:
            found = rows(uow.connection.execute(query.order_by(D.c.created_at.desc(), D.c.id.desc()).limit(PAGE + 1)))
            acks = self._acks(uow.connection, [d["id"] for d in found[:PAGE]])
        for d in found:
            d["state"] = ack_state(d, now=now, window=window)
            d["acks"] = acks.get(d["id"], {})
        return _paged(found, "created_at", "id")

    def overdue_count(self, partner_id: str, *, now: datetime, window: timedelta) -> int:
        """How many documents wait past the window (at most OVERDUE_CAP + 1: "more than")."""
        waiting = (D.c.partner_id == partner_id, D.c.ack_status == WAITING, D.c.created_at < now - window)
        capped = select(D.c.id).where(*waiting).limit(OVERDUE_CAP + 1).subquery()
        with self._read() as uow:
            return int(uow.connection.scalar(select(func.count()).select_from(capped)) or 0)

    def files_in(self, partner_id: str, *, before: PageKey | None) -> tuple[list[dict[str, Any]], PageKey | None]:
        """A page of the files the partner sent, each with its message's status and our replies."""
        query: Select[Any] = select(R).where(R.c.partner_id == partner_id)
        after = _before(R.c.received_at, R.c.message_id, before)
        query = query if after is None else query.where(after)
        query = query.order_by(R.c.received_at.desc(), R.c.message_id.desc()).limit(PAGE + 1)
        with self._read() as uow:
            c = uow.connection
            found = rows(c.execute(query))
            ids = [f["message_id"] for f in found[:PAGE]]
            status = {r.id: r for r in c.execute(select(M.c.id, M.c.status, M.c.channel).where(M.c.id.in_(ids)))}
            replies = self._replies(c, partner_id, ids)
        for f in found:
            message = status.get(f["message_id"])
            f["status"] = message.status if message is not None else ""
            f["replies"] = replies.get(f["message_id"], [])
        return _paged(found, "received_at", "message_id")

    def sent_document(
        self, partner_id: str, document_id: str, *, now: datetime, window: timedelta
    ) -> dict[str, Any] | None:
        """One document we sent the partner, its body and the partner's acknowledgements of it."""
        query = select(*_SENT, D.c.created_at, D.c.ack_status, D.c.body)
        with self._read() as uow:
            row = uow.connection.execute(query.where(D.c.partner_id == partner_id, D.c.id == document_id)).first()
            if row is None:
                return None
            found = {**dict(row._mapping), "acks": self._acks(uow.connection, [document_id]).get(document_id, {})}
        return {**found, "state": ack_state(found, now=now, window=window)}

    def received_file(self, partner_id: str, message_id: str) -> dict[str, Any] | None:
        """One file the partner sent: its raw message, what it held, and what we answered it with."""
        with self._read() as uow:
            c = uow.connection
            receipt = c.execute(select(R).where(R.c.partner_id == partner_id, R.c.message_id == message_id)).first()
            if receipt is None:
                return None
            message = c.execute(select(M).where(M.c.id == message_id)).first()
            replies = self._replies(c, partner_id, [message_id]).get(message_id, [])
        found = {**dict(receipt._mapping), "replies": replies}
        return {**found, "message": dict(message._mapping) if message is not None else None}

    @staticmethod
    def _acks(c: Any, document_ids: list[str]) -> dict[str, dict[str, dict[str, Any]]]:
        """The partner's acknowledgements of these documents, by document and level."""
        found: dict[str, dict[str, dict[str, Any]]] = {}
        if document_ids:
            for ack in rows(c.execute(select(A).where(A.c.document_id.in_(document_ids)))):
                found.setdefault(ack["document_id"], {})[ack["level"]] = ack
        return found

    @staticmethod
    def _replies(c: Any, partner_id: str, message_ids: list[str]) -> dict[str, list[dict[str, Any]]]:
        """Our 997 / 999 / TA1 answering each of these files (kept under the file's message id)."""
        found: dict[str, list[dict[str, Any]]] = {}
        if message_ids:
            where = (D.c.partner_id == partner_id, D.c.kind.in_(ACK_KINDS), D.c.reference.in_(message_ids))
            for reply in rows(c.execute(select(D.c.id, D.c.kind, D.c.reference, D.c.control_number).where(*where))):
                found.setdefault(reply["reference"], []).append(reply)
        return found


def _paged(found: list[dict[str, Any]], at: str, key_id: str) -> tuple[list[dict[str, Any]], PageKey | None]:
    """The page, and the key of the next one when there is more."""
    if len(found) <= PAGE:
        return found, None
    last = found[PAGE - 1]
    return found[:PAGE], PageKey(last[at], last[key_id])
