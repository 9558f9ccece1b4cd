"""Calling into a running order's workflow: what a person or another system sends it, and the port
the use cases send it through (workflows/order/starter.py implements it with Temporal updates).

No ``from __future__ import annotations``: these are Temporal payloads, and its JSON converter reads
real annotations far faster than it evaluates string ones (workflows/order/shared.py says more)."""

from dataclasses import dataclass, field
from typing import Protocol


@dataclass(frozen=True)
class LineChange:
    """A person's change to one line; an empty field keeps what the line has (prices as decimal text)."""

    line_no: int
    sku: str = ""
    quantity: int = 0
    unit_price: str = ""
    add: bool = False  # a new line (sku, quantity and unit_price all given)
    remove: bool = False  # the line deleted


@dataclass(frozen=True)
class PlannedUnits:
    """Units of one order line from one location, as a backlog plan allocated them."""

    line_no: int
    sku: str
    location_id: str
    quantity: int


@dataclass(frozen=True)
class Resolution:
    exception_id: str
    action: str  # retry | cancel | reroute | override | edit
    actor: str
    note: str = ""
    # edit: the lines' new SKU, quantity or price; override: new unit prices (the price accepted with a reason).
    lines: list[LineChange] = field(default_factory=list)
    location_id: str = ""  # reroute: the location a person chose (else: anywhere but the failed one)
    # reroute: exactly where a plan for many orders at once put this one's units (``plan`` names it).
    allocations: list[PlannedUnits] = field(default_factory=list)
    plan: str = ""

    @property
    def amends(self) -> bool:
        """True if carrying it out changes the lines or pins the location (an amendment, not a plain placement)."""
        return bool(self.lines or self.location_id or self.allocations)


@dataclass(frozen=True)
class CancelRequest:
    reason: str
    actor: str


@dataclass(frozen=True)
class CancelOutcome:
    outcome: str  # cancelled | refused
    detail: str


@dataclass(frozen=True)
class EditRequest:
    """A change to an order its warehouse already has: the WMS is asked to take the release back first."""

    actor: str
    reason: str
    lines: list[LineChange] = field(default_factory=list)


@dataclass(frozen=True)
class EditOutcome:
    outcome: str  # applied | refused
    detail: str


@dataclass(frozen=True)
class ShipmentPing:
    location_id: str
    shipment_id: str


class OrderWorkflowGateway(Protocol):
    """Updates and signals to one order's workflow. A refusal (the workflow rejected the update, or
    it has finished) raises ``WorkflowRefused``."""

    async def resolve(self, order_id: str, resolution: Resolution) -> None: ...

    async def cancel(self, order_id: str, request: CancelRequest) -> CancelOutcome: ...

    async def edit(self, order_id: str, request: EditRequest) -> EditOutcome:
        """An edit after release: applied only if the WMS takes every release back first."""
        ...

    async def shipment_recorded(self, order_id: str, ping: ShipmentPing) -> None:
        """A nudge only: losing one is harmless, the workflow re-reads the store."""
        ...

    async def nudge_sub_order(self, sub_order_id: str) -> None:
        """A seller answered or shipped a sub-order (committed first): its workflow re-reads the store."""
        ...
