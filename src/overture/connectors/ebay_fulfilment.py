"""eBay's side of ``ChannelFulfilments``: a shipment of an eBay order becomes a shipping fulfillment
(``POST .../order/{orderId}/shipping_fulfillment``) naming its line items, carrier and tracking number.

What is sent is worked out from eBay's current view, read first:

- getShippingFulfillments: a fulfillment already carrying this tracking number is ``already_confirmed``
  (an earlier send whose answer was lost went through; nothing is sent twice). eBay's fulfillment id is the
  tracking number itself when one is given, and tracking numbers are alphanumeric only, so ours is sent
  (and compared) without spaces or hyphens;
- getOrder: a cancelled order (``cancelStatus.cancelState`` ``CANCELED``) is refused by name; each shipped
  unit goes to the order's line item of its SKU (ours is the seller's SKU the order came with,
  channels/ebay.py), for at most what the order's fulfillments do not already carry, so a repeated send
  never fulfils units twice; a shipment none of whose units is still open is ``nothing_to_confirm``.

Carriers: eBay wants its own ``shippingCarrierCode``; the common ones are mapped, any other is sent as our
WMS named it (eBay refuses a code it does not know, which shows as a failed confirmation on the order).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from overture.connectors.ebay import EbayConnector, Fulfillment, OrderHead, iso_ms
from overture.services.ports.channel_fulfilment import (
    ConfirmationOutcome,
    ConfirmationResult,
    ShipmentConfirmation,
)
from overture.services.ports.connector_errors import PermanentConnectorError

CHANNEL = "ebay"
OPERATION = "createShippingFulfillment"
# eBay's ShippingCarrierCodeType values for the carriers our WMS names most often (lower-cased name -> code).
CARRIER_CODES = {
    "ups": "UPS",
    "usps": "USPS",
    "fedex": "FedEx",
    "dhl": "DHL",
    "dhl express": "DHL",
    "ontrac": "OnTrac",
    "canada post": "CanadaPost",
    "royal mail": "RoyalMail",
}
_NOT_ALNUM = re.compile(r"[^A-Za-z0-9]")


def tracking_code(tracking_number: str) -> str:
    """A tracking number as eBay takes it: letters and digits only."""
    return _NOT_ALNUM.sub("", tracking_number)


class EbayShipments:
    """Confirms the shipments of ``channel``'s orders through one seller account's connector."""

    def __init__(
        self,
        connector: EbayConnector,
        *,
        channel: str = CHANNEL,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._connector = connector
        self._channel = channel
        self._clock = clock

    def handles(self, channel: str) -> bool:
        return channel == self._channel

    async def aclose(self) -> None:
        await self._connector.aclose()

    async def confirm_shipment(self, confirmation: ShipmentConfirmation) -> ConfirmationResult:
        order_id = confirmation.channel_order_id
        tracking = tracking_code(confirmation.tracking_number)
        fulfillments = await self._connector.shipping_fulfillments(order_id)
        for fulfillment in fulfillments:
            if tracking and tracking_code(fulfillment.shipment_tracking_number or "") == tracking:
                return ConfirmationResult(
                    ConfirmationOutcome.ALREADY_CONFIRMED,
                    reference=fulfillment.fulfillment_id,
                    detail="eBay has a shipping fulfillment with this tracking number",
                )
        order = await self._connector.get_order(order_id)
        if order.cancel_status is not None and order.cancel_status.cancel_state == "CANCELED":
            raise PermanentConnectorError(
                f"order {order_id} is cancelled at eBay: its shipment cannot be confirmed",
                connector=self._connector.name,
                operation=OPERATION,
            )
        lines = _line_items(confirmation, order, fulfillments)
        if not lines:
            return ConfirmationResult(
                ConfirmationOutcome.NOTHING_TO_CONFIRM, detail="every shipped unit is already in a fulfillment at eBay"
            )
        body: dict[str, Any] = {"lineItems": lines, "shippedDate": iso_ms(self._clock())}
        if tracking:  # eBay takes both or neither
            carrier = confirmation.carrier.strip()
            body |= {"shippingCarrierCode": CARRIER_CODES.get(carrier.lower(), carrier), "trackingNumber": tracking}
        fulfillment_id = await self._connector.create_shipping_fulfillment(order_id, body)
        return ConfirmationResult(ConfirmationOutcome.CREATED, reference=fulfillment_id)


def _line_items(
    confirmation: ShipmentConfirmation, order: OrderHead, fulfillments: list[Fulfillment]
) -> list[dict[str, Any]]:
    """``{"lineItemId", "quantity"}`` for the shipped units the order's fulfillments do not carry yet
    (every open unit when the shipment names none)."""
    left = {item.line_item_id: item.quantity for item in order.line_items}
    for fulfillment in fulfillments:
        for done in fulfillment.line_items:
            left[done.line_item_id] = left.get(done.line_item_id, 0) - done.quantity
    if not confirmation.lines:
        return [{"lineItemId": i, "quantity": n} for i, n in left.items() if n > 0]
    lines: list[dict[str, Any]] = []
    for unit in confirmation.lines:
        wanted = unit.quantity
        for item in order.line_items:
            take = min(wanted, left[item.line_item_id]) if item.sku == unit.sku else 0
            if take > 0:
                lines.append({"lineItemId": item.line_item_id, "quantity": take})
                left[item.line_item_id] -= take
                wanted -= take
    return lines
