"""Inventory: locations, SKUs, positions, reservations and the movements of the ledger.

Invariant (checked here and enforced atomically by the store): for every position,
``0 <= reserved <= on_hand``. Availability to promise is ``on_hand - reserved -
safety_stock``, never below zero.

Errors::

    InventoryError
     +-- InsufficientStock      a reservation asked for more than is available
     +-- InvalidMovement        a movement would break the invariant or is malformed
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import time
from decimal import Decimal
from enum import StrEnum


class LocationKind(StrEnum):
    WAREHOUSE = "warehouse"
    STORE = "store"
    THIRD_PARTY = "3pl"
    DROP_SHIP = "drop_ship"
    SELLER = "seller"


class SupplierTransport(StrEnum):
    """How a drop-ship location's supplier gets its purchase orders."""

    X12 = "x12"  # an 850 kept for the supplier; its 855 and 856 come back through the EDI intake
    API = "api"  # the supplier's HTTP endpoint, spoken like a WMS (release, then a shipment callback)


@dataclass(frozen=True, slots=True)
class Location:
    id: str
    name: str
    latitude: float
    longitude: float
    kind: LocationKind = LocationKind.WAREHOUSE
    postal_code: str = ""
    country: str = "US"
    capabilities: frozenset[str] = field(default_factory=frozenset)
    priority: int = 100
    active: bool = True
    ship_by_seconds: int = 48 * 3600  # a released order not shipped within this raises an SLA breach
    daily_capacity: int | None = None  # orders it can ship a day (sourcing's capacity constraint); None: no limit
    cutoff_utc: time | None = None  # orders placed after this ship the next day; None: they ship the same day
    supplier_partner_id: str | None = None  # drop-ship: the trading partner that fulfils its lines
    supplier_transport: SupplierTransport = SupplierTransport.X12
    supplier_url: str | None = None  # drop-ship over the API: the supplier's base URL

    def __post_init__(self) -> None:
        if not -90 <= self.latitude <= 90:
            raise ValueError(f"latitude {self.latitude} is outside -90..90")
        if not -180 <= self.longitude <= 180:
            raise ValueError(f"longitude {self.longitude} is outside -180..180")


@dataclass(frozen=True, slots=True)
class Sku:
    sku: str
    description: str = ""
    unit_of_measure: str = "EA"
    weight_kg: float | None = None
    serialized: bool = False
    unit_cost: Decimal | None = None  # what one unit costs us (for margin checks); unknown if None
    hazmat: bool = False  # only locations with the "hazmat" capability may ship it
    oversize: bool = False  # only locations with the "oversize" capability may ship it


@dataclass(frozen=True, slots=True)
class InventoryPosition:
    sku: str
    location_id: str
    on_hand: int = 0
    reserved: int = 0
    safety_stock: int = 0

    @property
    def available(self) -> int:
        return max(0, self.on_hand - self.reserved - self.safety_stock)

    @property
    def consistent(self) -> bool:
        return 0 <= self.reserved <= self.on_hand and self.safety_stock >= 0


class ReservationStatus(StrEnum):
    ACTIVE = "active"
    RELEASED = "released"
    SHIPPED = "shipped"


@dataclass(frozen=True, slots=True)
class Reservation:
    id: str
    order_id: str
    line_no: int
    sku: str
    location_id: str
    quantity: int
    status: ReservationStatus = ReservationStatus.ACTIVE


class MovementKind(StrEnum):
    RECEIPT = "receipt"
    ADJUSTMENT = "adjustment"
    RESERVATION = "reservation"
    RELEASE = "release"
    SHIPMENT = "shipment"
    SALE = "sale"  # units a store sold at its till: on hand down, nothing was reserved for them


@dataclass(frozen=True, slots=True)
class Movement:
    """One ledger entry. ``quantity`` is signed only for adjustments."""

    kind: MovementKind
    sku: str
    location_id: str
    quantity: int
    reason: str = ""
    order_id: str | None = None
    reference: str = ""

    def deltas(self) -> tuple[int, int]:
        """Return (on_hand delta, reserved delta) this movement applies."""
        q = self.quantity
        if self.kind is MovementKind.ADJUSTMENT:
            if q == 0:
                raise InvalidMovement("an adjustment must change the quantity")
            return q, 0
        if q <= 0:
            raise InvalidMovement(f"a {self.kind} needs a positive quantity, got {q}")
        on_hand_sign, reserved_sign = _SIGNS[self.kind]
        return on_hand_sign * q, reserved_sign * q


# (on hand, reserved) direction of each movement kind other than a signed adjustment.
_SIGNS: dict[MovementKind, tuple[int, int]] = {
    MovementKind.RECEIPT: (1, 0),
    MovementKind.RESERVATION: (0, 1),
    MovementKind.RELEASE: (0, -1),
    MovementKind.SHIPMENT: (-1, -1),
    MovementKind.SALE: (-1, 0),
}


class InventoryError(Exception):
    """Base of inventory errors."""


class InvalidMovement(InventoryError):
    pass


@dataclass(frozen=True, slots=True)
class Shortage:
    sku: str
    requested: int
    available: int


class InsufficientStock(InventoryError):
    """Raised with every shortage at once, so the caller can report them together."""

    def __init__(self, shortages: list[Shortage]) -> None:
        self.shortages = shortages
        super().__init__("; ".join(f"{s.sku}: requested {s.requested}, available {s.available}" for s in shortages))


def apply_movement(position: InventoryPosition, movement: Movement) -> InventoryPosition:
    """Return the position after the movement, or raise if it would break the invariant."""
    on_hand_delta, reserved_delta = movement.deltas()
    after = InventoryPosition(
        position.sku,
        position.location_id,
        position.on_hand + on_hand_delta,
        position.reserved + reserved_delta,
        position.safety_stock,
    )
    if movement.kind is MovementKind.RESERVATION and movement.quantity > position.available:
        raise InsufficientStock([Shortage(movement.sku, movement.quantity, position.available)])
    if not after.consistent:
        raise InvalidMovement(
            f"{movement.kind} of {movement.quantity} {movement.sku} at {movement.location_id} would leave "
            f"on hand {after.on_hand} and reserved {after.reserved}"
        )
    return after


def total_available(positions: Mapping[str, InventoryPosition]) -> int:
    return sum(p.available for p in positions.values())
