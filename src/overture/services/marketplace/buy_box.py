"""The buy box at placement: each line of a marketplace order goes to the winning seller's offer,
reserved at that seller's location like any other stock, with the commission frozen on the line.

An order is a marketplace order when every SKU in it has offers. The decision keeps every candidate
with its figures (landed price, lead time, score) and the reason it won, lost or was ruled out.
Orders of the operator's own catalogue never route to a seller's location.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from overture.domain.decisions import Decision, DecisionKind
from overture.domain.ids import new_id
from overture.domain.inventory import LocationKind
from overture.domain.marketplace.buybox import BuyBoxResult, Candidate, Offer, choose
from overture.domain.marketplace.commission import CommissionRule, CommissionTerms, NoCommissionRule, terms_for
from overture.domain.marketplace.sub_orders import SellerLine
from overture.domain.money import to_minor
from overture.domain.orders import Order
from overture.domain.routing import Allocation, LocationStock, RoutingPlan
from overture.services.marketplace.settings import MarketplaceSettings, load
from overture.services.ports import UnitOfWork


class NoEligibleOffer(Exception):
    """A line no offer may take: the decision says why for each candidate."""

    def __init__(self, decision: Decision) -> None:
        super().__init__(decision.reason)
        self.decision = decision


def own_stock(stock: Sequence[LocationStock]) -> list[LocationStock]:
    return [s for s in stock if s.location.kind is not LocationKind.SELLER]


def marketplace_plan(
    uow: UnitOfWork, order: Order, stock: Sequence[LocationStock], at: datetime
) -> tuple[RoutingPlan, list[SellerLine]] | None:
    """The buy box's plan for a marketplace order, and its lines with their frozen commission; None
    for an order of the operator's own catalogue. NoEligibleOffer if a line has no taker."""
    offers = uow.marketplace.offers_for({line.sku for line in order.lines})
    by_sku: dict[str, list[Offer]] = {}
    for offer in offers:
        by_sku.setdefault(offer.sku, []).append(offer)
    if not offers or any(line.sku not in by_sku for line in order.lines):
        return None
    settings = load(uow)
    sellers = {s.id: s for s in uow.marketplace.sellers({o.seller_id for o in offers})}
    free = {s.location.id: s.available for s in stock if s.location.kind is LocationKind.SELLER}
    taken: dict[tuple[str, str], int] = {}  # two lines of one SKU draw on the same stock
    results: list[BuyBoxResult] = []
    for line in order.lines:
        candidates = []
        for offer in by_sku[line.sku]:
            seller = sellers[offer.seller_id]
            left = free.get(seller.location_id, {}).get(line.sku, 0) - taken.get((seller.location_id, line.sku), 0)
            candidates.append(Candidate(offer, left, seller.sells, seller.status.value, seller.score))
        result = choose(line.sku, line.quantity, order.currency, candidates, rule=settings.buy_box_rule)
        results.append(result)
        if result.winner is None:
            raise NoEligibleOffer(_decision(results, at))
        location = sellers[result.winner.seller_id].location_id
        taken[(location, line.sku)] = taken.get((location, line.sku), 0) + line.quantity
    allocations = tuple(
        Allocation(line.line_no, line.sku, sellers[r.winner.seller_id].location_id, line.quantity)
        for line, r in zip(order.lines, results, strict=True)
        if r.winner is not None
    )
    lines = _frozen_lines(
        uow, order, results, sellers={k: v.location_id for k, v in sellers.items()}, settings=settings, at=at
    )
    return RoutingPlan(allocations, _decision(results, at)), lines


def _decision(results: Sequence[BuyBoxResult], at: datetime) -> Decision:
    won = [r for r in results if r.winner is not None]
    lost = [r for r in results if r.winner is None]
    reason = "; ".join(r.reason for r in (lost or won))
    inputs = {
        "buy_box": [
            {
                "sku": r.sku,
                "quantity": r.quantity,
                "rule": r.rule,
                "winner": None if r.winner is None else r.winner.id,
                "candidates": [c.as_json() for c in r.considered],
            }
            for r in results
        ]
    }
    return Decision(DecisionKind.ROUTING, "no_offer" if lost else "buy_box", reason, inputs, at=at)


def _frozen_lines(
    uow: UnitOfWork,
    order: Order,
    results: Sequence[BuyBoxResult],
    *,
    sellers: dict[str, str],
    settings: MarketplaceSettings,
    at: datetime,
    attempt: int = 1,
) -> list[SellerLine]:
    rules = uow.marketplace.rules(order.currency)
    lines: list[SellerLine] = []
    for line, result in zip(order.lines, results, strict=True):
        offer = result.winner
        assert offer is not None
        goods = to_minor(line.unit_price.amount * line.quantity, order.currency)
        lines.append(
            freeze(
                order.id,
                line.line_no,
                attempt,
                offer,
                sellers[offer.seller_id],
                line.quantity,
                goods,
                terms=_terms(rules, offer, order.channel, order.currency, settings),
                at=at,
            )
        )
    return lines


def _terms(
    rules: Sequence[CommissionRule], offer: Offer, channel: str, currency: str, settings: MarketplaceSettings
) -> CommissionTerms:
    try:
        return terms_for(rules, seller_id=offer.seller_id, category=offer.category, channel=channel, currency=currency)
    except NoCommissionRule:
        return CommissionTerms(f"default:{settings.default_commission_percent}%", settings.default_commission_percent)


def freeze(
    order_id: str,
    line_no: int,
    attempt: int,
    offer: Offer,
    location_id: str,
    quantity: int,
    goods_minor: int,
    *,
    terms: CommissionTerms,
    at: datetime,
) -> SellerLine:
    """The line as sold to this seller: the commission computed now, on what the customer pays for the
    goods (and the offer's shipping, where the rule includes it), and never again."""
    fee = terms.fee(goods_minor, offer.shipping_minor * quantity)
    return SellerLine(
        new_id("sl"),
        order_id,
        line_no,
        attempt,
        offer.seller_id,
        offer.id,
        location_id,
        offer.sku,
        quantity,
        offer.currency,
        terms,
        fee,
        terms.tax_on(fee),
        created_at=at,
    )
