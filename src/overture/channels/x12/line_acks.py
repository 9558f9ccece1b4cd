"""Each line of an EDI order as an ACK answers it (855 ACK01), from the line's real state and the
order's open exceptions, never from the order's status alone:

- IR rejected: the line is cancelled;
- IB backordered: only when stock is actually short and the line waits for it (a backordered line
  with its promised date, or a hold for insufficient stock where the network has too little of it);
- IP price changed: we charge a price other than the PO's (a person set it, or a price_mismatch
  hold stands because the contract's price differs from the PO's);
- IQ quantity changed: the line's units differ from the PO's (in the buyer's unit of measure);
- IC accepted with changes: both; IA accepted: none of these.

An order held for its price, its address or any rule other than stock is not "backordered".
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal

from overture.channels.x12.outbound import LineAck, LineDecision
from overture.channels.x12.po850 import PoLine
from overture.domain.exceptions import ExceptionType
from overture.domain.orders import Order, OrderLine
from overture.domain.partners import PartnerProfile
from overture.domain.statuses import LineStatus
from overture.services.ports import UnitOfWork

MICRO = Decimal("0.000001")


def line_decisions(
    uow: UnitOfWork, order: Order, partner: PartnerProfile, buyer: Mapping[int, PoLine]
) -> list[LineDecision]:
    """One decision per line of the order; ``buyer`` holds the lines as the PO wrote them."""
    plan = uow.fulfilment.plan(order.id)
    open_types = {e.type for e in plan.open_exceptions} if plan is not None else set()
    short = _short_skus(uow, order) if ExceptionType.INSUFFICIENT_STOCK.value in open_types else set()
    price_held = ExceptionType.PRICE_MISMATCH.value in open_types
    return [
        line_decision(line, buyer.get(line.line_no), partner, short=short, price_held=price_held)
        for line in order.lines
    ]


def line_decision(
    line: OrderLine, po_line: PoLine | None, partner: PartnerProfile, *, short: set[str], price_held: bool
) -> LineDecision:
    if line.status is LineStatus.CANCELLED:
        return LineDecision(line.line_no, LineAck.REJECTED, 0, "cancelled")
    if line.backordered > 0 or (line.sku in short and line.status is not LineStatus.ALLOCATED):
        expected = line.promised_at.strftime("%Y%m%d") if line.promised_at else ""
        return LineDecision(line.line_no, LineAck.BACKORDERED, line.quantity, "waiting for stock", expected)
    price = _price_change(line, po_line, partner, price_held=price_held)
    quantity = _quantity_change(line, po_line, partner)
    if price and quantity:
        return LineDecision(line.line_no, LineAck.CHANGED, line.quantity, f"{quantity}; {price}")
    if price:
        return LineDecision(line.line_no, LineAck.PRICE_CHANGED, line.quantity, price)
    if quantity:
        return LineDecision(line.line_no, LineAck.QUANTITY_CHANGED, line.quantity, quantity)
    return LineDecision(line.line_no, LineAck.ACCEPTED, line.quantity)


def _price_change(line: OrderLine, po_line: PoLine | None, partner: PartnerProfile, *, price_held: bool) -> str:
    """Why the price we charge is not the PO's ("" if it is)."""
    ours = line.unit_price.amount
    contract = partner.contract_prices.get(line.sku)
    if price_held and contract is not None and not _same(contract, ours):
        return f"contract price {_money(contract)} each, not the PO's {_money(ours)}"
    po_price = _po_unit_price(po_line, partner)
    if po_price is not None and not _same(po_price, ours):
        return f"price {_money(ours)} each, not the PO's {_money(po_price)}"
    return ""


def _quantity_change(line: OrderLine, po_line: PoLine | None, partner: PartnerProfile) -> str:
    if po_line is None:
        return ""
    units = po_line.quantity * partner.uom_factors.get(po_line.uom, 1)
    if units == line.quantity:
        return ""
    return f"quantity {line.quantity} units, not the PO's {units.normalize():f}"


def _po_unit_price(po_line: PoLine | None, partner: PartnerProfile) -> Decimal | None:
    if po_line is None or po_line.unit_price is None:
        return None
    return po_line.unit_price / partner.uom_factors.get(po_line.uom, 1)


def _short_skus(uow: UnitOfWork, order: Order) -> set[str]:
    """SKUs the whole network has too little of for the order now (units it holds are none: on hold)."""
    demand = order.demand()
    stock = uow.inventory.availability(set(demand)).stock
    return {sku for sku, wanted in demand.items() if sum(s.available.get(sku, 0) for s in stock) < wanted}


def _same(a: Decimal, b: Decimal) -> bool:
    """Equal as the store keeps money (six places on PostgreSQL): a case price over 12 is not exact."""
    return a.quantize(MICRO) == b.quantize(MICRO)


def _money(amount: Decimal) -> str:
    return f"{amount.quantize(MICRO).normalize():f}"
