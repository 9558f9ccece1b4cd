"""The shipments whose channel is still owed its confirmation: outbox rows of one topic, read with the
payload the shipment's transaction wrote (``OutboxRepository.pending`` gives the keys only)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, select

from overture.services.channel_fulfilment import TOPIC
from overture.store.tables import outbox


class SqlOwedConfirmations:
    """Implements ``services.ports.channel_fulfilment.OwedConfirmations``; one short read a call."""

    def __init__(self, engine: Engine, *, topic: str = TOPIC) -> None:
        self._engine = engine
        self._topic = topic

    def pending(self, limit: int) -> list[tuple[int, dict[str, Any]]]:
        query = (
            select(outbox.c.id, outbox.c.payload)
            .where(outbox.c.dispatched_at.is_(None), outbox.c.topic == self._topic)
            .order_by(outbox.c.id)
            .limit(limit)
        )
        with self._engine.connect() as connection:
            return [(row.id, dict(row.payload)) for row in connection.execute(query)]
