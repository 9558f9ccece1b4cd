"""Ports: what the use cases need from the store, as protocols the adapters implement."""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from types import TracebackType
from typing import Any, Protocol, Self

from overture.domain.access import ApiKey
from overture.domain.commands import Reference
from overture.domain.decisions import Decision
from overture.domain.exceptions import OrderException
from overture.domain.inventory import InventoryPosition, Location, Movement, Reservation, Sku
from overture.domain.orders import Order
from overture.domain.parties import Address
from overture.domain.partners import PartnerProfile
from overture.domain.routing import Allocation, GeoPoint, LocationStock
from overture.domain.rules import PriorOrder, RuleCode, RuleSettings, ScopedRules
from overture.domain.sourcing import SourcingConfig
from overture.domain.statuses import OrderStatus
from overture.domain.supply import Backorder, InboundSupply, SupplyStatus
from overture.services.errors import FieldError
from overture.services.plans import OrderDocument, OrderPlan, ShipmentRecord

Clock = Callable[[], datetime]


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
class Availability:
    known_skus: set[str]
    stock: list[LocationStock]
    traits: dict[str, SkuTraits] = field(default_factory=dict)  # of the known SKUs


@dataclass(frozen=True, slots=True)
class PreviousCapture:
    by_key: tuple[str, str] | None  # (request hash, order id) stored under the Idempotency-Key
    by_external_id: str | None  # order already captured for this channel + external id


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


class CatalogRepository(Protocol):
    def known_skus(self, skus: Collection[str]) -> set[str]: ...

    def unit_costs(self, skus: Collection[str]) -> dict[str, Decimal]:
        """The known unit cost of each of these SKUs (SKUs without one are left out)."""
        ...

    def upsert_skus(self, skus: Sequence[Sku], at: datetime) -> int: ...

    def units_on_hand(self, skus: Collection[str]) -> dict[str, int]:
        """Units on hand of each of these SKUs across every location (SKUs with none are left out)."""
        ...

    def add_location(self, location: Location, at: datetime) -> None: ...

    def known_locations(self, location_ids: Collection[str]) -> set[str]: ...


class InventoryRepository(Protocol):
    def availability(self, skus: Collection[str]) -> Availability:
        """Which of these SKUs exist, and their availability at every active location."""
        ...

    def reserve(self, order_id: str, allocations: Sequence[Allocation], at: datetime) -> list[Reservation]:
        """Take every allocation out of availability, or raise StockChanged (the caller rolls back).

        Returns the reservations; they are saved with the order (``OrderRepository.add``).
        """
        ...

    def receive(self, movements: Sequence[Movement], at: datetime) -> int:
        """Book receipts (on hand goes up), creating positions as needed."""
        ...

    def adjust(self, movement: Movement, at: datetime) -> InventoryPosition:
        """Apply a signed correction; raise InvalidMovement if on hand would drop below reserved."""
        ...

    def settle_reservations(
        self, order_id: str, *, shipped: bool, at: datetime, reason: str, location_id: str | None = None
    ) -> list[Reservation]:
        """Release (or ship) every active reservation of the order (at one location, if given)."""
        ...

    def set_safety_stock(self, sku: str, location_id: str, quantity: int, at: datetime) -> InventoryPosition: ...


class OrderRepository(Protocol):
    def add(self, record: OrderRecord) -> None: ...

    def find_by_external_id(self, channel: str, external_id: str) -> str | None: ...

    def previous_capture(self, channel: str, external_id: str, scope: str, key: str | None) -> PreviousCapture: ...

    def summary(self, order_id: str) -> OrderSummary | None: ...


class OutboxRepository(Protocol):
    def add(self, topic: str, key: str, payload: dict[str, Any], at: datetime) -> None: ...

    def pending(self, topic: str, limit: int) -> list[tuple[int, str]]: ...

    def mark_dispatched(self, ids: Sequence[int], at: datetime) -> None: ...


