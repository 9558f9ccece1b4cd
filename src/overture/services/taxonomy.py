"""Map marketplace sellers' product titles to the operator's product taxonomy, offline.

``TaxonomyMapper`` is built once per taxonomy: it embeds every category (its name, its parent's
name and its whole path) into one matrix, and the centroid of each top-level branch. A title (and
its attributes: brand, the seller's own category, ...) is then scored in two steps:

1. narrowing: each top-level branch scores half by the title's similarity to the branch's centroid
   and half by its best category; only the best few branches (``branches``) are kept;
2. ranking: inside them, each category scores by embedding similarity plus how well the title's
   words match its name (services/taxonomy_text.py), with a small preference for leaves (a
   cataloguer picks the most specific category) and against accessory and part categories when
   the title does not ask for one, plus a share of its branch's score.

The result is the best ``top_k`` categories, a confidence (the best one's share of a softmax over
the kept categories' scores) and ``needs_review`` when that is below ``review_below``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from overture.domain.taxonomy import Category, Taxonomy
from overture.services.ports.embeddings import TextEmbedder, Vectors
from overture.services.taxonomy_text import NameIndex, ProductQuery

Scores = npt.NDArray[np.float32]

# How a category's vector is made: its own name says most, its parent and full path give context
# ("Gloves" under Cycling is not "Gloves" under Safety Gear).
_NAME_SHARE, _PARENT_SHARE, _PATH_SHARE = 0.6, 0.25, 0.15
_HEAD_SHARE = 0.3  # of a title's vector, from the words naming the product (taxonomy_text.py)
_CENTROID_SHARE = 0.5  # of a branch's score, the rest from its best category
_BRANCH_SHARE = 0.3  # of a branch's score added to each of its categories
_LEAF_BONUS = 0.1
_ACCESSORY_PENALTY = 0.1
_TEMPERATURE = 0.05  # of the softmax behind the confidence; scores are cosines plus name matches
_BATCH = 256  # titles embedded and scored together: 256 x categories float32 stays a few MB


@dataclass(frozen=True, slots=True)
class MapperSettings:
    """What an operator may tune: how many candidates to return and branches to keep, when a
    mapping goes to review, and how much the name match counts beside embedding similarity."""

    top_k: int = 3
    branches: int = 3
    review_below: float = 0.5
    name_weight: float = 0.5

    def __post_init__(self) -> None:
        if self.top_k < 1 or self.branches < 1:
            raise ValueError("top_k and branches must be at least 1")
        if not 0.0 <= self.review_below <= 1.0:
            raise ValueError("review_below is a confidence between 0 and 1")


@dataclass(frozen=True, slots=True)
class CategoryMatch:
    category_id: str
    path: tuple[str, ...]
    score: float

    @property
    def text(self) -> str:
        return " > ".join(self.path)


@dataclass(frozen=True, slots=True)
class TaxonomyMapping:
    """One title's candidates, best first, and how sure the mapper is of the first."""

    title: str
    candidates: tuple[CategoryMatch, ...]
    confidence: float
    needs_review: bool
    top_levels: tuple[str, ...]  # the branches kept by narrowing, best first

    @property
    def best(self) -> CategoryMatch:
        return self.candidates[0]


