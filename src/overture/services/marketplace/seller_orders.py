"""What a seller does with its sub-order: accept or refuse each line before the deadline, then ship
with tracking within its lead time; and what the deadline does when the seller says nothing.

Every answer is a conditional update of the line (pending -> accepted | refused), so a seller's answer
and the deadline's auto-refuse racing settle each line once. A refused line is placed with the next
offer (a new sub-order, ``-C``...) or, if none may take it, taken off the order: its stock released,
its charges given back, so nothing of it is ever captured.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from overture.domain.charging import Why, whole_line_back
from overture.domain.marketplace.buybox import Candidate, choose
from overture.domain.marketplace.sub_orders import (
    LineState,
    SellerLine,
    SubOrder,
    SubOrderStatus,
    status_after_answers,
)
from overture.domain.money import to_minor
from overture.domain.routing import Allocation
from overture.domain.statuses import LineStatus
from overture.services.errors import ActionRefused, ErrorCode, InvalidRequest, NotFound
from overture.services.marketplace.buy_box import _terms, freeze
from overture.services.marketplace.settings import load
from overture.services.marketplace.split import open_sub_orders
from overture.services.ports import Clock, UnitOfWork, UnitOfWorkFactory
from overture.services.retry import in_transaction

AUTO = "system:deadline"


class SubOrderRefused(ActionRefused):
    """An answer the sub-order's state does not allow (not the seller's, already answered, shipped)."""


@dataclass(frozen=True, slots=True)
class Answer:
    sub_order: SubOrder
    changed: list[int]  # line numbers this answer settled
    rerouted_to: list[str] = field(default_factory=list)  # sub-orders opened for refused lines
    refunded: list[int] = field(default_factory=list)  # refused lines no other offer could take


def own(uow: UnitOfWork, sub_order_id: str, seller_id: str | None) -> SubOrder:
    sub = uow.marketplace.sub_order(sub_order_id)
    if sub is None or (seller_id is not None and sub.seller_id != seller_id):
        raise NotFound(f"no sub-order {sub_order_id!r}")  # another seller's is not even named
    return sub


def _pick(lines: list[SellerLine], line_nos: Collection[int] | None) -> list[SellerLine]:
    if line_nos is None:
        return [x for x in lines if x.status is LineState.PENDING]
    by_no = {x.line_no: x for x in lines}
    for n in line_nos:
        if n not in by_no:
            raise InvalidRequest("lines", f"the sub-order has no line {n}", ErrorCode.INVALID_VALUE)
        if by_no[n].status is not LineState.PENDING:
            raise SubOrderRefused(f"line {n} is already {by_no[n].status}")
    return [by_no[n] for n in line_nos]


def accept(
    uow_factory: UnitOfWorkFactory,
    sub_order_id: str,
    *,
    seller_id: str | None,
    actor: str,
    clock: Clock,
    line_nos: Collection[int] | None = None,
) -> Answer:
    def work(uow: UnitOfWork) -> Answer:
        sub = own(uow, sub_order_id, seller_id)
        at = clock()
        chosen = _pick(uow.marketplace.lines_of_sub_order(sub.id), line_nos)
        done = [
            x.line_no
            for x in chosen
            if uow.marketplace.update_line(
                x.id, status=LineState.ACCEPTED, decided_at=at, decided_by=actor, expect_status=[LineState.PENDING]
            )
        ]
        return Answer(_settle(uow, sub, at), done)

    return in_transaction(uow_factory, work)


def refuse(
    uow_factory: UnitOfWorkFactory,
    sub_order_id: str,
    *,
    seller_id: str | None,
    actor: str,
    reason: str,
    clock: Clock,
    line_nos: Collection[int] | None = None,
) -> Answer:
    if not reason.strip():
        raise InvalidRequest("reason", "say why the lines are refused", ErrorCode.REQUIRED)

    def work(uow: UnitOfWork) -> Answer:
        sub = own(uow, sub_order_id, seller_id)
        chosen = _pick(uow.marketplace.lines_of_sub_order(sub.id), line_nos)
        return _refuse(uow, sub, chosen, LineState.REFUSED, actor, reason, clock())

    return in_transaction(uow_factory, work)


def auto_refuse(uow_factory: UnitOfWorkFactory, sub_order_id: str, *, clock: Clock) -> Answer:
    """The deadline passed: every line still pending is refused (by the system, not the seller)."""

    def work(uow: UnitOfWork) -> Answer:
        sub = own(uow, sub_order_id, None)
        pending = [x for x in uow.marketplace.lines_of_sub_order(sub.id) if x.status is LineState.PENDING]
        reason = f"not answered by {sub.accept_by:%Y-%m-%d %H:%M} UTC"
        return _refuse(uow, sub, pending, LineState.AUTO_REFUSED, AUTO, reason, clock())

    return in_transaction(uow_factory, work)


def _refuse(
    uow: UnitOfWork, sub: SubOrder, lines: list[SellerLine], state: LineState, actor: str, reason: str, at: datetime
) -> Answer:
    done = [
        x
        for x in lines
        if uow.marketplace.update_line(
            x.id, status=state, decided_at=at, decided_by=actor, reason=reason[:500], expect_status=[LineState.PENDING]
        )
    ]
    if done:
        uow.inventory.settle_reservations(
            sub.order_id,
            shipped=False,
            at=at,
            reason=f"{sub.id}: {state} ({reason})",
            location_id=sub.location_id,
            line_nos={x.line_no for x in done},
        )
        uow.fulfilment.add_note(sub.order_id, f"{sub.id}: line(s) {_nos(done)} {state} by {actor}: {reason}", at)
    rerouted, refunded = _place_elsewhere(uow, sub, done, at)
    return Answer(_settle(uow, sub, at), [x.line_no for x in done], rerouted, refunded)


def _place_elsewhere(
    uow: UnitOfWork, sub: SubOrder, refused: list[SellerLine], at: datetime
) -> tuple[list[str], list[int]]:
    """Each refused line to the next offer the buy box gives it (never a seller that refused it), or off
    the order."""
    if not refused:
        return [], []
    order = uow.fulfilment.load_order(sub.order_id)
    assert order is not None
    settings = load(uow)
    history = uow.marketplace.lines_of_order(sub.order_id)
    placed: list[SellerLine] = []
    refunded: list[int] = []
    for line in refused:
        tried = {x.seller_id for x in history if x.line_no == line.line_no}
        offers = [o for o in uow.marketplace.offers_for({line.sku}) if o.seller_id not in tried]
        sellers = {s.id: s for s in uow.marketplace.sellers({o.seller_id for o in offers})}
        free = uow.inventory.availability({line.sku}).stock
        left = {s.location.id: s.available.get(line.sku, 0) for s in free}
        candidates = [
            Candidate(
                o,
                left.get(sellers[o.seller_id].location_id, 0),
                sellers[o.seller_id].sells,
                sellers[o.seller_id].status.value,
                sellers[o.seller_id].score,
            )
            for o in offers
        ]
        result = choose(line.sku, line.quantity, order.currency, candidates, rule=settings.buy_box_rule)
        order_line = next(x for x in order.lines if x.line_no == line.line_no)
        if result.winner is None:
            _take_off(uow, sub.order_id, line.line_no, at, result.reason)
            refunded.append(line.line_no)
            continue
        winner = result.winner
        location = sellers[winner.seller_id].location_id
        goods = to_minor(order_line.unit_price.amount * line.quantity, order.currency)
        terms = _terms(uow.marketplace.rules(order.currency), winner, order.channel, order.currency, settings)
        new = freeze(
            sub.order_id, line.line_no, line.attempt + 1, winner, location, line.quantity, goods, terms=terms, at=at
        )
        made = uow.inventory.reserve(sub.order_id, [Allocation(line.line_no, line.sku, location, line.quantity)], at)
        uow.marketplace.add_reservations(made, at)
        uow.marketplace.add_lines([new])
        uow.fulfilment.add_note(sub.order_id, f"line {line.line_no} placed again: {result.reason}", at)
        placed.append(new)
    opened = open_sub_orders(uow, sub.order_id, placed, at=at, rerouted_from=sub.id) if placed else []
    return [s.id for s in opened], refunded


def _take_off(uow: UnitOfWork, order_id: str, line_no: int, at: datetime, why: str) -> None:
    """No one sells the line: it owes nothing (its charges go back), so its money is never captured and
    the final capture releases what the authorisation held for it."""
    ledger = uow.money.ledger(order_id)
    assert ledger is not None
    entries = whole_line_back(ledger, line_no, Why(f"refused by the sellers: {why}"[:200], "marketplace", at))
    uow.money.post(f"refused:{order_id}:{line_no}", order_id, entries, at)
    uow.marketplace.set_order_line_status(order_id, line_no, LineStatus.CANCELLED.value)
    uow.fulfilment.add_note(order_id, f"line {line_no} refunded: {why}", at)


def _settle(uow: UnitOfWork, sub: SubOrder, at: datetime) -> SubOrder:
    """The sub-order's status after its lines' answers; the ship-by once the last is answered."""
    lines = uow.marketplace.lines_of_sub_order(sub.id)
    status = status_after_answers([x.status for x in lines])
    if status is sub.status or sub.status in (SubOrderStatus.SHIPPED, SubOrderStatus.CANCELLED):
        return sub
    changes: dict[str, object] = {"status": status}
    if status is SubOrderStatus.ACCEPTED and sub.ship_by is None:
        lead = max(_lead_days(uow, x) for x in lines if x.status is LineState.ACCEPTED)
        changes["ship_by"] = at + timedelta(days=lead)
    uow.marketplace.update_sub_order(sub.id, at, **changes)
    refreshed = uow.marketplace.sub_order(sub.id)
    assert refreshed is not None
    return refreshed


def _lead_days(uow: UnitOfWork, line: SellerLine) -> int:
    offer = next((o for o in uow.marketplace.offers_of(line.seller_id) if o.id == line.offer_id), None)
    return offer.lead_time_days if offer is not None else 2


def _nos(lines: list[SellerLine]) -> str:
    return ", ".join(str(x.line_no) for x in lines)


def mark_alerted(uow_factory: UnitOfWorkFactory, sub_order_id: str, *, clock: Clock) -> bool:
    """Note that the seller was chased (once); False if it was already, or it has answered."""

    def work(uow: UnitOfWork) -> bool:
        sub = own(uow, sub_order_id, None)
        if sub.alerted_at is not None or sub.status is not SubOrderStatus.AWAITING_ACCEPTANCE:
            return False
        at = clock()
        uow.marketplace.update_sub_order(sub.id, at, alerted_at=at)
        due = f"{sub.accept_by:%Y-%m-%d %H:%M} UTC"
        uow.fulfilment.add_note(
            sub.order_id, f"{sub.id}: seller {sub.seller_id} not answered yet; refused at {due}", at
        )
        return True

    return in_transaction(uow_factory, work)
