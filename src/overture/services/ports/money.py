"""The money ledger and payments, as the use cases read and write them (store/money.py implements it)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from overture.domain.money.ledger import Entry, Ledger


@dataclass(frozen=True, slots=True)
class PaymentRecord:
    """A payment provider's authorisation for an order, as we last knew it."""

    intent_id: str
    order_id: str
    provider: str
    payment_method: str
    status: str
    authorised_minor: int
    currency: str
    created_at: datetime
    capture_before: datetime | None = None
    note: str = ""


class MoneyRepository(Protocol):
    def ledger(self, order_id: str) -> Ledger | None:
        """Every entry of the order, oldest first; None when there is no such order."""
        ...

    def post(self, key: str, order_id: str, entries: Sequence[Entry], at: datetime) -> bool:
        """Append the entries under ``key``, once: False (nothing written) when the key was posted before."""
        ...

    def posted(self, key: str) -> bool: ...

    def add_payment(self, payment: PaymentRecord) -> None: ...

    def payment(self, order_id: str) -> PaymentRecord | None:
        """The order's newest authorisation."""
        ...

    def payment_by_intent(self, intent_id: str) -> PaymentRecord | None: ...

    def set_payment_status(self, intent_id: str, status: str, note: str = "") -> None: ...
