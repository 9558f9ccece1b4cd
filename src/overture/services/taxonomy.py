"""Map marketplace sellers' product titles to the operator's product taxonomy, offline.

``TaxonomyMapper`` is built once per taxonomy with one embedding model (WordLlama's, fast) and,
optionally, a second one (``reranker``: MiniLM's, slower and better). It embeds every category (its
name, its parent's name and its whole path) into one matrix, and the centroid of each top-level
branch. A title (and its attributes: brand, the seller's own category, ...) is then scored in steps:

1. narrowing: each top-level branch scores half by the title's similarity to the branch's centroid
   and half by its best category; only the best few branches (``branches``) are kept;
2. ranking: inside them, each category scores by embedding similarity plus how well the title's
   words match its name (services/taxonomy_text.py), with a small preference for leaves (a
   cataloguer picks the most specific category) and against accessory and part categories when
   the title does not ask for one, plus a share of its branch's score;
3. reranking, when a ``reranker`` is given: the best ``rerank`` categories of step 2 are scored
   again, by the first model's similarity and the name match as before plus the second model's
   similarity of the whole title, and of each pair of adjacent words of the part of the title that
   names the product (the best pair counts: "Classic Clog" in "Crocs Unisex Classic Clog Navy"),
   to the category's name and to its name with its parent's ("Cookware Skillets & Frying Pans").
   The second model embeds a category the first time it is a candidate, then keeps its vectors.
   Its shortlist is drawn from more branches than step 2 keeps alone (``rerank_branches``, all of
   Google's 21 by default): the second model recovers some titles whose branch narrowing ranks
   low, which 5 branches would have lost before it reads them.

The result is the best ``top_k`` categories, a confidence (the best one's share of a softmax over
the candidates' scores) and ``needs_review`` when that is below ``review_below``.
"""

from __future__ import annotations

import itertools
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

# Reranking (step 3): the weights of what a candidate scores by, chosen on the even rows of the
# bench's labelled titles (benchmarks/bench_taxonomy.py reports the odd rows apart).
_RERANK_FIRST = 0.35  # the first model's similarity, as in step 2
_RERANK_NAMES = 0.25  # the name match, as in step 2
_RERANK_LEAF = 0.7
_RERANK_ACCESSORY = 1.0  # an accessory category when the title asks for none: rarely right
_RERANK_TITLE_NAME, _RERANK_TITLE_CONTEXT = 0.9, 1.0  # the whole title to the name, to parent + name
_RERANK_PAIR_NAME, _RERANK_PAIR_CONTEXT = 1.3, 2.0  # the best word pair to the name, to parent + name
_RERANK_TEMPERATURE = 0.2  # the scores add up eight terms: a softer softmax than step 2's
_PAIR_CACHE = 20_000  # word pairs whose vectors are kept (a marketplace's titles repeat them): 31 MB


