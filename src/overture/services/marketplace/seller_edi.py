"""Sellers that are EDI trading partners: their sub-orders go to them as purchase orders (an X12 850
for an X12 partner), and their answers come back by PO number (channels/x12/seller_answers.py).

The split owes a partner seller its purchase order in the split's own transaction
(``purchase_order_for``: an outbox row, so nothing is sent for a sub-order that did not commit);
``send_owed`` then writes each owed one through the ``PartnerDocuments`` port, exactly as a drop-ship
release does, so it is kept in ``outbound_documents`` once per PO number and reaches the partner by
its transport like any other document. Services cannot write X12 themselves (the layer contracts),
hence the port and the two steps.

Our PO number is a pure function of the sub-order id (a sub-order id, ``<order>-A``, is longer than
the 22 characters BEG03 holds), so an 855 or 856 is matched back the way a drop-ship one is: the
order the kept 850 names, then the sub-order of that order whose PO number it is. Each PO1 line
number is the order's own line number, which is what ``seller_orders.accept`` / ``refuse`` take.
"""

from __future__ import annotations

import base64
import hashlib
from datetime import datetime
from decimal import Decimal

from overture.domain.marketplace.sub_orders import SubOrder, SubOrderStatus
from overture.domain.partners import PartnerProfile
from overture.services.plans import LocationRelease, PlanLine
from overture.services.ports import Clock, UnitOfWork, UnitOfWorkFactory
from overture.services.ports.partner_documents import PartnerDocuments, SupplierOrder
from overture.services.retry import in_transaction, read_only

TOPIC = "seller_order.purchase_order"  # a partner seller's sub-order whose purchase order is owed
PO_PREFIX = "SO"  # drop-ship POs start "DS": one partner may be both, and the two never collide
PO_LENGTH = 22  # BEG03 holds at most 22 characters


def po_number(sub_order_id: str) -> str:
    """Our PO number for a sub-order: stable (a retried send names the same PO), short enough for BEG03."""
    digest = hashlib.sha256(sub_order_id.encode()).digest()
    return PO_PREFIX + base64.b32encode(digest).decode()[: PO_LENGTH - len(PO_PREFIX)]


def partner_of(uow: UnitOfWork, sub: SubOrder) -> PartnerProfile | None:
    """The seller's trading partner profile, if it trades by X12; None: it answers through the API."""
    seller = uow.marketplace.seller(sub.seller_id)
    if seller is None or not seller.partner_id:
        return None
    partner = uow.partners.get(seller.partner_id)
    return partner if partner is not None and partner.x12 is not None else None


def purchase_order_for(uow: UnitOfWork, sub_order: SubOrder, at: datetime) -> bool:
    """In the split's transaction: owe the seller its purchase order if it is an X12 partner."""
    if partner_of(uow, sub_order) is None:
        return False
    payload = {"sub_order_id": sub_order.id, "order_id": sub_order.order_id, "po_number": po_number(sub_order.id)}
    uow.outbox.add(TOPIC, sub_order.id, payload, at)
    return True


def seller_order(uow: UnitOfWork, sub_order_id: str) -> SupplierOrder | None:
    """The port's purchase order for a sub-order: its lines at the order's prices, shipped to the
    customer; None when nothing is to be sent (cancelled, or the seller no longer trades by X12)."""
    sub = uow.marketplace.sub_order(sub_order_id)
    partner = partner_of(uow, sub) if sub is not None else None
    if sub is None or partner is None or sub.status is SubOrderStatus.CANCELLED:
        return None
    order = uow.fulfilment.document_without_releases(sub.order_id)
    location = uow.sourcing.locations({sub.location_id}).get(sub.location_id)
    if order is None or location is None:
        return None
    prices = {x.line_no: x.unit_price for x in order.lines}
    lines = [
        PlanLine(x.line_no, x.sku, x.quantity, prices.get(x.line_no, ""))
        for x in uow.marketplace.lines_of_sub_order(sub.id)
    ]
    # The price asked is the one the customer pays for the seller's offer (frozen on the order line).
    unit_prices = {x.sku: Decimal(x.unit_price) if x.unit_price else None for x in lines}
    release = LocationRelease(sub.location_id, 0, lines)
    return SupplierOrder(location, partner, po_number(sub.id), order, release, unit_prices)


def send_owed(
    uow_factory: UnitOfWorkFactory, documents: PartnerDocuments, *, clock: Clock, limit: int = 100
) -> list[str]:
    """Write every owed purchase order through the port, each in its own transaction with its outbox
    row marked sent; the PO numbers written. Safe to repeat: the port keeps one 850 per PO number."""
    rows = read_only(uow_factory, lambda uow: uow.outbox.pending(TOPIC, limit))
    sent: list[str] = []
    for row_id, sub_order_id in rows:

        def work(uow: UnitOfWork, row_id: int = row_id, sub_order_id: str = sub_order_id) -> str | None:
            at = clock()
            order = seller_order(uow, sub_order_id)
            po = documents.send_purchase_order(uow, order, at=at) if order is not None else None
            uow.outbox.mark_dispatched([row_id], at)
            return po

        po = in_transaction(uow_factory, work)
        if po is not None:
            sent.append(po)
    return sent


def locate(uow: UnitOfWork, partner_id: str, po: str) -> SubOrder | None:
    """The sub-order our PO number with this partner stands for, or None if it is not a seller's."""
    if not po.startswith(PO_PREFIX):
        return None
    order_id = uow.documents.order_of(partner_id, "850", po)
    if order_id is None:
        return None
    sub = next((s for s in uow.marketplace.sub_orders_of(order_id) if po_number(s.id) == po), None)
    if sub is None:
        return None
    seller = uow.marketplace.seller(sub.seller_id)
    return sub if seller is not None and seller.partner_id == partner_id else None
