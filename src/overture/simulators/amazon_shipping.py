"""The simulated seller's orders after the listing: the buyer's address behind getOrderAddress, and
shipment confirmations (confirmShipment) moving items to shipped, checked as SP-API checks them.

Without a Restricted Data Token, SP-API lists an order's ``ShippingAddress`` with only the fields
that are not personal data (city, region, postal code, country); ``listed`` does the same when the
simulator is told to restrict addresses, so a connector has to call getOrderAddress for the rest.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

PUBLIC_ADDRESS_FIELDS = ("City", "StateOrRegion", "PostalCode", "CountryCode")
_SHIPPABLE = {"Unshipped", "PartiallyShipped"}


class Refused(Exception):
    """A confirmation SP-API would refuse: 400 with this code."""

    def __init__(self, code: str, message: str, details: str = "") -> None:
        super().__init__(message)
        self.code = code
        self.details = details


def listed(order: dict[str, Any], *, restricted: bool) -> dict[str, Any]:
    """The order as getOrders lists it to a caller without an RDT."""
    address = order.get("ShippingAddress")
    if not restricted or not isinstance(address, dict):
        return order
    return {**order, "ShippingAddress": {k: address[k] for k in PUBLIC_ADDRESS_FIELDS if k in address}}


def address_payload(order_id: str, order: dict[str, Any]) -> dict[str, Any]:
    payload: dict[str, Any] = {"AmazonOrderId": order_id}
    if isinstance(order.get("ShippingAddress"), dict):
        payload["ShippingAddress"] = order["ShippingAddress"]
    return payload


def confirm(entry: dict[str, Any], body: Any, confirmations: list[dict[str, Any]]) -> None:
    """Apply one ConfirmShipmentRequest to a held ``{"order", "items"}`` entry, or raise Refused."""
    order, items = entry["order"], entry["items"]
    package = _package(body, order)
    if order.get("OrderStatus") not in _SHIPPABLE:
        raise Refused("InvalidInput", f"order {order['AmazonOrderId']} is {order.get('OrderStatus')}, not shippable")
    by_id = {str(item.get("OrderItemId")): item for item in items}
    wanted: list[tuple[dict[str, Any], int]] = []
    for line in package["orderItems"]:
        item = by_id.get(str(line.get("orderItemId")) if isinstance(line, dict) else "")
        quantity = line.get("quantity") if isinstance(line, dict) else None
        if item is None or not isinstance(quantity, int) or quantity < 1:
            raise Refused("InvalidInput", "Invalid Input", f"orderItems: unknown orderItemId or bad quantity in {line}")
        if quantity > int(item.get("QuantityOrdered", 0)) - int(item.get("QuantityShipped", 0)):
            raise Refused("InvalidInput", "Invalid Input", f"orderItemId {item['OrderItemId']}: more than is unshipped")
        wanted.append((item, quantity))
    for item, quantity in wanted:
        item["QuantityShipped"] = int(item.get("QuantityShipped", 0)) + quantity
    done = all(int(i.get("QuantityShipped", 0)) >= int(i.get("QuantityOrdered", 0)) for i in items)
    order["OrderStatus"] = "Shipped" if done else "PartiallyShipped"
    confirmations.append({"order_id": order["AmazonOrderId"], **body})


def _package(body: Any, order: dict[str, Any]) -> dict[str, Any]:
    if not isinstance(body, dict) or not isinstance(body.get("packageDetail"), dict):
        raise Refused("InvalidInput", "Invalid Input", "packageDetail is required")
    if body.get("marketplaceId") != order.get("MarketplaceId"):
        raise Refused("InvalidInput", "Invalid Input", "marketplaceId does not match the order's")
    package: dict[str, Any] = body["packageDetail"]
    for name in ("packageReferenceId", "carrierCode", "trackingNumber", "shipDate"):
        if not isinstance(package.get(name), str) or not package[name]:
            raise Refused("InvalidInput", "Invalid Input", f"packageDetail.{name} is required")
    try:
        datetime.fromisoformat(package["shipDate"].replace("Z", "+00:00"))
    except ValueError:
        raise Refused("Invalid Input", "Invalid Input", "packageDetail.shipDate must be ISO 8601") from None
    if not isinstance(package.get("orderItems"), list) or not package["orderItems"]:
        raise Refused("InvalidInput", "Invalid Input", "packageDetail.orderItems is required")
    return package