@dataclass(frozen=True, slots=True)
class MapperSettings:
    """What an operator may tune: how many candidates to return and branches to keep, when a
    mapping goes to review, how much the name match counts beside embedding similarity, and how
    many candidates a title's reranking scores again and from how many branches."""

    top_k: int = 3
    branches: int = 5
    review_below: float = 0.5
    name_weight: float = 0.5
    rerank: int = 400  # candidates per title that the reranker scores again (when there is one)
    rerank_branches: int = 21  # the branches its candidates come from, narrowing's best first

    def __post_init__(self) -> None:
        if min(self.top_k, self.branches, self.rerank, self.rerank_branches) < 1:
            raise ValueError("top_k, branches, rerank and rerank_branches must be at least 1")
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
    """Maps product titles to one taxonomy with one or two embedding models (see the module docstring)."""

    def __init__(
        self,
        taxonomy: Taxonomy,
        embedder: TextEmbedder,
        *,
        reranker: TextEmbedder | None = None,
        settings: MapperSettings | None = None,
    ) -> None:
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
        self._leaf = np.array([taxonomy.is_leaf(c) for c in self._categories], dtype=np.float32)
        self._prior = (_LEAF_BONUS * self._leaf).astype(np.float32)
        self._reranker = _Reranker(self._categories, reranker) if reranker is not None else None

    def embed_all_categories(self) -> None:
        """Have the reranker embed every category now, not each the first time it is a candidate: a
        long-running mapper of a large taxonomy pays once up front instead of in its first titles."""
        if self._reranker is not None:
            self._reranker.embed_categories(np.arange(len(self._categories)))

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
        branches = self.settings.branches if self._reranker is None else self.settings.rerank_branches
        ranked = [
            self._rank(query, similarities[n], centroid_similarities[n], branches) for n, query in enumerate(queries)
        ]
        if self._reranker is None:
            return [
                self._mapping(title, self._candidates(r.final), _confidence(r.final[r.in_kept], _TEMPERATURE), r.kept)
                for (title, _), r in zip(items, ranked, strict=True)
            ]
        shortlists = [_best(r.final, self.settings.rerank) for r in ranked]
        titles = [title for title, _ in items]
        features = self._reranker.features(titles, queries, shortlists)
        mappings = []
        for (title, _), r, shortlist, feature in zip(items, ranked, shortlists, features, strict=True):
            scores = self._rerank_scores(r, shortlist, feature)
            order = np.argsort(-scores, kind="stable")[: self.settings.top_k]
            candidates = tuple(self._match(int(shortlist[n]), float(scores[n])) for n in order)
            mappings.append(self._mapping(title, candidates, _confidence(scores, _RERANK_TEMPERATURE), r.kept))
        return mappings

    def _rank(self, query: ProductQuery, similarity: Scores, centroid: Scores, branches: int) -> _Ranked:
        names = self._names.scores(query)
        accessory = self._names.is_accessory if not query.wants_accessory else np.zeros_like(similarity)
        scores = similarity + self.settings.name_weight * names + self._prior - _ACCESSORY_PENALTY * accessory
        branch_scores = self._branch_scores(scores, centroid)
        kept = np.argsort(-branch_scores, kind="stable")[:branches]
        in_kept = np.isin(self._branch, kept)
        final = np.where(in_kept, scores + _BRANCH_SHARE * branch_scores[self._branch], -np.inf).astype(np.float32)
        return _Ranked(final, in_kept, kept, similarity, names, accessory)

    def _rerank_scores(self, ranked: _Ranked, shortlist: npt.NDArray[np.intp], f: Scores) -> Scores:
        # f: one row per feature of _Reranker.features, one column per shortlisted category.
        scores: Scores = (
            _RERANK_FIRST * ranked.similarity[shortlist]
            + _RERANK_NAMES * ranked.names[shortlist]
            + _RERANK_LEAF * self._leaf[shortlist]
            - _RERANK_ACCESSORY * ranked.accessory[shortlist]
            + _RERANK_TITLE_NAME * f[0]
            + _RERANK_TITLE_CONTEXT * f[1]
            + _RERANK_PAIR_NAME * f[2]
            + _RERANK_PAIR_CONTEXT * f[3]
        ).astype(np.float32)
        return scores

    def _mapping(
        self, title: str, candidates: tuple[CategoryMatch, ...], confidence: float, kept: npt.NDArray[np.intp]
    ) -> TaxonomyMapping:
        return TaxonomyMapping(
            title=title,
            candidates=candidates,
            confidence=confidence,
            needs_review=confidence < self.settings.review_below,
            top_levels=tuple(self._top_levels[b] for b in kept),
        )

    def _match(self, n: int, score: float) -> CategoryMatch:
        return CategoryMatch(self._categories[n].id, self._categories[n].path, round(score, 4))

    def _branch_scores(self, scores: Scores, centroid: Scores) -> Scores:
        best = np.maximum.reduceat(scores[self._by_branch], self._branch_starts)
        result: Scores = (_CENTROID_SHARE * centroid + (1 - _CENTROID_SHARE) * best).astype(np.float32)
        return result

    def _candidates(self, final: Scores) -> tuple[CategoryMatch, ...]:
        return tuple(self._match(int(n), float(final[n])) for n in _best(final, self.settings.top_k))


