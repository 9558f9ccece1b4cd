"""The words side of taxonomy mapping (services/taxonomy.py): what a seller's title says, and how
well each category's name is matched by it.

A marketplace title leads with the brand and ends with sizes, colours and what the product fits
("Anker 65W USB C Charger GaN Fast Wall Charger 3 Port", "Replacement Brush Heads Compatible with
Philips Sonicare 8 Pack"). So the words before the first "for", "with", "compatible", comma or
dash name the product and count fully; later words count half; the brand attribute's words and
numbers with their units do not count; a misspelt word ("Wirless") is read as the taxonomy word one
letter away. Category names often list alternatives ("Skillets & Frying Pans"): a title need only
match one, and the last word of each (its head noun: "Pans") counts double.
"""

from __future__ import annotations

import math
import re
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from overture.domain.taxonomy import Taxonomy, name_alternatives, words

# Attributes that say what the product is, in the seller's or the channel's words.
HINT_KEYS = frozenset({"category", "seller_category", "product_type", "type", "format", "platform"})
# A title with one of these is after a part or an accessory, not the thing itself.
_ACCESSORY_WORDS = frozenset({"accessory", "replacement", "part", "refill", "compatible", "spare"})
_ACCESSORY_NAME = re.compile(r"\b(?:Accessories|Parts|Replacement|Refills?)\b")
_HEAD_END = re.compile(r"\s(?:for|with|compatible|fits|w/)\s|,|\s-\s|\|", re.IGNORECASE)
_MEASURE = re.compile(r"\b\d+(?:\.\d+)?\s*[a-zA-Z\"']{0,4}\b")  # 10.5, 32oz, 6ft, 4K, 24"
_TAIL_WEIGHT = 0.5
_LEADING_WEIGHT = 0.5  # an unbranded title's first word is often a brand ("Razor A5 Lux Kick Scooter")
_HEAD_NOUN_WEIGHT = 2.0
_MIN_CORRECTED = 5  # shorter words are too often other words one letter away
# Colours rarely say what a product is, but they are category words ("White & Cream Sauces"): a title's
# colour words, and those of its colour attribute, count as little as its tail.
_COLOURS = frozenset(
    {"black", "white", "red", "blue", "green", "grey", "gray", "navy", "pink", "purple", "yellow", "orange"}
    | {"brown", "beige", "silver", "gold", "ivory", "cream", "khaki", "olive", "teal", "tan", "champagne"}
    | {"charcoal", "indigo"}
)
_COLOUR_WEIGHT = 0.25


@dataclass(frozen=True, slots=True)
class ProductQuery:
    """A title with its attributes, as the mapper reads them."""

    text: str  # the title without brand and measures, with the hint attributes: embedded
    head: str  # the part of it that names the product, with the hint attributes: embedded too
    weights: dict[str, float]  # word -> how much it counts in the name match

    @property
    def wants_accessory(self) -> bool:
        return not _ACCESSORY_WORDS.isdisjoint(self.weights)


