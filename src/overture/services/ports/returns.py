"""Returns as the use cases read and write them (store/returns.py implements it)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from overture.domain.returns import Return


@dataclass(frozen=True, slots=True)
class ReturnRow:
    """One return in a list: enough to show it and open it."""

    id: str
    order_id: str
    channel: str
    status: str
    settlement: str
    units: int
    reasons: tuple[str, ...]
    requested_at: datetime
    settled_at: datetime | None


class ReturnRepository(Protocol):
    def add(self, ret: Return) -> None: ...

    def get(self, return_id: str, *, for_update: bool = False) -> Return | None: ...

    def find(self, channel: str, external_id: str) -> str | None:
        """The return a channel's request already made, if any (the same request delivered twice)."""
        ...

    def save(self, ret: Return, at: datetime) -> None:
        """Write the return's status, dates, label, exchange and each line's inspection."""
        ...

    def for_order(self, order_id: str) -> list[Return]: ...

    def units_asked(self, order_id: str) -> dict[int, int]:
        """Units of each line already asked back by returns that were not rejected."""
        ...

    def review_exceptions(self, order_id: str, return_id: str) -> list[str]:
        """The open return_review exceptions asking about this return."""
        ...

    def order_by_reference(self, value: str) -> str | None:
        """The order another system knows by ``value`` (a PO number, a storefront's order name)."""
        ...

    def last_shipped_at(self, order_id: str) -> datetime | None:
        """When the order's last shipment left (a return window counts from it)."""
        ...

    def listing(self, *, status: str | None, limit: int, before: str | None) -> Sequence[ReturnRow]:
        """Newest first, ``limit`` of them, older than the return id ``before`` when given."""
        ...
