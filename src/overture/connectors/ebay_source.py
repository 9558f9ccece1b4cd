"""eBay as an order source for :func:`overture.services.marketplace_pull.pull_orders` (``overture ebay pull``
gives it the eBay channel's translator: cli/ebay.py).

What is listed: orders created since the given moment that are not yet fully shipped (getOrders' documented
``orderfulfillmentstatus:{NOT_STARTED|IN_PROGRESS}``), every ``next`` page followed. eBay keeps no export
state for an application, so a later pull lists them again and the hub's idempotency key
(``ebay:<orderId>``) makes each one captured once. getOrders already returns the whole order (line items,
pricing, ship-to), so nothing more is fetched. Which are imported:

- ``orderPaymentStatus`` ``PAID`` and ``orderFulfillmentStatus`` ``NOT_STARTED``: imported;
- a cancellation requested or done (``cancelStatus.cancelState`` ``IN_PROGRESS`` / ``CANCELED``):
  ``cancel_requested`` / ``canceled``;
- ``IN_PROGRESS`` or ``FULFILLED``: ``already_shipping`` (someone else is shipping it);
- ``PENDING``: ``awaiting_payment`` (a later pull imports it once paid); ``FAILED``: ``payment_failed``;
  ``FULLY_REFUNDED`` / ``PARTIALLY_REFUNDED``: ``refunded``;
- any other status: ``unknown_status``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime
from typing import Any

import orjson

from overture.connectors.ebay import EbayConnector
from overture.services.marketplace_pull import ListedOrder

_SKIP_BY_CANCEL = {"CANCELED": "canceled", "IN_PROGRESS": "cancel_requested"}
_SKIP_BY_FULFILLMENT = {"IN_PROGRESS": "already_shipping", "FULFILLED": "already_shipping"}
_SKIP_BY_PAYMENT = {
    "PENDING": "awaiting_payment",
    "FAILED": "payment_failed",
    "FULLY_REFUNDED": "refunded",
    "PARTIALLY_REFUNDED": "refunded",
}


def skip_reason(order: dict[str, Any]) -> str | None:
    """Why a listed order is not imported now; None when it is to be imported."""
    cancel = order.get("cancelStatus")
    state = str(cancel.get("cancelState") or "") if isinstance(cancel, dict) else ""
    if state in _SKIP_BY_CANCEL:
        return _SKIP_BY_CANCEL[state]
    fulfillment = str(order.get("orderFulfillmentStatus") or "")
    if fulfillment in _SKIP_BY_FULFILLMENT:
        return _SKIP_BY_FULFILLMENT[fulfillment]
    payment = str(order.get("orderPaymentStatus") or "")
    if payment in _SKIP_BY_PAYMENT:
        return _SKIP_BY_PAYMENT[payment]
    if fulfillment != "NOT_STARTED" or payment != "PAID":
        return "unknown_status"
    return None


class EbayOrderSource:
    """:class:`~overture.services.marketplace_pull.OrderSource` over the eBay connector."""

    def __init__(self, connector: EbayConnector, *, channel: str) -> None:
        self.channel = channel
        self._connector = connector
        self._listed: dict[str, dict[str, Any]] = {}

    async def orders_since(self, since: datetime) -> AsyncIterator[ListedOrder]:
        async for order in self._connector.iter_orders(since):
            order_id = str(order.get("orderId") or "")
            reason = skip_reason(order) if order_id else "no_order_id"
            if reason is None:
                self._listed[order_id] = order
            status = f"{order.get('orderFulfillmentStatus')}/{order.get('orderPaymentStatus')}"
            yield ListedOrder(order_id, status, reason)

    async def message(self, order: ListedOrder) -> bytes:
        """The order exactly as getOrders listed it."""
        return orjson.dumps(self._listed.pop(order.external_id))
