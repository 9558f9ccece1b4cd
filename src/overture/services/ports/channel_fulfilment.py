"""Telling a sales channel that its order shipped: one port for every channel that wants to know
(Shopify's fulfilments now; Amazon's confirmShipment, eBay and Walmart later).

A shipment recorded for an order of such a channel owes the channel a confirmation (an outbox row
written in the shipment's transaction, services/channel_fulfilment.py); the worker side sends each
owed one through ``ChannelFulfilments`` and marks it sent. An implementation must be idempotent on
its own: a send retried after a lost answer must not make a second fulfilment at the channel (the
Shopify adapter looks for the tracking number among the order's fulfilments first).

Errors are those of :mod:`overture.services.ports.connector_errors`: a retryable one leaves the
confirmation owed for the next pass, a permanent one becomes an exception on the order.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Protocol


@dataclass(frozen=True, slots=True)
class ShippedUnits:
    """Units of one order line in the shipment, named by our SKU (the channel's own when it gave none)."""

    line_no: int
    sku: str
    quantity: int


@dataclass(frozen=True, slots=True)
class ShipmentConfirmation:
    """What the channel is told: which of its orders, which units left, by which carrier and tracking."""

    channel: str
    order_id: str  # ours
    channel_order_id: str  # the channel's own id for the order (Shopify's numeric order id)
    shipment_id: str
    carrier: str
    tracking_number: str
    lines: tuple[ShippedUnits, ...]
    tracking_url: str = ""

    def payload(self) -> dict[str, Any]:
        """As kept in the outbox row (JSON)."""
        return {
            "channel": self.channel,
            "order_id": self.order_id,
            "channel_order_id": self.channel_order_id,
            "shipment_id": self.shipment_id,
            "carrier": self.carrier,
            "tracking_number": self.tracking_number,
            "tracking_url": self.tracking_url,
            "lines": [{"line_no": x.line_no, "sku": x.sku, "quantity": x.quantity} for x in self.lines],
        }

    @classmethod
    def from_payload(cls, data: dict[str, Any]) -> ShipmentConfirmation:
        lines = tuple(ShippedUnits(int(x["line_no"]), str(x["sku"]), int(x["quantity"])) for x in data["lines"])
        return cls(
            channel=str(data["channel"]),
            order_id=str(data["order_id"]),
            channel_order_id=str(data["channel_order_id"]),
            shipment_id=str(data["shipment_id"]),
            carrier=str(data["carrier"]),
            tracking_number=str(data["tracking_number"]),
            lines=lines,
            tracking_url=str(data.get("tracking_url", "")),
        )


class ConfirmationOutcome(StrEnum):
    CREATED = "created"  # the channel now has a fulfilment for these units with this tracking
    ALREADY_CONFIRMED = "already_confirmed"  # it had one already (an earlier send whose answer was lost)
    NOTHING_TO_CONFIRM = "nothing_to_confirm"  # none of the shipped units is still open at the channel


@dataclass(frozen=True, slots=True)
class ConfirmationResult:
    outcome: ConfirmationOutcome
    reference: str = ""  # the channel's id of the fulfilment (a Shopify gid), when there is one
    detail: str = ""


class ChannelFulfilments(Protocol):
    """Confirms shipments to the channels that take them, each by its own API."""

    def handles(self, channel: str) -> bool:
        """Whether shipments of this channel's orders are confirmed to it (configured here)."""
        ...

    async def confirm_shipment(self, confirmation: ShipmentConfirmation) -> ConfirmationResult:
        """Give the channel its fulfilment for the shipped units, once however often it is called."""
        ...


class OwedConfirmations(Protocol):
    """The confirmations still owed (outbox rows not yet sent), oldest first, read with their payload."""

    def pending(self, limit: int) -> list[tuple[int, dict[str, Any]]]: ...
