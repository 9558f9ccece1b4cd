"""Raw inbound messages, idempotency keys and the outbox."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, select, update

from overture.domain.ids import new_id
from overture.services.errors import FieldError
from overture.services.ports import InboundMessage, MessageStatus
from overture.store import statements
from overture.store.tables import outbox


class SqlMessageRepository:
    def __init__(self, connection: Connection) -> None:
        self._c = connection

    def add(
        self, message: InboundMessage, *, status: MessageStatus = MessageStatus.RECEIVED, order_id: str | None = None
    ) -> str:
        message_id = new_id("msg")
        self._c.execute(
            statements.INSERT_MESSAGE,
            {
                "id": message_id,
                "channel": message.channel,
                "received_at": message.received_at,
                "content_type": message.content_type,
                "headers": message.headers,
                "body": message.body,
                "status": status.value,
                "order_id": order_id,
                "transport": message.transport or None,
            },
        )
        return message_id

    def settle(
        self,
        message_id: str,
        status: MessageStatus,
        *,
        order_id: str | None = None,
        reason: str | None = None,
        errors: Sequence[FieldError] = (),
    ) -> None:
        error_list = [{"field": e.field, "code": e.code.value, "reason": e.reason} for e in errors] or None
        self._c.execute(
            statements.SETTLE_MESSAGE,
            {
                "b_id": message_id,
                "b_status": status.value,
                "b_order_id": order_id,
                "b_reason": reason,
                "b_errors": error_list,
            },
        )


class SqlIdempotencyRepository:
    def __init__(self, connection: Connection) -> None:
        self._c = connection

    def find(self, scope: str, key: str) -> tuple[str, str] | None:
        row = self._c.execute(statements.FIND_IDEMPOTENCY_KEY, {"b_scope": scope, "b_key": key}).first()
        return None if row is None else (row.request_hash, row.order_id)

    def add(self, scope: str, key: str, *, request_hash: str, order_id: str, at: datetime) -> None:
        self._c.execute(
            statements.INSERT_IDEMPOTENCY_KEY,
            {"scope": scope, "key": key, "request_hash": request_hash, "order_id": order_id, "created_at": at},
        )


class SqlOutboxRepository:
    def __init__(self, connection: Connection) -> None:
        self._c = connection

    def pending(self, topic: str, limit: int) -> list[tuple[int, str]]:
        """Oldest undispatched events of a topic as (id, key)."""
        query = (
            select(outbox.c.id, outbox.c.key)
            .where(outbox.c.dispatched_at.is_(None), outbox.c.topic == topic)
            .order_by(outbox.c.id)
            .limit(limit)
        )
        return [(row.id, row.key) for row in self._c.execute(query)]

    def traces(self, ids: Sequence[int]) -> dict[int, dict[str, str]]:
        if not ids:
            return {}
        rows = self._c.execute(select(outbox.c.id, outbox.c.payload).where(outbox.c.id.in_(list(ids))))
        return {
            row.id: row.payload["trace"] for row in rows if isinstance(row.payload, dict) and row.payload.get("trace")
        }

    def mark_dispatched(self, ids: Sequence[int], at: datetime) -> None:
        if ids:
            self._c.execute(
                update(outbox)
                .where(outbox.c.id.in_(list(ids)))
                .values(dispatched_at=at, attempts=outbox.c.attempts + 1)
            )

    def add(self, topic: str, key: str, payload: dict[str, Any], at: datetime) -> None:
        self._c.execute(
            statements.INSERT_OUTBOX, {"topic": topic, "key": key, "payload": payload, "created_at": at, "attempts": 0}
        )
