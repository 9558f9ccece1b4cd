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
    location_id: str = ""  # the location it is about (a failed release, a supplier's refusal), if any


@dataclass(frozen=True)
class ReleaseTarget:
    location_id: str
    ship_by_seconds: int


@dataclass(frozen=True)
class OrderPlan:
    """What the workflow needs to choose its next step, read fresh from the store.

    Kept small on purpose: every copy is written to the workflow's history and decoded on each
    replay. What an outside system is sent (lines, addresses, totals) is read by the activity that
    sends it (``OrderDocument``)."""

    order_id: str
    status: str
    customer_email: str
    releases: list[ReleaseTarget] = field(default_factory=list)
    open_exceptions: list[OpenException] = field(default_factory=list)


@dataclass(frozen=True)
class OrderDocument:
    """The order as outside systems are sent it: lines, parties, totals and what each location ships."""

    order_id: str
    currency: str
    total: str
    customer: dict[str, Any]
    ship_to: dict[str, Any]
    lines: list[PlanLine]
    releases: list[LocationRelease]

    def release_at(self, location_id: str) -> LocationRelease:
        for release in self.releases:
            if release.location_id == location_id:
                return release
        raise LookupError(f"order {self.order_id} has nothing reserved at {location_id}")


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
