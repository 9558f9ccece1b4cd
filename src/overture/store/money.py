"""The money ledger and payments on SQL. Entries are only ever inserted; a posting's key is inserted
first with ON CONFLICT DO NOTHING, so a step retried after its commit (a worker killed between the
provider's answer and ours) finds its key and posts nothing twice, on either store."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite

from overture.domain.money.ledger import Entry, EntryKind, Ledger
from overture.services.ports.money import PaymentRecord
from overture.store.tables import money_entries, money_postings, orders, payments

E = money_entries.c
P = payments.c
_ADD_POSTING = {
    "sqlite": sqlite.insert(money_postings).on_conflict_do_nothing().returning(money_postings.c.key),
    "postgresql": postgresql.insert(money_postings).on_conflict_do_nothing().returning(money_postings.c.key),
}


class SqlMoneyRepository:
    def __init__(self, connection: Connection) -> None:
        self._c = connection

    def ledger(self, order_id: str) -> Ledger | None:
        currency = self._c.scalar(select(orders.c.currency).where(orders.c.id == order_id))
        if currency is None:
            return None
        rows = self._c.execute(select(money_entries).where(E.order_id == order_id).order_by(E.id))
        entries = [
            Entry(
                r.order_id,
                r.line_no,
                EntryKind(r.kind),
                int(r.amount_minor),
                r.currency,
                r.cause,
                r.actor,
                r.at,
                r.reference,
            )
            for r in rows
        ]
        return Ledger(order_id, currency, entries)

    def post(self, key: str, order_id: str, entries: Sequence[Entry], at: datetime) -> bool:
        inserted = self._c.execute(_ADD_POSTING[self._c.dialect.name], {"key": key, "order_id": order_id, "at": at})
        if inserted.scalar() is None:
            return False
        if entries:
            self._c.execute(insert(money_entries), [_row(key, e) for e in entries])
        return True

    def posted(self, key: str) -> bool:
        return self._c.scalar(select(money_postings.c.key).where(money_postings.c.key == key)) is not None

    def add_payment(self, payment: PaymentRecord) -> None:
        self._c.execute(
            insert(payments).values(
                intent_id=payment.intent_id,
                order_id=payment.order_id,
                provider=payment.provider,
                payment_method=payment.payment_method,
                status=payment.status,
                authorised_minor=payment.authorised_minor,
                currency=payment.currency,
                capture_before=payment.capture_before,
                created_at=payment.created_at,
                note=payment.note,
            )
        )

    def payment(self, order_id: str) -> PaymentRecord | None:
        query = select(payments).where(P.order_id == order_id).order_by(P.created_at.desc(), P.intent_id.desc())
        return _payment(self._c.execute(query.limit(1)).first())

    def payment_by_intent(self, intent_id: str) -> PaymentRecord | None:
        return _payment(self._c.execute(select(payments).where(P.intent_id == intent_id)).first())

    def set_payment_status(self, intent_id: str, status: str, note: str = "") -> None:
        self._c.execute(update(payments).where(P.intent_id == intent_id).values(status=status, note=note))


def _row(key: str, entry: Entry) -> dict[str, object]:
    return {
        "posting_key": key,
        "order_id": entry.order_id,
        "line_no": entry.line_no,
        "kind": entry.kind.value,
        "amount_minor": entry.amount,
        "currency": entry.currency,
        "cause": entry.cause[:200],
        "actor": entry.actor[:255],
        "reference": entry.reference[:255],
        "at": entry.at,
    }


def _payment(row: Any) -> PaymentRecord | None:
    if row is None:
        return None
    return PaymentRecord(
        row.intent_id,
        row.order_id,
        row.provider,
        row.payment_method,
        row.status,
        int(row.authorised_minor),
        row.currency,
        row.created_at,
        row.capture_before,
        row.note,
    )
