"""Amazon's side of ``ChannelFulfilments``: a shipment of an Amazon order confirmed with SP-API's
confirmShipment (Orders v0), the package's tracking number against Amazon's own order item ids.

What is sent is worked out from Amazon's current view of the order, read first:

- getOrder: the marketplace the order belongs to, and its status (``Shipped``: nothing left to
  confirm, an earlier send whose answer was lost went through; ``Canceled``: refused, by name);
- getOrderItems: each ``OrderItemId`` by ``SellerSKU`` (our SKU is the SellerSKU the order came
  with, channels/amazon.py) and how many units are still unshipped.

Each shipped line is confirmed for at most what Amazon still counts as unshipped, so a send repeated
after a lost answer does not confirm units twice; a shipment none of whose units is unshipped any more
is ``already_confirmed``. (SP-API has no idempotency key: if another package of the same SKU is still
owed when a lost answer is retried, its units may be taken for this one's; Amazon then refuses the
last one as over quantity, which shows as a failed confirmation on the order.)

Carriers: Amazon wants its own ``carrierCode``; the common ones are mapped, any other is sent as
``Other`` with the carrier's name in ``carrierName``, as the API model asks.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any

from overture.connectors.amazon import AmazonOrdersConnector
from overture.connectors.http import HttpConnector
from overture.services.ports.channel_fulfilment import (
    ConfirmationOutcome,
    ConfirmationResult,
    ShipmentConfirmation,
)
from overture.services.ports.connector_errors import PermanentConnectorError

CHANNEL = "amazon"
# Amazon's carrier codes for the carriers our WMS names most often (lower-cased name -> code).
CARRIER_CODES = {
    "ups": "UPS",
    "usps": "USPS",
    "fedex": "FedEx",
    "dhl": "DHL",
    "dhl express": "DHL",
    "ontrac": "OnTrac",
    "lasership": "Lasership",
    "canada post": "Canada Post",
    "royal mail": "Royal Mail",
    "dpd": "DPD",
    "hermes": "Hermes",
}


class AmazonShipmentConfirmer:
    """Confirms the shipments of ``channel``'s orders through one seller account's SP-API connector."""

    def __init__(
        self,
        connector: AmazonOrdersConnector,
        *,
        channel: str = CHANNEL,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        closing: Sequence[HttpConnector] = (),
    ) -> None:
        """``closing``: connectors closed with this one (the LWA tokens its connector asks)."""
        self._connector = connector
        self._channel = channel
        self._clock = clock
        self._closing = tuple(closing)

    async def aclose(self) -> None:
        await self._connector.aclose()
        for other in self._closing:
            await other.aclose()

    def handles(self, channel: str) -> bool:
        return channel == self._channel

    async def confirm_shipment(self, confirmation: ShipmentConfirmation) -> ConfirmationResult:
        order_id = confirmation.channel_order_id
        order = await self._connector.get_order(order_id)
        status = str(order.get("OrderStatus") or "")
        if status == "Shipped":
            return ConfirmationResult(ConfirmationOutcome.ALREADY_CONFIRMED, detail="Amazon has the order as Shipped")
        if status in {"Canceled", "Unfulfillable", "Pending", "PendingAvailability"}:
            raise PermanentConnectorError(
                f"order {order_id} is {status} at Amazon: its shipment cannot be confirmed",
                connector=self._connector.name,
                operation="confirmShipment",
            )
        items = await self._connector.all_order_items(order_id)
        lines = _order_items(confirmation, items)
        if not lines:
            return ConfirmationResult(
                ConfirmationOutcome.ALREADY_CONFIRMED, detail="no shipped unit is unshipped at Amazon"
            )
        body = {
            "marketplaceId": str(order.get("MarketplaceId") or ""),
            "packageDetail": self._package(confirmation, lines),
        }
        await self._connector.confirm_shipment(order_id, body)
        return ConfirmationResult(ConfirmationOutcome.CREATED, reference=confirmation.shipment_id)

    def _package(self, confirmation: ShipmentConfirmation, lines: list[dict[str, Any]]) -> dict[str, Any]:
        carrier = confirmation.carrier.strip()
        code = CARRIER_CODES.get(carrier.lower(), "Other")
        package: dict[str, Any] = {
            "packageReferenceId": confirmation.shipment_id,
            "carrierCode": code,
            "trackingNumber": confirmation.tracking_number,
            "shipDate": self._clock().astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "orderItems": lines,
        }
        if code == "Other":
            package["carrierName"] = carrier or "Other"
        return package


def _order_items(confirmation: ShipmentConfirmation, items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """``{"orderItemId", "quantity"}`` for the shipped units Amazon still counts as unshipped."""
    unshipped: dict[str, list[list[Any]]] = {}
    for item in items:
        left = int(item.get("QuantityOrdered") or 0) - int(item.get("QuantityShipped") or 0)
        if left > 0:
            unshipped.setdefault(str(item.get("SellerSKU")), []).append([str(item["OrderItemId"]), left])
    lines: list[dict[str, Any]] = []
    for unit in confirmation.lines:
        wanted = unit.quantity
        for entry in unshipped.get(unit.sku, []):
            take = min(wanted, entry[1])
            if take:
                lines.append({"orderItemId": entry[0], "quantity": take})
                entry[1] -= take
                wanted -= take
    return lines
