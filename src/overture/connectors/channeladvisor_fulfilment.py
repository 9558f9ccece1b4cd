"""ChannelAdvisor's side of ``ChannelFulfilments``: a shipment of an order pulled from ChannelAdvisor is
marked shipped with ``POST /v1/Orders(ID)/Ship``; ChannelAdvisor passes the tracking number on to the
marketplace the order came from (Walmart, eBay, Amazon...).

What is sent is worked out from ChannelAdvisor's current view of the order, read first (its Items and
its Fulfillments with their items):

- ``ShippingStatus`` ``Shipped``, or a fulfilment already ``Complete`` with this tracking number or with
  our shipment id as ``SellerFulfillmentID``: ``already_confirmed`` (an earlier send whose answer was
  lost went through; nothing is sent twice);
- ``Canceled``: refused by name;
- a shipment carrying every unit still unshipped: the order is shipped with its carrier, tracking number
  and our shipment id as ``SellerFulfillmentID``, from the distribution center and in the shipping class
  of its open fulfilment (what the buyer asked for; ChannelAdvisor checks carrier and class against the
  account's list, so a carrier it does not know comes back as a refusal on the order);
- a shipment carrying only part of it: refused, to be marked in ChannelAdvisor by hand. Shipping part of
  an order takes creating a fulfilment and moving items into it, which this adapter does not do yet.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from overture.connectors.channeladvisor import ChannelAdvisorConnector
from overture.services.ports.channel_fulfilment import (
    ConfirmationOutcome,
    ConfirmationResult,
    ShipmentConfirmation,
)
from overture.services.ports.connector_errors import PermanentConnectorError

CHANNEL = "channeladvisor"
OPERATION = "shipOrder"


class ChannelAdvisorShipments:
    """Confirms the shipments of ``channel``'s orders through one account's connector."""

    def __init__(
        self,
        connector: ChannelAdvisorConnector,
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
        order = await self._connector.get_order(order_id)
        done = _already_done(order, confirmation)
        if done is not None:
            return done
        if order.get("ShippingStatus") == "Canceled":
            raise self._refused(f"order {order_id} is Canceled in ChannelAdvisor: its shipment cannot be confirmed")
        left = _unshipped(order)
        shipped = Counter({unit.sku: unit.quantity for unit in confirmation.lines})
        if confirmation.lines and shipped != left:
            raise self._refused(
                f"shipment {confirmation.shipment_id} carries part of order {order_id} ({dict(shipped)} of "
                f"{dict(left)} unshipped): mark it shipped in ChannelAdvisor by hand"
            )
        await self._connector.ship(order_id, self._value(order, confirmation))
        return ConfirmationResult(ConfirmationOutcome.CREATED, reference=confirmation.shipment_id)

    def _value(self, order: dict[str, Any], confirmation: ShipmentConfirmation) -> dict[str, Any]:
        open_one = next((f for f in _fulfilments(order) if f.get("DeliveryStatus") != "Complete"), {})
        value: dict[str, Any] = {
            "ShippedDateUtc": self._clock().astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "TrackingNumber": confirmation.tracking_number,
            "SellerFulfillmentID": confirmation.shipment_id,
            "DeliveryStatus": "Complete",
            "ShippingCarrier": confirmation.carrier or open_one.get("ShippingCarrier"),
            "ShippingClass": open_one.get("ShippingClass"),
        }
        if open_one.get("DistributionCenterID") is not None:
            value["DistributionCenterID"] = open_one["DistributionCenterID"]
        return value

    def _refused(self, message: str) -> PermanentConnectorError:
        return PermanentConnectorError(message, connector=self._connector.name, operation=OPERATION)


def _already_done(order: dict[str, Any], confirmation: ShipmentConfirmation) -> ConfirmationResult | None:
    for fulfilment in _fulfilments(order):
        if fulfilment.get("DeliveryStatus") != "Complete":
            continue
        ours = fulfilment.get("SellerFulfillmentID") == confirmation.shipment_id
        if ours or (confirmation.tracking_number and fulfilment.get("TrackingNumber") == confirmation.tracking_number):
            return ConfirmationResult(
                ConfirmationOutcome.ALREADY_CONFIRMED,
                reference=str(fulfilment.get("ID") or ""),
                detail="ChannelAdvisor has this shipment's fulfilment as Complete",
            )
    if order.get("ShippingStatus") == "Shipped":
        return ConfirmationResult(
            ConfirmationOutcome.ALREADY_CONFIRMED, detail="ChannelAdvisor has the order as Shipped"
        )
    return None


def _fulfilments(order: dict[str, Any]) -> list[dict[str, Any]]:
    found = order.get("Fulfillments")
    return [f for f in found if isinstance(f, dict)] if isinstance(found, list) else []


def _unshipped(order: dict[str, Any]) -> Counter[str]:
    """Units by SKU not yet in a Complete fulfilment."""
    sku_of = {item.get("ID"): str(item.get("Sku")) for item in order.get("Items") or [] if isinstance(item, dict)}
    left: Counter[str] = Counter()
    for item in order.get("Items") or []:
        left[str(item.get("Sku"))] += int(item.get("Quantity") or 0)
    for fulfilment in _fulfilments(order):
        if fulfilment.get("DeliveryStatus") == "Complete":
            for unit in fulfilment.get("Items") or []:
                left[sku_of.get(unit.get("OrderItemID"), "")] -= int(unit.get("Quantity") or 0)
    return +left
