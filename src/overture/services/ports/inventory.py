"""Catalogue, stock, sourcing and inbound supply."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any, Protocol

from overture.domain.inventory import InventoryPosition, Location, Movement, Reservation, Sku
from overture.domain.routing import Allocation, LocationStock
from overture.domain.sourcing import SourcingConfig
from overture.domain.supply import Backorder, InboundSupply, SupplyStatus
from overture.services.ports.erp_catalog import ErpCatalogRepository


@dataclass(frozen=True, slots=True)
class Availability:
    known_skus: set[str]
    stock: list[LocationStock]
    traits: dict[str, SkuTraits] = field(default_factory=dict)  # of the known SKUs


@dataclass(frozen=True, slots=True)
class SkuTraits:
    """What sourcing needs of a SKU besides its stock."""

    weight_kg: float
    hazmat: bool
    oversize: bool


class CatalogRepository(ErpCatalogRepository, Protocol):
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

    def update_location(self, location: Location) -> None:
        """Save the operating settings of a location that exists (priority, active, ship-by, capacity, cut-off)."""
        ...


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

    def positions(self, pairs: Collection[tuple[str, str]]) -> dict[tuple[str, str], InventoryPosition]:
        """These (SKU, location) positions as they stand; a pair never stocked is absent."""
        ...

    def adjust(self, movement: Movement, at: datetime) -> InventoryPosition:
        """Apply a signed correction; raise InvalidMovement if on hand would drop below reserved."""
        ...

    def sell(self, movement: Movement, at: datetime) -> int:
        """Take a store's sale (a ``sale`` movement) off on hand, never below reserved; the units taken."""
        ...

    def settle_reservations(
        self,
        order_id: str,
        *,
        shipped: bool,
        at: datetime,
        reason: str,
        location_id: str | None = None,
        line_nos: Collection[int] | None = None,
    ) -> list[Reservation]:
        """Release (or ship) every active reservation of the order (at one location, of some lines, if given)."""
        ...

    def safety_stock(self, sku: str, location_id: str) -> int | None:
        """The position's safety stock; None when there is no position yet."""
        ...

    def set_safety_stock(self, sku: str, location_id: str, quantity: int, at: datetime) -> InventoryPosition: ...


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
