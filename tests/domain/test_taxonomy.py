"""Reading Google's and Shopify's taxonomy text forms; refusing what is not one, by line number."""

from __future__ import annotations

import pytest

from overture.domain.taxonomy import (
    TaxonomyError,
    TaxonomyLineError,
    TaxonomyStyle,
    name_alternatives,
    parse_taxonomy,
    stem,
    words,
)
from tests.conftest import SAMPLES

GOOGLE = """# Google_Product_Taxonomy_Version: 2021-09-21
1 - Animals & Pet Supplies
2 - Animals & Pet Supplies > Pet Supplies
3530 - Animals & Pet Supplies > Pet Supplies > Dog Supplies > Dog Food
4 - Animals & Pet Supplies > Pet Supplies > Dog Supplies
166 - Apparel & Accessories
187 - Apparel & Accessories > Shoes
"""

# Shopify pads the ids to one column before the colon.
SHOPIFY = """# Shopify Product Taxonomy - Categories: 2024-07
# Format: {GID} : {Ancestor name} > ... > {Category name}

gid://shopify/TaxonomyCategory/aa                : Apparel & Accessories
gid://shopify/TaxonomyCategory/aa-1              : Apparel & Accessories > Clothing
gid://shopify/TaxonomyCategory/aa-1-13-8         : Apparel & Accessories > Clothing > Shirts & Tops
gid://shopify/TaxonomyCategory/ap                : Animals & Pet Supplies
"""


def test_google_lines_give_ids_paths_top_levels_and_version() -> None:
    taxonomy = parse_taxonomy(GOOGLE)
    assert taxonomy.style is TaxonomyStyle.GOOGLE
    assert taxonomy.version == "2021-09-21"
    assert len(taxonomy) == 6
    food = taxonomy.get("3530")
    assert food is not None
    assert food.path == ("Animals & Pet Supplies", "Pet Supplies", "Dog Supplies", "Dog Food")
    assert (food.name, food.top_level, food.text.count(" > ")) == ("Dog Food", "Animals & Pet Supplies", 3)
    assert taxonomy.top_levels == ("Animals & Pet Supplies", "Apparel & Accessories")


def test_leaves_are_categories_nothing_sits_under() -> None:
    taxonomy = parse_taxonomy(GOOGLE)
    leaves = {c.id for c in taxonomy if taxonomy.is_leaf(c)}
    assert leaves == {"3530", "187"}


def test_shopify_id_style_parses_with_padding_and_header_comments() -> None:
    taxonomy = parse_taxonomy(SHOPIFY)
    assert taxonomy.style is TaxonomyStyle.SHOPIFY
    assert taxonomy.version == "2024-07"
    shirts = taxonomy.get("gid://shopify/TaxonomyCategory/aa-1-13-8")
    assert shirts is not None
    assert shirts.path == ("Apparel & Accessories", "Clothing", "Shirts & Tops")


def test_byte_order_mark_and_windows_line_ends_are_read() -> None:
    taxonomy = parse_taxonomy("\ufeff" + GOOGLE.replace("\n", "\r\n"))
    assert len(taxonomy) == 6
    assert taxonomy.get("1") is not None


@pytest.mark.parametrize(
    ("text", "line_number", "reason"),
    [
        ("1 - Animals\n2 Animals > Pets\n", 2, "expected 'ID - Top"),
        ("1 - Animals\n2 - Animals >  > Pets\n", 2, "a category name is empty"),
        ("1 - Animals\n1 - Apparel\n", 2, "the id '1' is already on line 1"),
        ("1 - Animals\n2 - Animals\n", 2, "the path 'Animals' is already on line 1"),
        ("1 - Animals\ngid://shopify/TaxonomyCategory/aa : Apparel\n", 2, "a shopify line in a google taxonomy"),
        (
            "# header\n1 - Animals\n\n7 - Animals > Pets > Dogs\n",
            4,
            "its parent 'Animals > Pets' is not in the taxonomy",
        ),
    ],
)
def test_a_bad_line_is_refused_with_its_number(text: str, line_number: int, reason: str) -> None:
    with pytest.raises(TaxonomyLineError) as refused:
        parse_taxonomy(text)
    assert refused.value.line_number == line_number
    assert reason in refused.value.reason
    assert f"line {line_number}:" in str(refused.value)


def test_text_without_categories_is_refused() -> None:
    with pytest.raises(TaxonomyError, match="no category"):
        parse_taxonomy("# Google_Product_Taxonomy_Version: 2021-09-21\n\n")


def test_words_are_stemmed_content_words() -> None:
    assert words("Men's Running Shoes, 2 Pack for Kids") == ["men", "running", "shoe", "kid"]
    assert [stem(w) for w in ("batteries", "brushes", "glass", "dress", "boxes")] == [
        "battery",
        "brush",
        "glass",
        "dress",
        "box",
    ]


def test_a_name_lists_its_alternatives() -> None:
    assert name_alternatives("Skillets & Frying Pans") == [["skillet"], ["frying", "pan"]]
    assert name_alternatives("Hair Pins, Claws & Clips") == [["hair", "pin"], ["claw"], ["clip"]]
    assert name_alternatives("3D Printers") == [["printer"]]


def test_googles_published_taxonomy_parses() -> None:
    path = SAMPLES / "taxonomy" / "taxonomy-with-ids.en-US.txt"
    if not path.is_file():
        pytest.skip(f"Google's taxonomy file is not at {path} (shared samples absent)")
    taxonomy = parse_taxonomy(path.read_text(encoding="utf-8"))
    assert len(taxonomy) > 5000
    assert len(taxonomy.top_levels) == 21
    assert taxonomy.get("187") is not None
