"""Offers put in the operator's taxonomy: every offer with a title and no category is mapped (offline,
``services/taxonomy.py``); a confident mapping sets its category, which commission rules by category
then see; a doubtful one opens a ``taxonomy_review`` case with the candidates, so a person picks."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from overture.domain.ids import new_id
from overture.domain.marketplace.buybox import Offer
from overture.services.ports import Clock, UnitOfWork, UnitOfWorkFactory
from overture.services.ports.marketplace import SellerCase
from overture.services.retry import in_transaction, read_only
from overture.services.taxonomy import TaxonomyMapping

REVIEW = "taxonomy_review"


class Mapper(Protocol):
    def map_many(self, products: Iterable[tuple[str, Mapping[str, str] | None]]) -> list[TaxonomyMapping]: ...


@dataclass(frozen=True, slots=True)
class Categorised:
    mapped: int  # offers given a category
    for_review: int  # offers left for a person, each with a case


def categorise_offers(
    uow_factory: UnitOfWorkFactory, mapper: Mapper, *, clock: Clock, seller_ids: Sequence[str] | None = None
) -> Categorised:
    def pending(uow: UnitOfWork) -> list[tuple[str, list[Offer]]]:
        chosen = uow.marketplace.sellers(seller_ids) if seller_ids is not None else uow.marketplace.sellers()
        return [(s.id, [o for o in uow.marketplace.offers_of(s.id) if o.title and not o.category]) for s in chosen]

    work = [(seller, offer) for seller, offers in read_only(uow_factory, pending) for offer in offers]
    if not work:
        return Categorised(0, 0)
    mappings = mapper.map_many([(offer.title, None) for _, offer in work])

    def apply(uow: UnitOfWork) -> Categorised:
        at, mapped, review = clock(), 0, 0
        for (seller_id, offer), mapping in zip(work, mappings, strict=True):
            if mapping.needs_review:
                review += uow.marketplace.add_case(_case(seller_id, offer.sku, offer.title, mapping, at))
                continue
            uow.marketplace.upsert_offer(dataclasses.replace(offer, category=mapping.best.text), at)
            mapped += 1
        return Categorised(mapped, review)

    return in_transaction(uow_factory, apply)


def _case(seller_id: str, sku: str, title: str, mapping: TaxonomyMapping, at: datetime) -> SellerCase:
    candidates = [{"id": c.category_id, "path": c.text, "score": round(c.score, 4)} for c in mapping.candidates]
    reason = f"{title!r}: not sure of its category ({mapping.confidence:.0%}); best guess {mapping.best.text}"
    return SellerCase(
        new_id("sc"),
        seller_id,
        REVIEW,
        sku,
        reason[:2000],
        at,
        {"title": title, "confidence": round(mapping.confidence, 4), "candidates": candidates},
    )
