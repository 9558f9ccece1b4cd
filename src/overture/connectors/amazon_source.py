"""The SP-API connector as an order source for :func:`overture.services.marketplace_pull.pull_orders`
(``overture amazon pull`` gives it the Amazon channel's translator: cli/amazon.py).

Which orders are imported: seller-fulfilled (MFN) orders in ``Unshipped``, the status in which
Amazon has taken the payment and expects the seller to ship. The others are skipped, counted by
reason, and nothing is fetched for them:

- ``Pending`` / ``PendingAvailability``: not paid yet, and getOrderItems gives no prices; a later
  pull imports the order once it is ``Unshipped``;
- ``Canceled``, ``Unfulfillable``: nothing to ship;
- ``PartiallyShipped``, ``Shipped``, ``InvoiceUnconfirmed``: someone is already shipping it, so it
  is not Overture's to route (an order imported while ``Unshipped`` is already here anyway);
- fulfilled by Amazon (``AFN``): Amazon ships it from its own stock, not ours;
- any status this code does not know.

Without a Restricted Data Token getOrders lists only the public part of the shipping address (city,
region, postal code, country): the rest is read with getOrderAddress for each order imported.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime

import orjson

from overture.connectors.amazon import AmazonOrdersConnector
from overture.services.marketplace_pull import ListedOrder

IMPORTABLE_STATUS = "Unshipped"
_SKIP_BY_STATUS = {
    "Pending": "awaiting_payment",
    "PendingAvailability": "awaiting_payment",
    "Canceled": "canceled",
    "Unfulfillable": "unfulfillable",
    "PartiallyShipped": "already_shipping",
    "Shipped": "already_shipping",
    "InvoiceUnconfirmed": "already_shipping",
}


def skip_reason(order: dict[str, object]) -> str | None:
    """Why an order as getOrders lists it is not imported now; None when it is to be imported."""
    status = str(order.get("OrderStatus") or "")
    if status in _SKIP_BY_STATUS:
        return _SKIP_BY_STATUS[status]
    if status != IMPORTABLE_STATUS:
        return "unknown_status"
    if order.get("FulfillmentChannel") == "AFN":
        return "fulfilled_by_amazon"
    return None


class AmazonOrderSource:
    """:class:`~overture.services.marketplace_pull.OrderSource` over the SP-API connector."""

    def __init__(self, connector: AmazonOrdersConnector, marketplace_ids: list[str], *, channel: str) -> None:
        self.channel = channel
        self._connector = connector
        self._marketplace_ids = marketplace_ids
        # getOrders already returned each order: keep it until its items are fetched.
        self._listed: dict[str, dict[str, object]] = {}

    async def orders_since(self, since: datetime) -> AsyncIterator[ListedOrder]:
        async for order in self._connector.iter_orders(since, self._marketplace_ids):
            order_id = str(order.get("AmazonOrderId") or "")
            reason = skip_reason(order) if order_id else "no_order_id"
            if reason is None:
                self._listed[order_id] = order
            yield ListedOrder(order_id, str(order.get("OrderStatus") or ""), reason)

    async def message(self, order: ListedOrder) -> bytes:
        """``{"order": ..., "items": [...]}`` with both parts exactly as Amazon sent them, and the
        ``address`` getOrderAddress gave when the listing held only the public part of it."""
        items = await self._connector.all_order_items(order.external_id)
        listed = self._listed.pop(order.external_id)
        message: dict[str, object] = {"order": listed, "items": items}
        if not _full_address(listed.get("ShippingAddress")):
            address = await self._connector.get_order_address(order.external_id)
            if address is not None:
                message["address"] = address
        return orjson.dumps(message)


def _full_address(address: object) -> bool:
    """Whether a listed ``ShippingAddress`` is more than SP-API's public part (city, region, postcode)."""
    return isinstance(address, dict) and bool(address.get("AddressLine1"))
