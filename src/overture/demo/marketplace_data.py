"""Generated marketplace data: sellers, a shared catalogue with offers (each product a cheapest seller,
some a second, dearer one to re-route to), commission rules, and planned orders, a share of which span
two or more sellers. Seeded, so a run can be repeated."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from decimal import Decimal

from overture.domain.marketplace.commission import CommissionRule, CommissionTerms

CATEGORIES = ("Home & Garden", "Electronics", "Apparel & Accessories", "Toys & Games", "Sporting Goods")


@dataclass(frozen=True, slots=True)
class Product:
    sku: str
    category: str
    price_minor: int
    offers: tuple[tuple[str, int], ...]  # (seller, price in minor units), cheapest first


@dataclass(frozen=True, slots=True)
class PlannedLine:
    sku: str
    quantity: int
    price_minor: int


@dataclass(frozen=True, slots=True)
class PlannedOrder:
    lines: tuple[PlannedLine, ...]
    spans_sellers: bool


@dataclass(frozen=True, slots=True)
class MarketplaceData:
    sellers: tuple[str, ...]
    products: tuple[Product, ...]
    orders: tuple[PlannedOrder, ...]
    rules: tuple[CommissionRule, ...] = field(default_factory=tuple)
    later_rules: tuple[CommissionRule, ...] = field(default_factory=tuple)  # added halfway through


def _rules() -> tuple[tuple[CommissionRule, ...], tuple[CommissionRule, ...]]:
    base = CommissionRule(
        "cr-default", "default", "", "USD", CommissionTerms("cr-default", Decimal(12), 30, fee_tax_percent=Decimal(20))
    )
    electronics = CommissionRule(
        "cr-electronics",
        "category",
        "Electronics",
        "USD",
        CommissionTerms("cr-electronics", Decimal(8), min_minor=100, max_minor=2500, fee_tax_percent=Decimal(20)),
    )
    # Halfway through: a dearer rule for one seller. Lines sold before keep the terms they were sold on.
    later = CommissionRule(
        "cr-s003", "seller", "s003", "USD", CommissionTerms("cr-s003", Decimal(20), fee_tax_percent=Decimal(20))
    )
    return (base, electronics), (later,)


def build(*, sellers: int = 50, products: int = 2_000, orders: int = 5_000, seed: int = 18) -> MarketplaceData:
    rng = random.Random(seed)
    seller_ids = tuple(f"s{n:03d}" for n in range(sellers))
    catalogue = []
    for n in range(products):
        primary = seller_ids[n % sellers]
        price = rng.randint(300, 15_000)
        offers = [(primary, price)]
        if rng.random() < 0.3:  # a second seller, dearer: where refused lines go
            other = seller_ids[(n + 1 + rng.randrange(sellers - 1)) % sellers]
            offers.append((other, price + rng.randint(50, 500)))
        catalogue.append(Product(f"MP-{n:05d}", CATEGORIES[n % len(CATEGORIES)], price, tuple(offers)))
    by_seller: dict[str, list[Product]] = {}
    for p in catalogue:
        by_seller.setdefault(p.offers[0][0], []).append(p)
    planned = [_order(rng, catalogue, by_seller, seller_ids, spans=n % 3 == 0) for n in range(orders)]
    rules, later = _rules()
    return MarketplaceData(seller_ids, tuple(catalogue), tuple(planned), rules, later)


def _order(
    rng: random.Random,
    catalogue: list[Product],
    by_seller: dict[str, list[Product]],
    sellers: tuple[str, ...],
    *,
    spans: bool,
) -> PlannedOrder:
    if spans:  # lines from two or three different sellers
        chosen = rng.sample(sellers, rng.choice((2, 2, 3)))
        products = [rng.choice(by_seller[s]) for s in chosen]
    else:
        seller = rng.choice(sellers)
        products = rng.sample(by_seller[seller], rng.choice((1, 1, 2)))
    lines = tuple(PlannedLine(p.sku, rng.choice((1, 1, 1, 2, 3)), p.price_minor) for p in products)
    return PlannedOrder(lines, spans)