class NameIndex:
    """How well a title's words match each category's name, for every category at once."""

    def __init__(self, taxonomy: Taxonomy) -> None:
        names = [category.name for category in taxonomy]
        self._idf = _idf(taxonomy)
        self._vocabulary = {word: n for n, word in enumerate(self._idf)}
        self._neighbours = _deletion_neighbours(self._idf)
        self._build(names)
        # 1.0 where the name is an accessory or part category ("Headphone Accessories"), else 0.0.
        self.is_accessory = np.array([float(bool(_ACCESSORY_NAME.search(name))) for name in names], dtype=np.float32)

    def _build(self, names: list[str]) -> None:
        # One entry per (alternative, word): scoring a title is then a few array operations.
        tokens: list[int] = []
        alternatives: list[int] = []
        entry_weights: list[float] = []
        starts: list[int] = []  # each category's first alternative
        count = 0
        for name in names:
            starts.append(count)
            for alternative in name_alternatives(name):
                raw = [
                    self._idf[w] * (_HEAD_NOUN_WEIGHT if n == len(alternative) - 1 else 1.0)
                    for n, w in enumerate(alternative)
                ]
                total = sum(raw) or 1.0
                for word, weight in zip(alternative, raw, strict=True):
                    tokens.append(self._vocabulary[word])
                    alternatives.append(count)
                    entry_weights.append(weight / total)
                count += 1
        self._tokens = np.array(tokens, dtype=np.intp)
        self._alternatives = np.array(alternatives, dtype=np.intp)
        self._weights = np.array(entry_weights, dtype=np.float32)
        self._starts = np.array(starts, dtype=np.intp)
        self._alternative_count = count

    def query(self, title: str, attributes: Mapping[str, str] | None = None) -> ProductQuery:
        """Read a title and its attributes (keys in any case; ``brand`` and the ``HINT_KEYS`` used)."""
        given = {key.strip().lower(): value for key, value in (attributes or {}).items()}
        brand = given.get("brand", "").strip()
        text = re.sub(re.escape(brand), " ", title, flags=re.IGNORECASE) if brand else title
        hints = " ".join(given[key] for key in sorted(HINT_KEYS & given.keys()))
        head, _, tail = _split_head(text)
        weights: dict[str, float] = {}
        head_words = [self.correct(w) for w in words(_without_measures(head))]
        for n, word in enumerate(head_words):
            leading = n == 0 and not brand and len(head_words) > 2
            weights[word] = max(weights.get(word, 0.0), _LEADING_WEIGHT if leading else 1.0)
        for word in (self.correct(w) for w in words(_without_measures(tail))):
            weights[word] = max(weights.get(word, 0.0), _TAIL_WEIGHT)
        colours = _COLOURS.union(words(given.get("colour", "") + " " + given.get("color", "")))
        for word in colours & weights.keys():
            weights[word] = min(weights[word], _COLOUR_WEIGHT)
        for word in (self.correct(w) for w in words(hints)):
            weights[word] = 1.0
        return ProductQuery(
            text=f"{_without_measures(text)} {hints}".strip(),
            head=f"{_without_measures(head)} {hints}".strip(),
            weights=weights,
        )

    def correct(self, word: str) -> str:
        """The taxonomy word one edit away from a word the taxonomy lacks (the rarest if several)."""
        if word in self._idf or len(word) < _MIN_CORRECTED:
            return word
        found = set(self._neighbours.get(word, ()))
        for shorter in _deletions(word):
            found.update(self._neighbours.get(shorter, ()))
        return max(sorted(found), key=self._idf.__getitem__) if found else word

    def scores(self, query: ProductQuery) -> npt.NDArray[np.float32]:
        """Per category, the best share of one of its name's alternatives that the title matches."""
        weights = np.zeros(len(self._vocabulary) + 1, dtype=np.float32)  # the last slot: unknown words
        for word, weight in query.weights.items():
            weights[self._vocabulary.get(word, len(self._vocabulary))] = weight
        matched = weights[self._tokens] * self._weights
        per_alternative = np.bincount(self._alternatives, matched, minlength=self._alternative_count)
        return np.maximum.reduceat(per_alternative, self._starts).astype(np.float32)


def _split_head(title: str) -> tuple[str, str, str]:
    found = _HEAD_END.search(title)
    if not found or found.start() == 0:
        return title, "", ""
    return title[: found.start()], found.group(0), title[found.end() :]


def _without_measures(text: str) -> str:
    return " ".join(_MEASURE.sub(" ", text).split())


def _idf(taxonomy: Taxonomy) -> dict[str, float]:
    # A word in few categories' paths tells them apart; "accessories" or "supplies" hardly does.
    counts: dict[str, int] = defaultdict(int)
    for category in taxonomy:
        for word in set(words(" ".join(category.path))):
            counts[word] += 1
    return {word: math.log(1 + len(taxonomy) / count) for word, count in sorted(counts.items())}


def _deletions(word: str) -> set[str]:
    return {word[:n] + word[n + 1 :] for n in range(len(word))}


def _deletion_neighbours(vocabulary: Mapping[str, float]) -> dict[str, set[str]]:
    # Symmetric deletion: two words one insertion, deletion or substitution apart share a key.
    neighbours: dict[str, set[str]] = defaultdict(set)
    for word in vocabulary:
        if len(word) >= _MIN_CORRECTED:
            neighbours[word].add(word)
            for shorter in _deletions(word):
                neighbours[shorter].add(word)
    return dict(neighbours)
