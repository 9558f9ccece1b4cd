"""The search shared by the ranked strategies: filter by the hard constraints, cost, rank, explain.

Bounded like ``route_nearest``: combinations are drawn from at most ``SPLIT_POOL`` locations (the
cheapest to ship from) and hold at most ``MAX_SPLIT`` locations; beyond that a greedy cover is
used. For the cost strategy, splits compete with single locations, and a combination whose lower
bound (every location's cheapest shipment + split penalties) cannot beat the best plan so far is
pruned without being costed.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from overture.domain.decisions import Decision, DecisionKind
from overture.domain.inventory import InsufficientStock, Shortage
from overture.domain.routing import RoutingPlan
from overture.domain.sourcing.candidates import Costed, assign, entry, price
from overture.domain.sourcing.model import Constraint, SourcingRequest
from overture.domain.sourcing.sites import SiteView, sku_demand, view_sites

SPLIT_POOL = 10
MAX_SPLIT = 3

RankKey = Callable[[Costed], tuple[Any, ...]]


class NoFeasiblePlan(InsufficientStock):
    """The locations that pass the hard constraints cannot cover the order; ``decision`` says why."""

    def __init__(self, shortages: list[Shortage], decision: Decision) -> None:
        super().__init__(shortages)
        self.decision = decision


@dataclass(slots=True)
class _Search:
    request: SourcingRequest
    rank: RankKey
    weights: dict[int, float]
    best: Costed | None = None
    feasible: list[Costed] = field(default_factory=list)
    rejected_combos: list[dict[str, Any]] = field(default_factory=list)
    total_kg: float = 0.0
    considered: int = 0
    pruned: int = 0

    def offer(self, sites: Sequence[SiteView]) -> Costed | None:
        self.considered += 1
        allocations = assign(self.request.lines, sites)
        if allocations is None:
            self.rejected_combos.append(
                entry(sites, outcome="rejected", constraint=Constraint.STOCK, reason="together they cannot cover it")
            )
            return None
        costed = price(sites, allocations, self.weights, self.request.config)
        if len(costed.sites) < len(sites):  # a smaller set ships the same: it is costed on its own
            return None
        return self._keep(costed)

    def offer_single(self, view: SiteView) -> Costed:
        """A location that fills every line ships it all in one parcel: priced without assigning, which
        is most of the work on a large network; the winner's allocations are made at the end."""
        self.considered += 1
        zone = view.zone
        shipping = zone.base + zone.per_kg * self.total_kg
        return self._keep(Costed((view,), (), shipping, view.handling, 0.0, view.priority_cost))

    def _keep(self, costed: Costed) -> Costed:
        self.feasible.append(costed)
        if self.best is None or self.rank(costed) < self.rank(self.best):
            self.best = costed
        return costed


def _shortages(demand: dict[str, int], eligible: Sequence[SiteView]) -> list[Shortage]:
    out = []
    for sku, wanted in demand.items():
        total = sum(v.usable[sku] for v in eligible)
        if total < wanted:
            out.append(Shortage(sku, wanted, total))
    return out


def _search_splits(search: _Search, eligible: Sequence[SiteView], *, splits_compete: bool) -> None:
    penalty = search.request.config.split_penalty
    pool = sorted((v for v in eligible if any(v.usable.values())), key=lambda v: (v.min_cost, v.id))[:SPLIT_POOL]
    floors = [v.min_cost for v in pool]
    # Every kilogram ships from somewhere at no less than the cheapest per-kg rate of the pool.
    weight_floor = search.total_kg * min((v.zone.per_kg for v in pool), default=0.0)
    found_single = search.best is not None
    for size in range(2, min(MAX_SPLIT, len(pool)) + 1):
        budget = partial(_budget, search, penalty * (size - 1) + weight_floor, splits_compete=splits_compete)
        offered = 0
        for picks in _bounded_combinations(floors, size, budget):
            offered += 1
            search.offer(tuple(pool[i] for i in picks))
        search.pruned += math.comb(len(pool), size) - offered
        if search.best is not None and not splits_compete:
            return
    if search.best is None and not found_single:
        search.offer(_greedy_cover(search, eligible))


def _budget(search: _Search, overhead: float, *, splits_compete: bool) -> float:
    """What the locations' cheapest shipments may add up to and still beat the best plan so far."""
    best = search.best
    return best.total - overhead if splits_compete and best is not None else math.inf


def _bounded_combinations(floors: Sequence[float], size: int, budget: Callable[[], float]) -> Iterator[tuple[int, ...]]:
    """Index combinations of ``floors`` (ascending) whose sum stays under ``budget()``, in lexicographic order.

    Because ``floors`` ascend, once the cheapest completion from an index is over budget every later
    index is too, so whole branches are cut without being enumerated. The budget is read again at
    every step: it tightens as better plans are found.
    """

    def extend(start: int, chosen: tuple[int, ...], spent: float) -> Iterator[tuple[int, ...]]:
        remaining = size - len(chosen)
        for i in range(start, len(floors) - remaining + 1):
            if spent + sum(floors[i : i + remaining]) >= budget():
                return
            if remaining == 1:
                yield (*chosen, i)
            else:
                yield from extend(i + 1, (*chosen, i), spent + floors[i])

    return extend(0, (), 0.0)


