"""The store checked against itself (``overture audit``): every figure that two records keep.

A position's on hand and reserved are running totals of what the inventory ledger and the
reservations say; an order that is over holds no stock; a line marked shipped was shipped by
someone. Where two records of one fact disagree, stock was lost or double counted, however
right the available figure looks (both figures wrong by the same amount leave it right).
"""

from __future__ import annotations

from overture.services.ports import UnitOfWorkFactory
from overture.services.ports.audit import Check, Discrepancy, HeldStock, PositionBooks, UnshippedLine


def audit(uow_factory: UnitOfWorkFactory) -> list[Discrepancy]:
    """Every disagreement in the store's books, in one read-only snapshot; empty when all agree."""
    with uow_factory(readonly=True) as uow:
        books = uow.consistency
        found = [d for p in books.position_books() for d in _position(p)]
        found += [_held(h) for h in books.closed_orders_holding_stock()]
        found += [_unshipped(u) for u in books.shipped_without_shipment()]
    return found


def _position(p: PositionBooks) -> list[Discrepancy]:
    subject = f"{p.sku} at {p.location_id}"
    found = []
    if p.on_hand != p.ledger_on_hand:
        detail = f"on hand {p.on_hand}, ledger movements sum to {p.ledger_on_hand}"
        found.append(Discrepancy(Check.ON_HAND_VS_LEDGER, subject, detail))
    if p.reserved != p.ledger_reserved:
        detail = f"reserved {p.reserved}, ledger movements sum to {p.ledger_reserved}"
        found.append(Discrepancy(Check.RESERVED_VS_LEDGER, subject, detail))
    if p.reserved != p.active_reserved:
        detail = f"reserved {p.reserved}, active reservations sum to {p.active_reserved}"
        found.append(Discrepancy(Check.RESERVED_VS_RESERVATIONS, subject, detail))
    return found


def _held(h: HeldStock) -> Discrepancy:
    detail = f"{h.status} but reservation {h.reservation_id} still holds {h.quantity} x {h.sku} at {h.location_id}"
    return Discrepancy(Check.CLOSED_ORDER_HOLDS_STOCK, f"order {h.order_id}", detail)


def _unshipped(u: UnshippedLine) -> Discrepancy:
    where = f"from {u.location_id}" if u.location_id else "(line status)"
    detail = f"line {u.line_no} ({u.sku}) marked shipped {where} with no shipment recorded"
    return Discrepancy(Check.SHIPPED_WITHOUT_SHIPMENT, f"order {u.order_id}", detail)
