"""The buy box: which seller's offer a customer's line goes to, and why every other one did not win.

A rule is a function from an eligible candidate to a sort key and the words that explain it; rules
are registered by name so an operator picks one (or a marketplace adds its own) without touching the
callers. Every candidate is kept in the decision, the ruled-out ones with the reason.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any


@dataclass(frozen=True, slots=True)
class Offer:
    id: str
    seller_id: str
    sku: str
    price_minor: int
    currency: str
    shipping_minor: int = 0  # per unit
    lead_time_days: int = 2  # days from acceptance to shipment
    min_quantity: int = 1
    max_quantity: int | None = None
    active: bool = True
    gtin: str = ""
    title: str = ""
    category: str = ""  # the operator's taxonomy path ("" until mapped)

    @property
    def landed_minor(self) -> int:
        return self.price_minor + self.shipping_minor


@dataclass(frozen=True, slots=True)
class Candidate:
    offer: Offer
    available: int  # units free at the seller's location
    seller_sells: bool  # approved and not on holiday
    seller_status: str
    seller_score: float  # 0..1


@dataclass(frozen=True, slots=True)
class Considered:
    offer_id: str
    seller_id: str
    landed_minor: int
    lead_time_days: int
    seller_score: float
    available: int
    eligible: bool
    reason: str  # why it won or lost, or why it was ruled out
    rank: int | None = None

    def as_json(self) -> dict[str, Any]:
        return {
            "offer_id": self.offer_id,
            "seller_id": self.seller_id,
            "landed_minor": self.landed_minor,
            "lead_time_days": self.lead_time_days,
            "seller_score": round(self.seller_score, 4),
            "available": self.available,
            "eligible": self.eligible,
            "rank": self.rank,
            "reason": self.reason,
        }


@dataclass(frozen=True, slots=True)
class BuyBoxResult:
    sku: str
    quantity: int
    rule: str
    winner: Offer | None
    considered: tuple[Considered, ...]

    @property
    def reason(self) -> str:
        if self.winner is None:
            return f"no eligible offer for {self.quantity} x {self.sku}"
        won = next(c for c in self.considered if c.offer_id == self.winner.id)
        return f"{self.sku}: {self.winner.seller_id} won the buy box by {self.rule} ({won.reason})"


Key = tuple[Decimal | int | float | str, ...]
Rule = Callable[[Candidate], tuple[Key, str]]


def landed_price(candidate: Candidate) -> tuple[Key, str]:
    """Cheapest landed price; then the shorter lead time; then the better seller."""
    o = candidate.offer
    return (o.landed_minor, o.lead_time_days, -candidate.seller_score, o.id), (
        f"landed {o.landed_minor} minor units, ships in {o.lead_time_days} d, score {candidate.seller_score:.2f}"
    )


def weighted(candidate: Candidate) -> tuple[Key, str]:
    """Landed price made dearer by 2% a day of lead time and by up to 20% for a poor score: a slightly
    dearer offer from a fast, reliable seller wins over a cheap one from a slow or failing one."""
    o = candidate.offer
    lead = Decimal(1) + Decimal("0.02") * o.lead_time_days
    trust = Decimal(1) + Decimal("0.2") * (Decimal(1) - Decimal(str(round(candidate.seller_score, 4))))
    effective = (Decimal(o.landed_minor) * lead * trust).quantize(Decimal("0.01"))
    return (effective, o.lead_time_days, o.id), (
        f"effective {effective} (landed {o.landed_minor} x {lead} lead time x {trust} score)"
    )


def fastest(candidate: Candidate) -> tuple[Key, str]:
    o = candidate.offer
    return (o.lead_time_days, o.landed_minor, o.id), f"ships in {o.lead_time_days} d, landed {o.landed_minor}"


RULES: Mapping[str, Rule] = {"landed_price": landed_price, "weighted": weighted, "fastest": fastest}
DEFAULT_RULE = "weighted"


def ruled_out(candidate: Candidate, quantity: int, currency: str) -> str | None:
    o = candidate.offer
    if not o.active:
        return "offer inactive"
    if not candidate.seller_sells:
        return f"seller {candidate.seller_status}" if candidate.seller_status != "approved" else "seller on holiday"
    if o.currency != currency:
        return f"offer in {o.currency}, order in {currency}"
    if quantity < o.min_quantity:
        return f"below the offer's minimum of {o.min_quantity}"
    if o.max_quantity is not None and quantity > o.max_quantity:
        return f"above the offer's maximum of {o.max_quantity}"
    if candidate.available < quantity:
        return f"only {candidate.available} available"
    return None


def choose(
    sku: str, quantity: int, currency: str, candidates: Sequence[Candidate], *, rule: str = DEFAULT_RULE
) -> BuyBoxResult:
    """The winning offer for ``quantity`` x ``sku`` (None if none may take it), with every candidate."""
    scorer = RULES[rule]
    eligible: list[tuple[Key, str, Candidate]] = []
    considered: list[Considered] = []
    for c in candidates:
        why_not = ruled_out(c, quantity, currency)
        if why_not is None:
            key, words = scorer(c)
            eligible.append((key, words, c))
        else:
            considered.append(_considered(c, False, why_not, None))
    eligible.sort(key=lambda item: item[0])
    ranked = [_considered(c, True, words, rank) for rank, (_, words, c) in enumerate(eligible, start=1)]
    winner = eligible[0][2].offer if eligible else None
    return BuyBoxResult(sku, quantity, rule, winner, tuple(ranked + considered))


def _considered(c: Candidate, eligible: bool, reason: str, rank: int | None) -> Considered:
    o = c.offer
    return Considered(
        o.id, o.seller_id, o.landed_minor, o.lead_time_days, c.seller_score, c.available, eligible, reason, rank
    )
