"""Future supply and backorders: inbound purchase orders and transfers, and who gets their units.

Pure. One queue decides who is served first, at a receipt and in every promise: highest customer
priority, then the oldest order (``backlog.model.queue_key``). A line accumulates units (a
partial fill is kept, never taken back for a newer order), and its promise date is the expected
date of the inbound supply that completes it when supply is handed out in that same queue order.

Errors::

    SupplyError
     +-- InvalidSupply         a supply line breaks a rule (names the field and the reason)
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from overture.domain.backlog.model import queue_key


class SupplyKind(StrEnum):
    PURCHASE_ORDER = "purchase_order"
    TRANSFER = "transfer"


class SupplyStatus(StrEnum):
    OPEN = "open"
    RECEIVED = "received"
    CANCELLED = "cancelled"


class SupplyError(Exception):
    """Base of supply errors."""


class InvalidSupply(SupplyError):
    def __init__(self, field_name: str, reason: str) -> None:
        super().__init__(f"{field_name}: {reason}")
        self.field = field_name
        self.reason = reason


@dataclass(frozen=True, slots=True)
class InboundSupply:
    """Units of one SKU expected at a location: a purchase-order line or a transfer from another location."""

    id: str
    kind: SupplyKind
    reference: str
    sku: str
    location_id: str
    quantity: int
    expected_at: datetime
    created_at: datetime
    received: int = 0
    status: SupplyStatus = SupplyStatus.OPEN
    from_location_id: str | None = None

    def __post_init__(self) -> None:
        if self.quantity <= 0:
            raise InvalidSupply("quantity", "must be a positive integer")
        if self.received < 0:
            raise InvalidSupply("received", "must not be negative")
        if self.expected_at.tzinfo is None:
            raise InvalidSupply("expected_at", "must carry a time zone")
        if self.kind is SupplyKind.TRANSFER and not self.from_location_id:
            raise InvalidSupply("from_location_id", "a transfer needs the location it comes from")
        if self.kind is SupplyKind.PURCHASE_ORDER and self.from_location_id:
            raise InvalidSupply("from_location_id", "only a transfer comes from another location")
        if self.from_location_id is not None and self.from_location_id == self.location_id:
            raise InvalidSupply("from_location_id", "a transfer must come from another location")

    @property
    def outstanding(self) -> int:
        """Units still to arrive (none once received or cancelled; an over-receipt owes nothing)."""
        if self.status is not SupplyStatus.OPEN:
            return 0
        return max(0, self.quantity - self.received)


@dataclass(frozen=True, slots=True)
class Backorder:
    """One order line still owed ``owed`` units of its SKU."""

    order_id: str
    line_no: int
    sku: str
    owed: int
    priority: int
    ordered_at: datetime
    promised_at: datetime | None = None  # the promise it holds now (worked out again as supply changes)

    @property
    def key(self) -> tuple[str, int]:
        return (self.order_id, self.line_no)


@dataclass(frozen=True, slots=True)
class Fill:
    backorder: Backorder
    quantity: int

    @property
    def completes(self) -> bool:
        return self.quantity == self.backorder.owed


def queue(backorders: Iterable[Backorder]) -> list[Backorder]:
    """Who is served first: the backlog's queue (priority, then age), then line order within an order."""
    items = list(backorders)
    if not items:
        return items
    newest = max(b.ordered_at for b in items)

    def key(b: Backorder) -> tuple[tuple[int, float, str], int]:
        age_hours = (newest - b.ordered_at).total_seconds() / 3600  # hours older than the newest
        return queue_key(b.priority, age_hours, b.order_id), b.line_no

    return sorted(items, key=key)


def fill(backorders: Iterable[Backorder], units: int) -> list[Fill]:
    """Hand ``units`` of one SKU out in queue order, each line as much as it owes, until none are left."""
    fills = []
    for b in queue(backorders):
        if units <= 0:
            break
        take = min(b.owed, units)
        fills.append(Fill(b, take))
        units -= take
    return fills


@dataclass(frozen=True, slots=True)
class Promise:
    backorder: Backorder
    at: datetime | None  # None: no inbound supply expected covers it
    supply: InboundSupply | None  # the supply that completes the line


def promise(backorders: Iterable[Backorder], supply: Sequence[InboundSupply]) -> dict[tuple[str, int], Promise]:
    """Promise dates for the backorders of one or more SKUs from their open supply.

    Supply is taken in expected order (ties by id); within each SKU the backorders are served in
    queue order, so the promise a line gets is the one a receipt would honour if supply arrives as
    expected. A line that no expected supply completes gets no date."""
    by_sku: dict[str, list[Backorder]] = {}
    for b in backorders:
        by_sku.setdefault(b.sku, []).append(b)
    promises: dict[tuple[str, int], Promise] = {}
    for sku, waiting in by_sku.items():
        arriving = sorted(
            (s for s in supply if s.sku == sku and s.outstanding > 0), key=lambda s: (s.expected_at, s.id)
        )
        promises.update(_promise_sku(queue(waiting), arriving))
    return promises


def _promise_sku(waiting: list[Backorder], arriving: list[InboundSupply]) -> dict[tuple[str, int], Promise]:
    promises = {}
    index, left = 0, (arriving[0].outstanding if arriving else 0)
    for b in waiting:
        owed, completing = b.owed, None
        while owed > 0 and index < len(arriving):
            take = min(owed, left)
            owed, left = owed - take, left - take
            if owed == 0:
                completing = arriving[index]
            if left == 0:
                index += 1
                left = arriving[index].outstanding if index < len(arriving) else 0
        promises[b.key] = Promise(b, completing.expected_at if completing else None, completing)
    return promises
