"""The seller ledger: what a shipped line earns its seller, what a refund takes back (and the part of
the commission given back with it), manual credits and invoices, and payouts.

Amounts come from the order's own money ledger, so the seller is paid what the customer paid for the
goods and their shipping (the tax is the marketplace's to remit), less the commission frozen on the
line when it was sold. Refunds are mirrored by their running total per line: each posting's key is
the line and the total refunded so far, so mirroring twice posts nothing, and the amounts are the
difference between what that total implies and what is posted, so no rounding drifts.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from overture.domain.ids import new_id
from overture.domain.marketplace.commission import share
from overture.domain.marketplace.seller_ledger import SellerEntry, SellerEntryKind, payout_due
from overture.domain.marketplace.sub_orders import LineState, SellerLine, SubOrder
from overture.services.errors import ErrorCode, InvalidRequest, NotFound
from overture.services.marketplace.settings import load
from overture.services.ports import Clock, UnitOfWork, UnitOfWorkFactory
from overture.services.ports.marketplace import Payout
from overture.services.retry import in_transaction

K = SellerEntryKind


def post_shipped(uow: UnitOfWork, sub: SubOrder, lines: list[SellerLine], at: datetime) -> bool:
    """The seller's earnings for the lines it shipped, once."""
    ledger = uow.money.ledger(sub.order_id)
    assert ledger is not None
    entries: list[SellerEntry] = []
    for line in lines:
        balance = ledger.line(line.line_no)
        shipped = f"{sub.id} line {line.line_no} shipped"
        rule = f"commission {line.commission.rule_id}"
        amounts = [
            (K.ORDER_AMOUNT, balance.charge + balance.discount, shipped),
            (K.SHIPPING, balance.shipping, shipped),
            (K.COMMISSION_FEE, -line.fee_minor, rule),
            (K.COMMISSION_TAX, -line.fee_tax_minor, rule),
        ]
        entries += [
            SellerEntry(
                sub.seller_id, kind, amount, line.currency, cause, "marketplace", at, sub.order_id, sub.id, line.line_no
            )
            for kind, amount, cause in amounts
            if amount or kind is K.ORDER_AMOUNT
        ]
    return uow.marketplace.post(f"shipped:{sub.id}", sub.seller_id, entries, at)


def mirror_refunds(uow: UnitOfWork, order_id: str, at: datetime) -> int:
    """Post, for each shipped seller line of the order, what its refunds so far take back and give back
    of the commission; the number of lines that moved."""
    shipped = [x for x in uow.marketplace.lines_of_order(order_id) if x.status is LineState.SHIPPED]
    if not shipped:
        return 0
    ledger = uow.money.ledger(order_id)
    assert ledger is not None
    clawback = load(uow).clawback
    moved = 0
    for line in shipped:
        balance = ledger.line(line.line_no)
        back, paid = balance.refunded + balance.credited, balance.captured
        if back <= 0 or paid <= 0 or uow.marketplace.posted(f"refund:{line.id}:{back}"):
            continue
        earned = _posted(uow, line)
        goods, shipping = earned.get(K.ORDER_AMOUNT, 0), earned.get(K.SHIPPING, 0)
        goods_back = share(back, goods, paid)
        shipping_back = share(back, shipping, paid)
        fee_back = clawback.returned(share(line.fee_minor, goods_back, goods))
        fee_tax_back = share(line.fee_tax_minor, fee_back, line.fee_minor)
        target = {
            K.REFUND_ORDER_AMOUNT: -goods_back,
            K.REFUND_SHIPPING: -shipping_back,
            K.REFUND_COMMISSION_FEE: fee_back,
            K.REFUND_COMMISSION_TAX: fee_tax_back,
        }
        posted = earned
        cause = f"refund on {order_id} line {line.line_no} ({back} given back so far)"
        entries = [
            SellerEntry(
                line.seller_id,
                kind,
                amount - posted.get(kind, 0),
                line.currency,
                cause,
                "marketplace",
                at,
                order_id,
                line.sub_order_id or "",
                line.line_no,
            )
            for kind, amount in target.items()
            if amount != posted.get(kind, 0)
        ]
        if uow.marketplace.post(f"refund:{line.id}:{back}", line.seller_id, entries, at):
            moved += 1
    return moved


def _posted(uow: UnitOfWork, line: SellerLine) -> dict[SellerEntryKind, int]:
    """What the seller's ledger holds for the line so far, by kind."""
    sums: dict[SellerEntryKind, int] = {}
    for e in uow.marketplace.entries(line.seller_id, order_id=line.order_id):
        if e.order_id == line.order_id and e.line_no == line.line_no:
            sums[e.kind] = sums.get(e.kind, 0) + e.amount_minor
    return sums


def manual_entry(
    uow_factory: UnitOfWorkFactory,
    seller_id: str,
    *,
    kind: str,
    amount_minor: int,
    reason: str,
    actor: str,
    clock: Clock,
) -> SellerEntry:
    """An operator's credit (positive) or invoice (a charge, posted negative) on a seller's account."""
    if kind not in (K.MANUAL_CREDIT, K.MANUAL_INVOICE):
        raise InvalidRequest("kind", "MANUAL_CREDIT or MANUAL_INVOICE", ErrorCode.INVALID_VALUE)
    if amount_minor <= 0:
        raise InvalidRequest("amount_minor", "must be more than 0 (the kind gives the sign)", ErrorCode.OUT_OF_RANGE)
    if not reason.strip():
        raise InvalidRequest("reason", "say why", ErrorCode.REQUIRED)

    def work(uow: UnitOfWork) -> SellerEntry:
        seller = uow.marketplace.seller(seller_id)
        if seller is None:
            raise NotFound(f"no seller {seller_id!r}")
        signed = amount_minor if kind == K.MANUAL_CREDIT else -amount_minor
        entry = SellerEntry(seller_id, K(kind), signed, seller.currency, reason[:255], actor, clock())
        uow.marketplace.post(f"manual:{new_id('me')}", seller_id, [entry], entry.at)
        return entry

    return in_transaction(uow_factory, work)


def run_payouts(
    uow_factory: UnitOfWorkFactory, *, clock: Clock, seller_ids: Iterable[str] | None = None
) -> list[Payout]:
    """Pay every seller what is due (past the hold, at least the minimum, never from a negative balance)."""

    def work(uow: UnitOfWork) -> list[Payout]:
        now = clock()
        policy = load(uow).payout
        made: list[Payout] = []
        chosen = None if seller_ids is None else list(seller_ids)
        for seller in uow.marketplace.sellers(chosen):
            decision = payout_due(uow.marketplace.entries(seller.id), policy, now)
            if decision.amount_minor <= 0:
                continue
            payout = Payout(
                new_id("po"),
                seller.id,
                decision.amount_minor,
                seller.currency,
                decision.cutoff,
                str(seller.profile.get("bank_account_ref", "")),
                now,
            )
            entry = SellerEntry(
                seller.id,
                K.PAYOUT,
                -decision.amount_minor,
                seller.currency,
                decision.reason[:255],
                "payouts",
                now,
                reference=payout.id,
            )
            uow.marketplace.post(f"payout:{payout.id}", seller.id, [entry], now)
            uow.marketplace.add_payout(payout)
            made.append(payout)
        return made

    return in_transaction(uow_factory, work)
