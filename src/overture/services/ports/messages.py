"""Inbound messages, idempotency keys and the outbox: what capture keeps before it decides."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any, Protocol

from overture.services.errors import FieldError


class MessageStatus(StrEnum):
    RECEIVED = "received"
    ACCEPTED = "accepted"
    DUPLICATE = "duplicate"
    QUARANTINED = "quarantined"


@dataclass(frozen=True, slots=True)
class InboundMessage:
    channel: str
    body: bytes
    received_at: datetime
    content_type: str = "application/json"
    headers: dict[str, str] = field(default_factory=dict)
    # The transport's receipt, kept with the raw body: AS2 message id, MDN id and AS2 ids; SFTP host,
    # path and file name. Empty for channels that are their own transport (HTTP posts).
    transport: dict[str, str] = field(default_factory=dict)


class MessageRepository(Protocol):
    def add(
        self, message: InboundMessage, *, status: MessageStatus = MessageStatus.RECEIVED, order_id: str | None = None
    ) -> str:
        """Store the raw message (before it is parsed); ``status`` may anticipate the outcome
        when the caller corrects it with ``settle`` in the same transaction otherwise."""
        ...

    def settle(
        self,
        message_id: str,
        status: MessageStatus,
        *,
        order_id: str | None = None,
        reason: str | None = None,
        errors: Sequence[FieldError] = (),
    ) -> None: ...


class IdempotencyRepository(Protocol):
    def find(self, scope: str, key: str) -> tuple[str, str] | None:
        """Return (request hash, order id) stored under the key, if any."""
        ...

    def add(self, scope: str, key: str, *, request_hash: str, order_id: str, at: datetime) -> None: ...


class OutboxRepository(Protocol):
    def add(self, topic: str, key: str, payload: dict[str, Any], at: datetime) -> None: ...

    def pending(self, topic: str, limit: int) -> list[tuple[int, str]]: ...

    def traces(self, ids: Sequence[int]) -> dict[int, dict[str, str]]:
        """The trace each of these events was written under (``payload["trace"]``), for those that have one."""
        ...

    def mark_dispatched(self, ids: Sequence[int], at: datetime) -> None: ...