class TaxonomyMapper:
    """Maps product titles to one taxonomy with one embedding model (see the module docstring)."""

    def __init__(self, taxonomy: Taxonomy, embedder: TextEmbedder, *, settings: MapperSettings | None = None) -> None:
        self.taxonomy = taxonomy
        self.settings = settings or MapperSettings()
        self._embedder = embedder
        self._categories: tuple[Category, ...] = taxonomy.categories
        self._names = NameIndex(taxonomy)
        self._vectors = _category_vectors(self._categories, embedder)
        self._top_levels = taxonomy.top_levels
        branch_of = {name: n for n, name in enumerate(self._top_levels)}
        self._branch = np.array([branch_of[c.top_level] for c in self._categories], dtype=np.intp)
        # Categories grouped by branch, so a branch's best score is one reduceat.
        self._by_branch = np.argsort(self._branch, kind="stable")
        self._branch_starts = np.searchsorted(self._branch[self._by_branch], np.arange(len(self._top_levels)))
        self._centroids = _unit(
            np.stack([self._vectors[self._branch == b].mean(axis=0) for b in range(len(self._top_levels))])
        )
        self._prior = np.where([taxonomy.is_leaf(c) for c in self._categories], _LEAF_BONUS, 0.0).astype(np.float32)

    def map(self, title: str, attributes: Mapping[str, str] | None = None) -> TaxonomyMapping:
        """The categories for one title; ``attributes`` as ``{"brand": "Nike", "seller_category": ...}``."""
        return self.map_many([(title, attributes)])[0]

    def map_many(self, products: Iterable[tuple[str, Mapping[str, str] | None]]) -> list[TaxonomyMapping]:
        """The categories for many titles, in order; faster than ``map`` one by one (batched)."""
        items = list(products)
        mappings: list[TaxonomyMapping] = []
        for start in range(0, len(items), _BATCH):
            mappings.extend(self._map_batch(items[start : start + _BATCH]))
        return mappings

    def _map_batch(self, items: Sequence[tuple[str, Mapping[str, str] | None]]) -> list[TaxonomyMapping]:
        queries = [self._names.query(title, attributes) for title, attributes in items]
        vectors = _title_vectors(queries, self._embedder)
        similarities = vectors @ self._vectors.T
        centroid_similarities = vectors @ self._centroids.T
        return [
            self._rank(title, query, similarities[n], centroid_similarities[n])
            for n, ((title, _), query) in enumerate(zip(items, queries, strict=True))
        ]

    def _rank(self, title: str, query: ProductQuery, similarity: Scores, centroid: Scores) -> TaxonomyMapping:
        scores = similarity + self.settings.name_weight * self._names.scores(query) + self._prior
        if not query.wants_accessory:
            scores = scores - _ACCESSORY_PENALTY * self._names.is_accessory
        branch_scores = self._branch_scores(scores, centroid)
        kept = np.argsort(-branch_scores, kind="stable")[: self.settings.branches]
        in_kept = np.isin(self._branch, kept)
        final = np.where(in_kept, scores + _BRANCH_SHARE * branch_scores[self._branch], -np.inf)
        candidates = self._candidates(final)
        confidence = _confidence(final[in_kept])
        return TaxonomyMapping(
            title=title,
            candidates=candidates,
            confidence=confidence,
            needs_review=confidence < self.settings.review_below,
            top_levels=tuple(self._top_levels[b] for b in kept),
        )

    def _branch_scores(self, scores: Scores, centroid: Scores) -> Scores:
        best = np.maximum.reduceat(scores[self._by_branch], self._branch_starts)
        result: Scores = (_CENTROID_SHARE * centroid + (1 - _CENTROID_SHARE) * best).astype(np.float32)
        return result

    def _candidates(self, final: Scores) -> tuple[CategoryMatch, ...]:
        k = min(self.settings.top_k, int(np.isfinite(final).sum()))
        best = np.argpartition(-final, k - 1)[:k]
        best = best[np.argsort(-final[best], kind="stable")]
        return tuple(
            CategoryMatch(self._categories[n].id, self._categories[n].path, round(float(final[n]), 4)) for n in best
        )


def _category_vectors(categories: Sequence[Category], embedder: TextEmbedder) -> Vectors:
    names = embedder.embed([c.name for c in categories])
    parents = embedder.embed([c.path[-2] if len(c.path) > 1 else c.name for c in categories])
    paths = embedder.embed([c.text for c in categories])
    return _unit(_NAME_SHARE * names + _PARENT_SHARE * parents + _PATH_SHARE * paths)


def _title_vectors(queries: Sequence[ProductQuery], embedder: TextEmbedder) -> Vectors:
    whole = embedder.embed([q.text for q in queries])
    heads = embedder.embed([q.head for q in queries])
    return _unit((1 - _HEAD_SHARE) * whole + _HEAD_SHARE * heads)


def _unit(vectors: npt.NDArray[np.floating]) -> Vectors:
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    unit: Vectors = np.divide(vectors, norms, out=np.zeros_like(vectors), where=norms > 0).astype(np.float32)
    return unit


def _confidence(scores: Scores) -> float:
    """The best score's share of a softmax over all of them: near 1 when it stands out alone."""
    shifted = np.exp((scores - scores.max()) / _TEMPERATURE)
    return round(float(1.0 / shifted.sum()), 4)
