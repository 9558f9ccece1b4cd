"""Offers put in the taxonomy, on SQLite and PostgreSQL, with the real (offline) model: a clear title
gets its category, which a category commission rule then sees; a doubtful one is left for a person as
a taxonomy_review case with the candidates; nothing is asked twice."""

from __future__ import annotations

import pytest

from overture.bootstrap import Container
from overture.connectors.embeddings import WordLlamaEmbedder
from overture.domain.taxonomy import parse_taxonomy
from overture.services.marketplace.categorise import REVIEW, categorise_offers
from overture.services.retry import read_only
from overture.services.taxonomy import MapperSettings, TaxonomyMapper
from tests.services.marketplace.builders import approved_seller, offer
from tests.services.test_taxonomy import SMALL


@pytest.fixture(scope="module")
def mapper() -> TaxonomyMapper:
    return TaxonomyMapper(parse_taxonomy(SMALL), WordLlamaEmbedder.load(), settings=MapperSettings(review_below=0.3))


def test_clear_titles_get_a_category_and_doubtful_ones_a_case(container: Container, mapper: TaxonomyMapper) -> None:
    approved_seller(container, "acme")
    offer(container, "acme", "HP-1", "59.00", 3, title="Wireless over-ear headphones with noise cancelling")
    offer(container, "acme", "SOCK-6", "12.00", 9, title="Merino wool hiking socks, 6 pairs")
    offer(container, "acme", "ODD-1", "5.00", 1, title="Gift")
    offer(container, "acme", "DONE-1", "5.00", 1, title="Dog chew toy", category="Animals & Pet Supplies")
    done = categorise_offers(container.uow, mapper, clock=container.clock)
    assert done.mapped + done.for_review == 3
    offers = {o.sku: o for o in read_only(container.uow, lambda uow: uow.marketplace.offers_of("acme"))}
    assert offers["HP-1"].category == "Electronics > Audio > Headphones"
    assert offers["SOCK-6"].category.endswith("Socks")
    assert offers["DONE-1"].category == "Animals & Pet Supplies"  # a seller's own category is kept
    cases = read_only(container.uow, lambda uow: uow.marketplace.cases(kind=REVIEW))
    assert [c.subject for c in cases] == ["ODD-1"] and offers["ODD-1"].category == ""
    assert cases[0].details["candidates"] and "not sure of its category" in cases[0].reason
    again = categorise_offers(container.uow, mapper, clock=container.clock)
    assert again.mapped == 0 and again.for_review == 0  # the open case is not opened twice