@dataclass(frozen=True, slots=True)
class _Ranked:
    """One title after steps 1 and 2, with the parts of its scores that reranking weighs again."""

    final: Scores  # per category; -inf outside the kept branches
    in_kept: npt.NDArray[np.bool_]
    kept: npt.NDArray[np.intp]  # the kept branches, best first
    similarity: Scores  # the first model's, per category
    names: Scores  # the name match, per category
    accessory: Scores  # 1.0 where an accessory category meets a title that asks for none


class _Reranker:
    """Step 3's model and what it has embedded: categories as they become candidates, and word pairs."""

    def __init__(self, categories: Sequence[Category], embedder: TextEmbedder) -> None:
        self._embedder = embedder
        self._texts = [(c.name, " ".join(c.path[-2:])) for c in categories]  # name; parent + name
        self._names = np.zeros((len(categories), embedder.dimensions), dtype=np.float32)
        self._contexts = np.zeros_like(self._names)
        self._embedded = np.zeros(len(categories), dtype=bool)
        self._pairs: dict[str, npt.NDArray[np.float32]] = {}

    def features(
        self, titles: Sequence[str], queries: Sequence[ProductQuery], shortlists: Sequence[npt.NDArray[np.intp]]
    ) -> list[Scores]:
        """Per title, four rows over its shortlist: the title to each name, to each parent + name, the
        best word pair to each name, to each parent + name."""
        self.embed_categories(np.unique(np.concatenate(shortlists)))
        whole = self._embedder.embed(list(titles))
        pairs = [_word_pairs(query) for query in queries]
        self._embed_pairs({pair for found in pairs for pair in found})
        result = []
        for vector, found, shortlist in zip(whole, pairs, shortlists, strict=True):
            names, contexts = self._names[shortlist], self._contexts[shortlist]
            rows = [names @ vector, contexts @ vector]
            if found:
                pair_vectors = np.stack([self._pairs[pair] for pair in found])
                rows += [(pair_vectors @ names.T).max(axis=0), (pair_vectors @ contexts.T).max(axis=0)]
            else:
                rows += [np.zeros(len(shortlist), dtype=np.float32)] * 2
            result.append(np.stack(rows).astype(np.float32))
        return result

    def embed_categories(self, wanted: npt.NDArray[np.intp]) -> None:
        missing = wanted[~self._embedded[wanted]]
        if len(missing):
            self._names[missing] = self._embedder.embed([self._texts[n][0] for n in missing])
            self._contexts[missing] = self._embedder.embed([self._texts[n][1] for n in missing])
            self._embedded[missing] = True

    def _embed_pairs(self, wanted: set[str]) -> None:
        missing = sorted(wanted - self._pairs.keys())
        if not missing:
            return
        if len(self._pairs) + len(missing) > _PAIR_CACHE:
            self._pairs.clear()
        self._pairs.update(zip(missing, self._embedder.embed(missing), strict=True))


def _word_pairs(query: ProductQuery) -> list[str]:
    """Adjacent word pairs of the words naming the product (its head); if it is one word, the
    title's first pair; if the title is one word, that word."""
    head, text = _words_of(query.head), _words_of(query.text)
    if len(head) > 1:
        return [f"{a} {b}" for a, b in itertools.pairwise(head)]
    if len(text) > 1:
        return [f"{text[0]} {text[1]}"]
    return text


def _words_of(text: str) -> list[str]:
    return [word for word in text.split() if any(ch.isalpha() for ch in word)]


def _best(scores: Scores, k: int) -> npt.NDArray[np.intp]:
    """The indices of the ``k`` best finite scores, best first."""
    k = min(k, int(np.isfinite(scores).sum()))
    best = np.argpartition(-scores, k - 1)[:k]
    ordered: npt.NDArray[np.intp] = best[np.argsort(-scores[best], kind="stable")]
    return ordered


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


def _confidence(scores: Scores, temperature: float) -> float:
    """The best score's share of a softmax over all of them: near 1 when it stands out alone."""
    shifted = np.exp((scores - scores.max()) / temperature)
    return round(float(1.0 / shifted.sum()), 4)
