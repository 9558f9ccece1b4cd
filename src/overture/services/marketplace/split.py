"""The split: a paid marketplace order becomes one sub-order per seller (``<order>-A``, ``-B``...).

It runs when the payment is known to be authorised: from the order's workflow after its authorisation,
and from the payment provider's webhook, whichever comes first, any number of times. Only lines still
``placed`` are split, and a sub-order's id is inserted once, so a repeated webhook, a retried activity
or both at once split the order once.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from overture.domain.marketplace.sub_orders import LineState, SellerLine, SubOrder, SubOrderStatus, sub_order_id
from overture.services.marketplace import seller_edi
from overture.services.marketplace.settings import MarketplaceSettings, load
from overture.services.ports import Clock, UnitOfWork, UnitOfWorkFactory
from overture.services.retry import in_transaction, read_only

TOPIC = "seller_order.opened"


def is_marketplace_order(uow_factory: UnitOfWorkFactory, order_id: str) -> bool:
    return read_only(uow_factory, lambda uow: bool(uow.marketplace.lines_of_order(order_id)))


def split_order(uow_factory: UnitOfWorkFactory, order_id: str, *, clock: Clock) -> list[str]:
    """Split what is not split yet; every sub-order id of the order that awaits or ran, in order."""

    def work(uow: UnitOfWork) -> list[str]:
        split_paid(uow, order_id, clock())
        return [s.id for s in uow.marketplace.sub_orders_of(order_id)]

    return in_transaction(uow_factory, work)


def split_paid(uow: UnitOfWork, order_id: str, at: datetime) -> list[SubOrder]:
    """Split what is not split yet, in the caller's transaction; the sub-orders opened now."""
    placed = [x for x in uow.marketplace.lines_of_order(order_id) if x.status is LineState.PLACED]
    return open_sub_orders(uow, order_id, placed, at=at) if placed else []


def open_sub_orders(
    uow: UnitOfWork, order_id: str, lines: list[SellerLine], *, at: datetime, rerouted_from: str | None = None
) -> list[SubOrder]:
    """One sub-order per seller among ``lines`` (in the order each seller first appears), its lines
    asked for acceptance, with deadlines; the ones opened now."""
    settings = load(uow)
    alert_at, accept_by = deadlines(uow, order_id, at, settings)
    existing = len(uow.marketplace.sub_orders_of(order_id))
    by_seller: dict[str, list[SellerLine]] = {}
    for line in sorted(lines, key=lambda x: x.line_no):
        by_seller.setdefault(line.seller_id, []).append(line)
    opened: list[SubOrder] = []
    for n, (seller_id, own) in enumerate(by_seller.items(), start=existing):
        sub = SubOrder(
            sub_order_id(order_id, n),
            order_id,
            seller_id,
            own[0].location_id,
            SubOrderStatus.AWAITING_ACCEPTANCE,
            alert_at,
            accept_by,
            at,
            rerouted_from=rerouted_from,
        )
        if not uow.marketplace.add_sub_order(sub):
            continue  # split by another delivery meanwhile
        for line in own:
            uow.marketplace.update_line(
                line.id, sub_order_id=sub.id, status=LineState.PENDING, expect_status=[LineState.PLACED]
            )
        uow.outbox.add(TOPIC, sub.id, {"sub_order_id": sub.id, "order_id": order_id, "seller_id": seller_id}, at)
        seller_edi.purchase_order_for(uow, sub, at)  # an EDI partner seller is owed an 850
        uow.fulfilment.add_note(
            order_id, f"sub-order {sub.id} sent to seller {seller_id}; answer due {accept_by:%Y-%m-%d %H:%M} UTC", at
        )
        opened.append(sub)
    return opened


def deadlines(uow: UnitOfWork, order_id: str, at: datetime, settings: MarketplaceSettings) -> tuple[datetime, datetime]:
    """When to alert and when to refuse: the settings' hours, and the refusal always before the payment
    authorisation lapses (so a refused line is never one whose money can no longer be released)."""
    accept_by = at + timedelta(hours=settings.refuse_after_hours)
    payment = uow.money.payment(order_id)
    if payment is not None and payment.capture_before is not None:
        latest = payment.capture_before - timedelta(hours=settings.authorisation_margin_hours)
        accept_by = max(min(accept_by, latest), at)
    alert_at = min(at + timedelta(hours=settings.alert_after_hours), accept_by)
    return alert_at, accept_by


def cancel_sub_orders(uow_factory: UnitOfWorkFactory, order_id: str, *, clock: Clock) -> list[str]:
    """Cancel every open sub-order of the order, or none if a seller has shipped: the shipped ones."""

    def work(uow: UnitOfWork) -> list[str]:
        subs = uow.marketplace.sub_orders_of(order_id)
        shipped = [s.id for s in subs if s.status is SubOrderStatus.SHIPPED]
        if shipped:
            return shipped
        at = clock()
        for sub in subs:
            if sub.status is SubOrderStatus.CANCELLED:
                continue
            uow.marketplace.update_sub_order(sub.id, at, status=SubOrderStatus.CANCELLED)
            for line in uow.marketplace.lines_of_sub_order(sub.id):
                if line.status in (LineState.PENDING, LineState.ACCEPTED):
                    uow.marketplace.update_line(line.id, status=LineState.CANCELLED)
        for line in uow.marketplace.lines_of_order(order_id):
            if line.status is LineState.PLACED:
                uow.marketplace.update_line(line.id, status=LineState.CANCELLED)
        return []

    return in_transaction(uow_factory, work)
