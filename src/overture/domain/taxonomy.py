"""A product taxonomy: categories with an id, a path and a top level, read from the text forms
Google and Shopify publish, and the words a category's name is made of.

The two forms, one category a line (``#`` lines are comments, blank lines are skipped)::

    # Google_Product_Taxonomy_Version: 2021-09-21
    166 - Apparel & Accessories
    1604 - Apparel & Accessories > Clothing

    # Shopify Product Taxonomy - Categories: 2024-07
    gid://shopify/TaxonomyCategory/aa                 : Apparel & Accessories
    gid://shopify/TaxonomyCategory/aa-1               : Apparel & Accessories > Clothing

A file is one form or the other, never both; every category's parent is in the file too.

Errors::

    TaxonomyError (ValueError)   the text is not a taxonomy (no category at all)
     +-- TaxonomyLineError       one line cannot be read: names the line number, the line and why
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from enum import StrEnum

_GOOGLE_LINE = re.compile(r"^(\d+)\s+-\s+(.*)$")
_SHOPIFY_LINE = re.compile(r"^(gid://shopify/TaxonomyCategory/[A-Za-z0-9][A-Za-z0-9-]*)\s*:\s*(.*)$")
_VERSION = re.compile(r"(?:Version|Categories)\s*:\s*(\S+)")
_SEPARATOR = " > "


class TaxonomyStyle(StrEnum):
    GOOGLE = "google"  # ``166 - Apparel & Accessories``
    SHOPIFY = "shopify"  # ``gid://shopify/TaxonomyCategory/aa : Apparel & Accessories``


class TaxonomyError(ValueError):
    """The text is not a taxonomy."""


class TaxonomyLineError(TaxonomyError):
    """One line of the taxonomy cannot be read."""

    def __init__(self, *, line_number: int, line: str, reason: str) -> None:
        self.line_number = line_number
        self.line = line
        self.reason = reason
        super().__init__(f"line {line_number}: {reason}: {line[:120]!r}")


@dataclass(frozen=True, slots=True)
class Category:
    """One category: its id as the file writes it (``166`` or ``gid://shopify/TaxonomyCategory/aa``)
    and its path from the top level down (``("Apparel & Accessories", "Clothing")``)."""

    id: str
    path: tuple[str, ...]

    @property
    def name(self) -> str:
        return self.path[-1]

    @property
    def top_level(self) -> str:
        return self.path[0]

    @property
    def parent_path(self) -> tuple[str, ...]:
        return self.path[:-1]

    @property
    def text(self) -> str:
        """The path as the file writes it: ``Apparel & Accessories > Clothing``."""
        return _SEPARATOR.join(self.path)


@dataclass(frozen=True)
class Taxonomy:
    """Every category of one taxonomy, in the file's order."""

    categories: tuple[Category, ...]
    style: TaxonomyStyle
    version: str | None = None
    _by_id: dict[str, Category] = field(init=False, repr=False, compare=False)
    _inner: frozenset[tuple[str, ...]] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_by_id", {c.id: c for c in self.categories})
        object.__setattr__(self, "_inner", frozenset(c.parent_path for c in self.categories if len(c.path) > 1))

    def __len__(self) -> int:
        return len(self.categories)

    def __iter__(self) -> Iterator[Category]:
        return iter(self.categories)

    def get(self, category_id: str) -> Category | None:
        return self._by_id.get(category_id)

    def is_leaf(self, category: Category) -> bool:
        """True when no category of the taxonomy sits under this one."""
        return category.path not in self._inner

    @property
    def top_levels(self) -> tuple[str, ...]:
        """The top-level names, in the file's order."""
        return tuple(dict.fromkeys(c.top_level for c in self.categories))


def parse_taxonomy(text: str) -> Taxonomy:
    """Read a taxonomy in Google's (``ID - A > B``) or Shopify's (``gid://... : A > B``) text form.

    Raises ``TaxonomyLineError`` for the first line that cannot be read (a line of neither form, a
    line of the other form than the first category's, an empty name, an id or a path given twice, a
    category whose parent is not in the file) and ``TaxonomyError`` when there is no category."""
    style: TaxonomyStyle | None = None
    version: str | None = None
    categories: list[Category] = []
    seen: dict[str, int] = {}  # id or path text -> the line that gave it
    numbers: dict[str, int] = {}  # category id -> its line number, for the parent check
    for number, raw in enumerate(text.removeprefix("\ufeff").splitlines(), start=1):
        line = raw.strip()
        if not line:
            continue
        if line.startswith("#"):
            version = version or _version(line)
            continue
        line_style, category = _category(line, number)
        if style is None:
            style = line_style
        elif line_style is not style:
            raise TaxonomyLineError(line_number=number, line=line, reason=f"a {line_style} line in a {style} taxonomy")
        _check_unique(seen, category, number, line)
        numbers[category.id] = number
        categories.append(category)
    if style is None:
        raise TaxonomyError("no category in the taxonomy text")
    _check_parents(categories, numbers)
    return Taxonomy(tuple(categories), style, version)


def _version(comment: str) -> str | None:
    found = _VERSION.search(comment)
    return found.group(1) if found else None


def _category(line: str, number: int) -> tuple[TaxonomyStyle, Category]:
    for style, pattern in ((TaxonomyStyle.GOOGLE, _GOOGLE_LINE), (TaxonomyStyle.SHOPIFY, _SHOPIFY_LINE)):
        found = pattern.match(line)
        if found:
            return style, Category(found.group(1), _path(found.group(2), number, line))
    raise TaxonomyLineError(
        line_number=number,
        line=line,
        reason="expected 'ID - Top > ... > Name' or 'gid://shopify/TaxonomyCategory/ID : Top > ... > Name'",
    )


def _path(text: str, number: int, line: str) -> tuple[str, ...]:
    names = tuple(name.strip() for name in text.split(">"))
    if not all(names):
        raise TaxonomyLineError(line_number=number, line=line, reason="a category name is empty")
    return names


def _check_unique(seen: dict[str, int], category: Category, number: int, line: str) -> None:
    for key, what in ((category.id, "id"), (category.text, "path")):
        if key in seen:
            raise TaxonomyLineError(
                line_number=number, line=line, reason=f"the {what} {key!r} is already on line {seen[key]}"
            )
        seen[key] = number


def _check_parents(categories: list[Category], numbers: dict[str, int]) -> None:
    # A missing parent means a cut or hand-edited file: narrowing by top level would then miss it.
    paths = {c.path for c in categories}
    for category in categories:
        if len(category.path) > 1 and category.parent_path not in paths:
            raise TaxonomyLineError(
                line_number=numbers[category.id],
                line=f"{category.id} {category.text}",
                reason=f"its parent {_SEPARATOR.join(category.parent_path)!r} is not in the taxonomy",
            )


# Words of names and titles -------------------------------------------------------------------

_WORD = re.compile(r"[a-z]+")
# Joining words and pack/size words, which say nothing about what a product is.
STOP_WORDS = frozenset(
    {"and", "or", "the", "for", "with", "of", "in", "a", "an", "to", "by", "on", "at", "from"}
    | {"set", "pack", "pcs", "pc", "piece", "pieces", "count", "ct", "inch", "size", "new"}
)
# How a category name lists alternatives: "Skillets & Frying Pans", "Shirts & Tops", "Pens, Pencils".
_ALTERNATIVES = re.compile(r"\s*(?:&|,|/|\band\b)\s*")


def stem(word: str) -> str:
    """A plural's singular, roughly: enough that "Shoes" meets "shoe" and "Batteries" "battery"."""
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 4 and re.search(r"(ss|sh|ch|x|z)es$", word):
        return word[:-2]
    if len(word) > 3 and word.endswith("s") and not word.endswith("ss"):
        return word[:-1]
    return word


def words(text: str) -> list[str]:
    """The stemmed content words of a text, lower case, in order (stop words and letters dropped)."""
    lowered = text.lower().replace("'s", "")
    return [stem(w) for w in _WORD.findall(lowered) if w not in STOP_WORDS and len(w) > 1]


def name_alternatives(name: str) -> list[list[str]]:
    """The things a category name lists, each as its words: "Skillets & Frying Pans" is
    ``[["skillet"], ["frying", "pan"]]``. A title need only match one of them."""
    listed = [words(part) for part in _ALTERNATIVES.split(name)]
    return [alternative for alternative in listed if alternative] or [words(name)]