def _greedy_cover(search: _Search, eligible: Sequence[SiteView]) -> tuple[SiteView, ...]:
    remaining = sku_demand(search.request)
    pool = sorted(eligible, key=lambda v: (v.min_cost, v.id))
    chosen: list[SiteView] = []
    while any(q > 0 for q in remaining.values()):
        best = max(pool, key=lambda v: sum(min(v.usable[s], q) for s, q in remaining.items()))
        pool.remove(best)
        chosen.append(best)
        remaining = {s: max(0, q - best.usable[s]) for s, q in remaining.items()}
    return tuple(chosen)


def search_plan(request: SourcingRequest, strategy: str, rank: RankKey, *, splits_compete: bool) -> RoutingPlan:
    """Route with ``rank`` (lower is better); splits compete with single locations if ``splits_compete``."""
    demand = sku_demand(request)
    views = view_sites(request, demand)
    eligible = [v for v in views if v.ruled_out is None]
    search = _Search(request, rank, {line.line_no: line.unit_weight_kg for line in request.lines})
    search.total_kg = sum(line.quantity * line.unit_weight_kg for line in request.lines)
    shortages = _shortages(demand, eligible)
    if shortages:
        raise NoFeasiblePlan(shortages, _decision(request, strategy, demand, views, search))
    for view in eligible:
        if not view.missing:
            search.offer_single(view)
    if search.best is None or splits_compete:
        _search_splits(search, eligible, splits_compete=splits_compete)
    best = search.best
    assert best is not None  # the network covers the demand, so the greedy cover does
    allocations = best.allocations or assign(request.lines, best.sites)
    assert allocations is not None  # a single location that fills every line can take each whole
    return RoutingPlan(allocations, _decision(request, strategy, demand, views, search))


def _single_rejection(view: SiteView) -> tuple[Constraint, str] | None:
    if view.ruled_out is not None:
        return view.ruled_out
    if view.uncarried:
        return Constraint.CAPABILITY, f"cannot carry {', '.join(view.uncarried)} (missing capability)"
    if view.missing:
        return Constraint.STOCK, "short " + ", ".join(f"{sku} by {q}" for sku, q in view.missing.items())
    return None


def _candidates(views: Sequence[SiteView], search: _Search, strategy: str) -> list[dict[str, Any]]:
    best = search.best
    chosen_ids = None if best is None else best.ids
    by_ids = {c.ids: c for c in search.feasible}
    out = []
    for view in views:
        rejection = _single_rejection(view)
        if rejection is not None:
            out.append(entry((view,), outcome="rejected", constraint=rejection[0], reason=rejection[1]))
            continue
        out.append(_ranked((view,), by_ids.get((view.id,)), chosen_ids, best, strategy))
    for costed in search.feasible:
        if len(costed.sites) > 1:
            out.append(_ranked(costed.sites, costed, chosen_ids, best, strategy))
    return out + search.rejected_combos


def _ranked(
    sites: Sequence[SiteView], costed: Costed | None, chosen_ids: tuple[str, ...] | None, best: Costed | None, how: str
) -> dict[str, Any]:
    """A candidate that meets every hard constraint: chosen, or outranked (rejected with no constraint)."""
    assert costed is not None and best is not None
    if costed.ids == chosen_ids:
        return entry(sites, outcome="chosen", costed=costed, reason=f"best plan by {how} ({costed.total:.2f})")
    reason = f"ranked below the chosen plan by {how} ({costed.total:.2f} vs {best.total:.2f})"
    return entry(sites, outcome="rejected", costed=costed, reason=reason + _compared(costed, best))


def _compared(costed: Costed, best: Costed) -> str:
    """Say whether an outranked single location is nearer or farther than the chosen one: the usual question."""
    if len(costed.sites) != 1 or len(best.sites) != 1:
        return ""
    mine, theirs = costed.sites[0].distance_km, best.sites[0].distance_km
    if mine is None or theirs is None:
        return ""
    return f"; {'farther' if mine > theirs else 'nearer'} ({mine:.0f} km vs {theirs:.0f} km)"


def _decision(
    request: SourcingRequest, strategy: str, demand: dict[str, int], views: Sequence[SiteView], search: _Search
) -> Decision:
    best = search.best
    inputs = {
        "strategy": strategy,
        "ship_to": None if request.ship_to is None else [request.ship_to.latitude, request.ship_to.longitude],
        "demand": demand,
        "now": request.now.isoformat(),
        "promise_by": None if request.promise_by is None else request.promise_by.isoformat(),
        "cost_model": {k: v for k, v in request.config.to_document().items() if k not in ("strategies",)},
        "combinations_considered": search.considered,
        "combinations_pruned": search.pruned,
    }
    alternatives = _candidates(views, search, strategy)
    if best is None:
        reason = "the locations that pass every hard constraint cannot cover the order"
        return Decision(DecisionKind.ROUTING, "no_feasible_plan", reason, inputs, alternatives)
    where = ", ".join(best.ids)
    split = len(best.sites) > 1
    reason = f"{'split across' if split else 'shipped whole from'} {where}: best of the feasible plans by {strategy}"
    reason += f" (total cost {best.total:.2f})"
    return Decision(DecisionKind.ROUTING, "split" if split else "single_location", reason, inputs, alternatives)