class PartnerRepository(Protocol):
    def get(self, partner_id: str) -> PartnerProfile | None: ...

    def by_x12(self, qualifier: str, x12_id: str) -> PartnerProfile | None: ...

    def put(self, profile: PartnerProfile, at: datetime) -> bool:
        """Create or replace; True if it was created."""
        ...

    def all(self) -> list[PartnerProfile]: ...

    def next_control_number(self, partner_id: str) -> int:
        """The next interchange control number for documents we send this partner (never reused)."""
        ...


class DocumentRepository(Protocol):
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
    ) -> bool: ...

    def exists(self, partner_id: str, kind: str, reference: str) -> bool: ...

    def order_of(self, partner_id: str, kind: str, reference: str) -> str | None:
        """The order a kept document of this kind and reference was about; None if none was kept."""
        ...

    def listing(
        self, partner_id: str, *, kind: str | None = None, order_id: str | None = None
    ) -> list[dict[str, Any]]: ...

    def body(self, partner_id: str, document_id: str) -> str | None: ...

    def references(self, order_id: str) -> dict[tuple[str, str], str]: ...

    def shipments(self, order_id: str) -> list[dict[str, Any]]: ...

    def next_in_sequence(self, name: str) -> int: ...


@dataclass(frozen=True, slots=True)
class SkuTraits:
    """What sourcing needs of a SKU besides its stock."""

    weight_kg: float
    hazmat: bool
    oversize: bool


class SourcingRepository(Protocol):
    """The sourcing settings, and the facts routing needs beyond availability."""

    def config(self) -> SourcingConfig:
        """The current settings (the defaults until some are saved)."""
        ...

    def save_config(self, config: SourcingConfig, at: datetime) -> None: ...

    def sku_traits(self, skus: Collection[str]) -> dict[str, SkuTraits]: ...

    def orders_shipping_since(self, location_ids: Collection[str], since: datetime) -> dict[str, int]:
        """Orders each location took on since ``since``, to weigh against its daily capacity."""
        ...

    def routing_decisions(self, order_id: str) -> list[dict[str, Any]] | None:
        """The order's routing decisions explained; None if there is no such order."""
        ...

    def routing_decisions_since(
        self, since: datetime, until: datetime | None, *, after_id: int | None, limit: int
    ) -> list[dict[str, Any]]:
        """One page (id, order_id, at, outcome, inputs) of the routing decisions made in ``[since, until)``,
        in id order after ``after_id``."""
        ...

    def locations(self, location_ids: Collection[str]) -> dict[str, Location]:
        """These locations as they are now, by id."""
        ...


class GovernanceRepository(Protocol):
    """Governance rule sets, and what the rules need to know of earlier orders."""

    def current_rule_sets(self) -> dict[str, ScopedRules]:
        """The latest version of every scope's rule set, by scope (may be cached for a few seconds)."""
        ...

    def rule_set(self, scope: str, version: int | None = None) -> ScopedRules | None:
        """The scope's latest rule set, or the given version of it."""
        ...

    def history(self, scope: str) -> list[ScopedRules]: ...

    def all_current(self) -> list[ScopedRules]: ...

    def put_rule_set(
        self, scope: str, rules: Mapping[RuleCode, RuleSettings], *, note: str, at: datetime
    ) -> ScopedRules:
        """Store the scope's next version."""
        ...

    def open_orders_total(self, partner_id: str, currency: str, *, excluding: str) -> Decimal:
        """What the account's open orders in this currency add up to (``excluding`` one order)."""
        ...

    def prior_orders(
        self, external_id: str, identifiers: Sequence[tuple[str, str]], *, excluding: str
    ) -> list[PriorOrder]:
        """Orders, not cancelled, that share the external id or one of the (kind, value) references."""
        ...

    def identifiers(self, order_id: str) -> list[tuple[str, str]]:
        """The (kind, value) references stored with an order."""
        ...

    def overridden(self, order_id: str) -> set[str]:
        """Types of the order's exceptions a person resolved with ``override``."""
        ...


