"""Walmart Marketplace orders as an order source for :func:`overture.services.marketplace_pull.pull_orders`
(``overture walmart pull``), and the confirmations of their shipments (``ChannelFulfilments``).

Which orders are imported: those with a line Walmart still has ``Created`` or ``Acknowledged`` (the seller
owes the shipment); every line ``Shipped``, ``Delivered`` or ``Cancelled``: skipped by reason. Walmart asks a
seller to acknowledge an order it takes: each one is acknowledged after its capture commits (a repeated
acknowledgement is harmless, so a lost answer is acknowledged again on the next pull).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import orjson

from overture.connectors.walmart import Shipment, WalmartOrdersConnector
from overture.services.marketplace_pull import ListedOrder
from overture.services.ports.channel_fulfilment import ConfirmationOutcome, ConfirmationResult, ShipmentConfirmation

CHANNEL = "walmart"
OPEN = ("Created", "Acknowledged")
# Walmart's carrier names for the carriers our WMS names most often (lower-cased -> Walmart's).
CARRIERS = {"ups": "UPS", "usps": "USPS", "fedex": "FedEx", "dhl": "DHL", "ontrac": "OnTrac", "lasership": "LaserShip"}


def statuses(order: dict[str, Any]) -> set[str]:
    lines = (order.get("orderLines") or {}).get("orderLine") or []
    found = set()
    for line in lines:
        for status in (line.get("orderLineStatuses") or {}).get("orderLineStatus") or []:
            found.add(str(status.get("status") or ""))
    return found


def skip_reason(order: dict[str, Any]) -> str | None:
    held = statuses(order)
    if held & set(OPEN):
        return None
    if held <= {"Cancelled"}:
        return "cancelled"
    return "already_shipping"


class WalmartOrderSource:
    def __init__(self, connector: WalmartOrdersConnector, *, channel: str = CHANNEL) -> None:
        self.channel = channel
        self._connector = connector
        self._listed: dict[str, dict[str, Any]] = {}
        self._fetched: list[str] = []

    async def orders_since(self, since: datetime) -> AsyncIterator[ListedOrder]:
        async for order in self._connector.iter_orders(since):
            po = str(order.get("purchaseOrderId") or "")
            reason = skip_reason(order) if po else "no_purchase_order_id"
            if reason is None:
                self._listed[po] = order
            yield ListedOrder(po, ",".join(sorted(statuses(order))), reason)
            await self._acknowledge()  # the pull asks for the next order only once this one is captured
        await self._acknowledge()

    async def message(self, order: ListedOrder) -> bytes:
        """The order exactly as Walmart listed it."""
        self._fetched.append(order.external_id)
        return orjson.dumps(self._listed.pop(order.external_id))

    async def _acknowledge(self) -> None:
        while self._fetched:
            await self._connector.acknowledge(self._fetched[0])
            self._fetched.pop(0)


class WalmartShipments:
    """Confirms shipments of Walmart orders: the lines Walmart still has open, with the tracking."""

    def __init__(self, connector: WalmartOrdersConnector, *, channel: str = CHANNEL) -> None:
        self._connector = connector
        self._channel = channel

    def handles(self, channel: str) -> bool:
        return channel == self._channel

    async def aclose(self) -> None:
        await self._connector.aclose()

    async def confirm_shipment(self, confirmation: ShipmentConfirmation) -> ConfirmationResult:
        order = await self._connector.get_order(confirmation.channel_order_id)
        numbers = _line_numbers(order)
        lines = tuple((numbers[u.line_no - 1], u.quantity) for u in confirmation.lines if u.line_no <= len(numbers))
        carrier = CARRIERS.get(confirmation.carrier.strip().lower(), confirmation.carrier.strip() or "Other")
        shipment = Shipment(lines, carrier, confirmation.tracking_number, shipped_at=datetime.now(UTC))
        answer = await self._connector.ship(confirmation.channel_order_id, shipment)
        if answer is None:
            return ConfirmationResult(ConfirmationOutcome.ALREADY_CONFIRMED, detail="no line is open at Walmart")
        return ConfirmationResult(ConfirmationOutcome.CREATED, reference=confirmation.channel_order_id)


def _line_numbers(order: dict[str, Any]) -> list[str]:
    """Walmart's line numbers of the lines we captured, in our line order (cancelled ones were left out)."""
    lines = (order.get("orderLines") or {}).get("orderLine") or []
    kept = []
    for line in lines:
        held = {str(s.get("status")) for s in (line.get("orderLineStatuses") or {}).get("orderLineStatus") or []}
        if not held or held != {"Cancelled"}:
            kept.append(str(line["lineNumber"]))
    return kept
