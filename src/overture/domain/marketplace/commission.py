"""Commissions: the operator's rules, the terms frozen on a line when it is placed, and what a refund
gives back of the fee.

A rule matches by seller, category or channel (the most specific wins: seller > category > channel >
default, then the higher priority). Its terms are copied onto the line at placement, so a rule changed
later, or an edit of the order, never changes what a sold line pays. Amounts are whole minor units.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

_SPECIFICITY = {"seller": 3, "category": 2, "channel": 1, "default": 0}


@dataclass(frozen=True, slots=True)
class CommissionTerms:
    """What a line pays: ``percent`` of its base plus ``flat_minor``, kept within min and max, with tax on
    the fee at ``fee_tax_percent``; the base includes shipping if ``include_shipping``."""

    rule_id: str
    percent: Decimal = Decimal(0)
    flat_minor: int = 0
    min_minor: int | None = None
    max_minor: int | None = None
    fee_tax_percent: Decimal = Decimal(0)
    include_shipping: bool = False

    def fee(self, goods_minor: int, shipping_minor: int) -> int:
        base = goods_minor + (shipping_minor if self.include_shipping else 0)
        fee = _round(Decimal(base) * self.percent / 100) + self.flat_minor
        if self.min_minor is not None:
            fee = max(fee, self.min_minor)
        if self.max_minor is not None:
            fee = min(fee, self.max_minor)
        return max(fee, 0)

    def tax_on(self, fee_minor: int) -> int:
        return _round(Decimal(fee_minor) * self.fee_tax_percent / 100)

    def as_json(self) -> dict[str, Any]:
        return {
            "rule_id": self.rule_id,
            "percent": str(self.percent),
            "flat_minor": self.flat_minor,
            "min_minor": self.min_minor,
            "max_minor": self.max_minor,
            "fee_tax_percent": str(self.fee_tax_percent),
            "include_shipping": self.include_shipping,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> CommissionTerms:
        return cls(
            str(data["rule_id"]),
            Decimal(str(data["percent"])),
            int(data["flat_minor"]),
            None if data.get("min_minor") is None else int(data["min_minor"]),
            None if data.get("max_minor") is None else int(data["max_minor"]),
            Decimal(str(data["fee_tax_percent"])),
            bool(data["include_shipping"]),
        )


@dataclass(frozen=True, slots=True)
class CommissionRule:
    id: str
    scope: str  # default | channel | category | seller
    value: str  # the channel, category id or seller id ("" for default)
    currency: str
    terms: CommissionTerms
    priority: int = 0
    active: bool = True

    def matches(self, *, seller_id: str, category: str, channel: str, currency: str) -> bool:
        if not self.active or self.currency != currency:
            return False
        wanted = {"seller": seller_id, "channel": channel, "default": ""}
        if self.scope == "category":
            # A rule on a category covers its subcategories: "Apparel" covers "Apparel > Shoes".
            return bool(category) and (category == self.value or category.startswith(self.value + " > "))
        return wanted.get(self.scope) == self.value


class NoCommissionRule(LookupError):
    pass


def terms_for(
    rules: Sequence[CommissionRule], *, seller_id: str, category: str, channel: str, currency: str
) -> CommissionTerms:
    """The terms of the most specific active rule that matches; NoCommissionRule if none does."""
    matching = [
        r for r in rules if r.matches(seller_id=seller_id, category=category, channel=channel, currency=currency)
    ]
    if not matching:
        raise NoCommissionRule(f"no commission rule in {currency} for seller {seller_id}, category {category!r}")
    best = max(matching, key=lambda r: (_SPECIFICITY.get(r.scope, 0), r.priority, r.id))
    return best.terms


@dataclass(frozen=True, slots=True)
class ClawbackPolicy:
    """What a refund gives back of the commission: the fee's refunded share minus an administration fee
    of the lesser of ``cap_minor`` and ``percent`` of that share (Amazon's refund administration fee:
    the lesser of 5.00 or 20% of the referral fee)."""

    cap_minor: int = 500
    percent: Decimal = Decimal(20)

    def returned(self, fee_share_minor: int) -> int:
        if fee_share_minor <= 0:
            return 0
        admin = min(self.cap_minor, _round(Decimal(fee_share_minor) * self.percent / 100))
        return fee_share_minor - admin


def share(amount_minor: int, part: int, whole: int) -> int:
    """``amount`` x part / whole in minor units, half up (a refund's share of a fee)."""
    if whole <= 0:
        return 0
    return _round(Decimal(amount_minor) * part / whole)


def _round(value: Decimal) -> int:
    return int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP))
