"""Orders as capture writes them and as the workflow moves them."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from overture.domain.commands import Reference
from overture.domain.decisions import Decision
from overture.domain.exceptions import OrderException
from overture.domain.inventory import Reservation
from overture.domain.orders import Order
from overture.domain.statuses import OrderStatus
from overture.services.plans import OrderDocument, OrderPlan, ShipmentRecord


@dataclass(slots=True)
class OrderRecord:
    """An order with everything capture decided about it, persisted together."""

    order: Order
    decisions: list[Decision] = field(default_factory=list)
    exceptions: list[OrderException] = field(default_factory=list)
    reservations: list[Reservation] = field(default_factory=list)
    references: tuple[Reference, ...] = ()


@dataclass(frozen=True, slots=True)
class OrderSummary:
    id: str
    status: str
    channel: str
    external_id: str
    created_at: datetime
    exception_types: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class PreviousCapture:
    by_key: tuple[str, str] | None  # (request hash, order id) stored under the Idempotency-Key
    by_external_id: str | None  # order already captured for this channel + external id


class OrderRepository(Protocol):
    def add(self, record: OrderRecord) -> None: ...

    def find_by_external_id(self, channel: str, external_id: str) -> str | None: ...

    def previous_capture(self, channel: str, external_id: str, scope: str, key: str | None) -> PreviousCapture: ...

    def summary(self, order_id: str) -> OrderSummary | None: ...


class FulfilmentRepository(Protocol):
    def plan(self, order_id: str) -> OrderPlan | None: ...

    def document(self, order_id: str) -> OrderDocument | None: ...

    def document_without_releases(self, order_id: str) -> OrderDocument | None:
        """``document`` with ``releases`` left empty: for the ERP, which is sent the lines only."""
        ...

    def location_kind(self, location_id: str) -> str | None:
        """The location's kind (``LocationKind`` value), None if there is no such location: one read by
        key, for a release that only needs the whole location when it is a drop-ship one."""
        ...

    def channel_and_partner(self, order_id: str) -> tuple[str, str | None] | None:
        """The order's channel and its customer's partner id (None: not a partner's order); None if no order.
        One read by key, for steps that only need to learn whether an order is an EDI partner's."""
        ...

    def plan_status(self, order_id: str) -> str | None: ...

    def locked_status(self, order_id: str) -> str | None:
        """The order's status, its row locked until the transaction ends (None: no such order)."""
        ...

    def load_order(self, order_id: str) -> Order | None:
        """The order aggregate with its current status and lines."""
        ...

    def append(self, record: OrderRecord) -> None:
        """Save a re-placed order: new status, line statuses, and the new history, decisions,
        exceptions and reservations of the record."""
        ...

    def set_status(self, order_id: str, target: OrderStatus, note: str, at: datetime) -> bool: ...

    def add_note(self, order_id: str, note: str, at: datetime) -> None: ...

    def add_note_at(self, order_id: str, note: str, at: datetime, status: str | None) -> None:
        """``add_note`` for a caller that has just read the order's status in this transaction."""
        ...

    def add_decision(self, order_id: str, decision: Decision) -> None: ...

    def amended(self, order_id: str, key: str) -> bool:
        """Whether an amendment decision with this key is recorded (its activity ran before)."""
        ...

    def add_exception(self, exception: OrderException) -> bool:
        """Insert unless an exception with this id exists; True if inserted."""
        ...

    def resolve_exception(self, exception_id: str, action: str, actor: str, note: str, at: datetime) -> bool: ...

    def close_open_exceptions(self, order_id: str, action: str, actor: str, note: str, at: datetime) -> None: ...

    def add_reference(self, order_id: str, system: str, kind: str, value: str, at: datetime) -> None: ...

    def reference(self, order_id: str, system: str, kind: str) -> str | None:
        """The newest value another system gave the order under ``kind`` (its ERP invoice, say)."""
        ...

    def add_shipment(self, shipment: ShipmentRecord, raw_message_id: str | None, at: datetime) -> bool: ...

    def mark_lines_shipped(self, order_id: str, location_id: str) -> None: ...

    def recorded_shipments(self, shipment_ids: Sequence[str]) -> set[str]:
        """Which of these WMS shipment ids are recorded already."""
        ...

    def shipment_by_tracking(self, tracking_number: str) -> tuple[str, str] | None:
        """(order id, shipment id) of the newest shipment under this tracking number; None if none."""
        ...

    def shipped_locations(self, order_id: str) -> set[str]: ...
