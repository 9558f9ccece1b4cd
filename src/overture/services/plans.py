"""Read models exchanged between the fulfilment use cases, the store and the order workflow.

Plain dataclasses of simple types, so Temporal's default data converter can carry them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


@dataclass(frozen=True)
class PlanLine:
    line_no: int
    sku: str
    quantity: int
    unit_price: str


@dataclass(frozen=True)
class LocationRelease:
    location_id: str
    ship_by_seconds: int
    lines: list[PlanLine]


@dataclass(frozen=True)
class OpenException:
    id: str
    type: str
    step: str
    reason: str
    allowed_actions: list[str]


@dataclass(frozen=True)
class OrderPlan:
    """What the workflow needs to know about an order, read fresh from the store."""

    order_id: str
    status: str
    currency: str
    total: str
    customer: dict[str, Any]
    ship_to: dict[str, Any]
    lines: list[PlanLine]
    releases: list[LocationRelease] = field(default_factory=list)
    open_exceptions: list[OpenException] = field(default_factory=list)


@dataclass(frozen=True)
class ShipmentRecord:
    shipment_id: str
    order_id: str
    location_id: str
    carrier: str
    tracking_number: str
    shipped_at: datetime
    lines: list[dict[str, Any]]


@dataclass(frozen=True)
class ShipmentOutcome:
    recorded: bool  # False for a duplicate delivery of a shipment already recorded
    order_id: str
    location_id: str
    shipment_id: str
