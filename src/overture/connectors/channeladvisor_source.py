"""ChannelAdvisor as an order source for :func:`overture.services.marketplace_pull.pull_orders`
(``overture channeladvisor pull`` gives it the channel's translator: cli/channeladvisor.py).

What is listed: orders created since the given moment that this application has not marked exported.
The whole listing is read first, every ``@odata.nextLink`` followed, and only then handed out: marking
an order exported takes it out of the ``exported=false`` set, so paging by ``$skip`` while marking would
step over orders.

Marking: an order is marked exported once the pull has captured it (imported, held, already imported,
or quarantined with its raw message: the hub has it either way), so the next pull does not list it
again. The mark is sent when the pull asks for the next order, that is after the capture committed; a
pull that stops before (a connector error, a crash) leaves the order unmarked, and the next pull
captures it, once, by its idempotency key. Orders skipped are not marked, so a later pull looks again:

- ``Unshipped`` / ``PendingShipment`` orders whose payment cleared are imported;
- payment not cleared yet (``NotYetSubmitted``, ``Submitted``): ``awaiting_payment``; ``Failed``: ``payment_failed``;
- ``Shipped`` / ``PartiallyShipped``: ``already_shipping``; ``Canceled``: ``canceled``;
  ``ThirdPartyManaged`` (fulfilled outside ChannelAdvisor, e.g. by the marketplace): ``third_party_managed``;
- any other shipping status: ``unknown_status``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime
from typing import Any

import orjson

from overture.connectors.channeladvisor import ChannelAdvisorConnector
from overture.services.marketplace_pull import ListedOrder

_IMPORTABLE_SHIPPING = frozenset({"Unshipped", "PendingShipment"})
_SKIP_BY_SHIPPING = {
    "Shipped": "already_shipping",
    "PartiallyShipped": "already_shipping",
    "Canceled": "canceled",
    "ThirdPartyManaged": "third_party_managed",
}
_SKIP_BY_PAYMENT = {"NotYetSubmitted": "awaiting_payment", "Submitted": "awaiting_payment", "Failed": "payment_failed"}


def skip_reason(order: dict[str, Any]) -> str | None:
    """Why a listed order is not imported now; None when it is to be imported."""
    shipping = str(order.get("ShippingStatus") or "")
    if shipping in _SKIP_BY_SHIPPING:
        return _SKIP_BY_SHIPPING[shipping]
    if shipping not in _IMPORTABLE_SHIPPING:
        return "unknown_status"
    return _SKIP_BY_PAYMENT.get(str(order.get("PaymentStatus") or ""))


class ChannelAdvisorOrderSource:
    """:class:`~overture.services.marketplace_pull.OrderSource` over the ChannelAdvisor connector."""

    def __init__(self, connector: ChannelAdvisorConnector, *, channel: str) -> None:
        self.channel = channel
        self._connector = connector
        self._listed: dict[str, dict[str, Any]] = {}
        self._fetched: list[str] = []

    async def orders_since(self, since: datetime) -> AsyncIterator[ListedOrder]:
        listing = [order async for order in self._connector.iter_unexported_orders(since)]
        for order in listing:
            order_id = str(order.get("ID") or "")
            reason = skip_reason(order) if order_id else "no_order_id"
            if reason is None:
                self._listed[order_id] = order
            yield ListedOrder(order_id, str(order.get("ShippingStatus") or ""), reason)
            await self._mark_captured()  # the pull asks for the next order only once this one is captured

    async def message(self, order: ListedOrder) -> bytes:
        """The order (with its Items, their Promotions, and its Fulfillments) exactly as listed."""
        listed = self._listed.pop(order.external_id)
        self._fetched.append(order.external_id)
        return orjson.dumps(listed)

    async def _mark_captured(self) -> None:
        while self._fetched:
            await self._connector.mark_exported(self._fetched[0])
            self._fetched.pop(0)