class SupplyRepository(Protocol):
    """Inbound supply (purchase orders, transfers) and the backordered lines waiting for it."""

    def add(self, items: Sequence[InboundSupply], at: datetime) -> None: ...

    def get(self, supply_id: str) -> InboundSupply | None: ...

    def listing(self, *, sku: str | None = None, status: SupplyStatus | None = None) -> list[InboundSupply]: ...

    def open_for(self, skus: Collection[str]) -> list[InboundSupply]:
        """Open supply of these SKUs, soonest expected first."""
        ...

    def record_receipt(self, supply_id: str, quantity: int, at: datetime) -> InboundSupply | None:
        """Add to what an open line received (closing it once all came); None if it is not open."""
        ...

    def change_open(
        self,
        supply_id: str,
        at: datetime,
        *,
        expected_at: datetime | None = None,
        quantity: int | None = None,
        cancel: bool = False,
    ) -> InboundSupply | None:
        """Move, resize or cancel an open line; None if it is not open or would end below what came."""
        ...

    def backorders(self, skus: Collection[str], *, excluding: str | None = None) -> list[Backorder]:
        """Lines of backordered orders still owed units of these SKUs (``excluding`` one order), with their promises."""
        ...

    def take_backordered(self, order_id: str, line_no: int, quantity: int) -> bool:
        """Take units off what a line is owed, if it still owes that many; False otherwise."""
        ...

    def set_promises(self, promises: Sequence[tuple[str, int, datetime | None]]) -> None:
        """Set the promise date of each (order id, line no)."""
        ...

    def serialized(self, skus: Collection[str]) -> set[str]:
        """Which of these SKUs are serialized (one of a kind: never backordered)."""
        ...


class KeyRepository(Protocol):
    """API keys (only hashes of their secrets) and the hub's signing secrets."""

    def add(self, key: ApiKey) -> None: ...

    def get(self, key_id: str) -> ApiKey | None: ...

    def list(self, *, include_revoked: bool = True) -> list[ApiKey]: ...

    def revoke(self, key_id: str, at: datetime) -> bool: ...

    def touch(self, key_id: str, at: datetime) -> None: ...

    def secret(self, name: str, at: datetime) -> str: ...


class UnitOfWork(Protocol):
    """A transaction: everything done inside is rolled back unless ``commit`` is called."""

    @property
    def messages(self) -> MessageRepository: ...

    @property
    def idempotency(self) -> IdempotencyRepository: ...

    @property
    def catalog(self) -> CatalogRepository: ...

    @property
    def inventory(self) -> InventoryRepository: ...

    @property
    def orders(self) -> OrderRepository: ...

    @property
    def outbox(self) -> OutboxRepository: ...

    @property
    def fulfilment(self) -> FulfilmentRepository: ...

    @property
    def partners(self) -> PartnerRepository: ...

    @property
    def documents(self) -> DocumentRepository: ...

    @property
    def governance(self) -> GovernanceRepository: ...

    @property
    def sourcing(self) -> SourcingRepository: ...

    @property
    def supply(self) -> SupplyRepository: ...

    @property
    def keys(self) -> KeyRepository: ...

    def __enter__(self) -> Self: ...

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None: ...

    def commit(self) -> None: ...


class UnitOfWorkFactory(Protocol):
    """Opens a unit of work. ``readonly`` ones never take the write lock (SQLite) and are not committed."""

    def __call__(self, *, readonly: bool = False) -> UnitOfWork: ...


class Geocoder(Protocol):
    def locate(self, address: Address) -> GeoPoint | None: ...

    def state_of(self, address: Address) -> str | None:
        """The USPS state or territory of a US ZIP-code address; None elsewhere or when unknown."""
        ...


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

    def add_shipment(self, shipment: ShipmentRecord, raw_message_id: str | None, at: datetime) -> bool: ...

    def mark_lines_shipped(self, order_id: str, location_id: str) -> None: ...

    def recorded_shipments(self, shipment_ids: Sequence[str]) -> set[str]:
        """Which of these WMS shipment ids are recorded already."""
        ...

    def shipped_locations(self, order_id: str) -> set[str]: ...
