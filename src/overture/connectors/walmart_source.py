"""Walmart Marketplace orders as an order source for :func:`overture.services.marketplace_pull.pull_orders`
(``overture walmart pull``), the confirmations of their shipments (``ChannelFulfilments``) and the refunds
of their lines (``ChannelRefunds``).

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
from overture.connectors.walmart_refund import Refund, RefundLine
from overture.domain.money.amount import from_minor
from overture.services.marketplace_pull import ListedOrder
from overture.services.ports.channel_fulfilment import ConfirmationOutcome, ConfirmationResult, ShipmentConfirmation
from overture.services.ports.channel_refunds import RefundedLine, RefundOutcome, RefundOwed, RefundResult
from overture.services.ports.connector_errors import PermanentConnectorError

CHANNEL = "walmart"
OPEN = ("Created", "Acknowledged")
# Walmart's carrier names for the carriers our WMS names most often (lower-cased -> Walmart's).
CARRIERS = {"ups": "UPS", "usps": "USPS", "fedex": "FedEx", "dhl": "DHL", "ontrac": "OnTrac", "lasership": "LaserShip"}
# Our reasons (a return's, an incident's, a goodwill refund's) -> Walmart's refundReason.
REFUND_REASONS = {
    "damaged": "DamagedItem", "defective": "DefectiveItem", "wrong_item": "IncorrectItemReceived",
    "not_as_described": "ItemNotAsAdvertised", "size_or_fit": "CustomerChangedMind",
    "no_longer_needed": "CustomerChangedMind", "other": "CustomerChangedMind",
    "arrived_late": "CustomerReceivedItemLate", "late": "CustomerReceivedItemLate",
    "not_received": "ItemNotReceivedByCustomer", "missing_parts": "Missing Parts / Instructions",
    "goodwill": "General adjustment",
}  # fmt: skip


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


class WalmartRefunds:
    """Issues refunds of Walmart orders: each of our lines on Walmart's line, goods with tax and shipping."""

    def __init__(self, connector: WalmartOrdersConnector, *, channel: str = CHANNEL) -> None:
        self._connector = connector
        self._channel = channel

    def handles(self, channel: str) -> bool:
        return channel == self._channel

    async def aclose(self) -> None:
        await self._connector.aclose()

    async def issue_refund(self, refund: RefundOwed) -> RefundResult:
        po = refund.channel_order_id
        order = await self._connector.get_order(po)
        lines = tuple(_refund_line(order, x, refund.currency) for x in refund.lines)
        comment = refund.comment[:100]
        sent = Refund(refund.key, lines, currency=refund.currency, comment=comment)
        answer = await self._connector.refund(po, sent, order=order)
        if answer is None:
            return RefundResult(RefundOutcome.ALREADY_REFUNDED, detail="Walmart's order holds the refund already")
        return RefundResult(RefundOutcome.REFUNDED, reference=po)


def _refund_line(order: dict[str, Any], line: RefundedLine, currency: str) -> RefundLine:
    number, held = _walmart_line(order, line)
    charges = ((held.get("charges") or {}).get("charge")) or []
    tax_name = next((str((c.get("tax") or {}).get("taxName") or "") for c in charges if c.get("tax")), "") or "Tax1"
    return RefundLine(
        number,
        REFUND_REASONS.get(line.reason, "Others"),
        from_minor(line.goods, currency),
        from_minor(line.tax, currency),
        from_minor(line.shipping, currency),
        tax_name=tax_name,
    )


def _walmart_line(order: dict[str, Any], line: RefundedLine) -> tuple[str, dict[str, Any]]:
    """Walmart's line for ours: the one line with our SKU, else (a SKU on several lines) the one at our
    line's place among those captured, as shipments are confirmed."""
    lines = (order.get("orderLines") or {}).get("orderLine") or []
    by_number = {str(x.get("lineNumber")): x for x in lines}
    same = [x for x in lines if str((x.get("item") or {}).get("sku") or "") == line.sku]
    if len(same) == 1:
        return str(same[0]["lineNumber"]), same[0]
    numbers = _line_numbers(order)
    if line.line_no > len(numbers):
        raise PermanentConnectorError(
            f"no Walmart line for our line {line.line_no} ({line.sku})",
            connector="walmart",
            operation="refundOrderLines",
        )
    number = numbers[line.line_no - 1]
    return number, by_number[number]


def _line_numbers(order: dict[str, Any]) -> list[str]:
    """Walmart's line numbers of the lines we captured, in our line order (cancelled ones were left out)."""
    lines = (order.get("orderLines") or {}).get("orderLine") or []
    kept = []
    for line in lines:
        held = {str(s.get("status")) for s in (line.get("orderLineStatuses") or {}).get("orderLineStatus") or []}
        if not held or held != {"Cancelled"}:
            kept.append(str(line["lineNumber"]))
    return kept
