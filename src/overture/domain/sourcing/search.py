"""The search shared by the ranked strategies: filter by the hard constraints, cost, rank, explain.

Bounded like ``route_nearest``: combinations are drawn from at most ``SPLIT_POOL`` locations (the
cheapest to ship from) and hold at most ``MAX_SPLIT`` locations; beyond that a greedy cover is
used. For the cost strategy, splits compete with single locations, and a combination whose lower
bound (every location's cheapest shipment + split penalties) cannot beat or tie the best plan so far
is pruned without being costed.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from operator import attrgetter, itemgetter
from typing import Any, Final

from overture.domain.decisions import Decision, DecisionKind
from overture.domain.inventory import InsufficientStock, Shortage
from overture.domain.routing import RoutingPlan
from overture.domain.sourcing.candidates import (
    Costed,
    assign,
    assign_rows,
    combination_entry,
    price,
    site_entry,
)
from overture.domain.sourcing.model import Constraint, SourcingConfig, SourcingRequest
from overture.domain.sourcing.sites import ShortSite, SiteView, Slot, sku_demand, survey

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
    best_key: tuple[Any, ...] = ()  # rank(best), kept: every candidate is compared with it
    feasible: list[Costed] = field(default_factory=list)
    rejected_combos: list[dict[str, Any]] = field(default_factory=list)
    total_kg: float = 0.0
    considered: int = 0
    pruned: int = 0

    def offer(self, sites: Sequence[SiteView]) -> Costed | None:
        self.considered += 1
        assigned = assign_rows(self.request.lines, sites)
        if assigned is None:
            self.rejected_combos.append(
                combination_entry(sites, "rejected", Constraint.STOCK, "together they cannot cover it", None)
            )
            return None
        costed = price(sites, assigned, self.weights, self.request.config)
        if len(costed.sites) < len(sites):  # a smaller set ships the same: it is costed on its own
            return None
        return self._keep(costed)

    def offer_single(self, view: SiteView) -> Costed:
        """A location that fills every line ships it all in one parcel: priced without assigning, which
        is most of the work on a large network; the winner's allocations are made at the end."""
        self.considered += 1
        zone = view.zone
        shipping = zone.base + zone.per_kg * self.total_kg
        return self._keep(Costed((view,), (view.id,), (), shipping, view.handling, 0.0, view.priority_cost))

    def _keep(self, costed: Costed) -> Costed:
        self.feasible.append(costed)
        key = self.rank(costed)
        if self.best is None or key < self.best_key:
            self.best, self.best_key = costed, key
        return costed


def _shortages(demand: dict[str, int], usables: Sequence[dict[str, int]]) -> list[Shortage]:
    out = []
    for sku, wanted in demand.items():
        total = sum(map(itemgetter(sku), usables))  # summed in C: this runs for every order
        if total < wanted:
            out.append(Shortage(sku, wanted, total))
    return out


# ShortSite's fields, as literals so that type checkers know each one's type.
_ID: Final = 1
_MIN_COST: Final = 7
_USABLE: Final = 8


def _search_splits(
    search: _Search, whole: Sequence[SiteView], short: Sequence[ShortSite], *, splits_compete: bool
) -> None:
    penalty = search.request.config.split_penalty
    # The cheapest locations holding any of the demand; only these few short sites are made views.
    stocked: list[tuple[float, str, SiteView | ShortSite]] = [
        (v.min_cost, v.id, v) for v in whole if any(v.usable.values())
    ]
    stocked += [(s[_MIN_COST], s[_ID], s) for s in short if any(s[_USABLE].values())]
    stocked.sort(key=_cheapest_first)  # min_cost, then id: the ids are unique, so the order is total
    pool = [s if isinstance(s, SiteView) else SiteView(*s) for _, _, s in stocked[:SPLIT_POOL]]
    floors = [v.min_cost for v in pool]
    # Every kilogram ships from somewhere at no less than the cheapest per-kg rate of the pool.
    weight_floor = search.total_kg * min([v.zone.per_kg for v in pool], default=0.0)
    found_single = search.best is not None
    for size in range(2, min(MAX_SPLIT, len(pool)) + 1):
        budget = _budget(search, penalty * (size - 1) + weight_floor, splits_compete=splits_compete)
        offered = (_offer_pairs if size == 2 else _offer_triples)(search, pool, floors, budget)
        search.pruned += math.comb(len(pool), size) - offered
        if search.best is not None and not splits_compete:
            return
    if search.best is None and not found_single:
        search.offer(_greedy_cover(search, [*whole, *(SiteView(*s) for s in short)]))


_cheapest_first = itemgetter(0, 1)


Budget = Callable[[], float]


def _budget(search: _Search, overhead: float, *, splits_compete: bool) -> Budget:
    """What the locations' cheapest shipments may add up to and still beat (or tie) the best plan so far."""
    if not splits_compete:
        return lambda: math.inf

    def budget() -> float:
        best = search.best
        return math.inf if best is None else best.total - overhead

    return budget


# The combinations of the pool, in lexicographic order, whose locations' cheapest shipments (``floors``,
# ascending) add up to no more than ``budget()`` (one that could cost the same as the best plan so far is
# still costed: the cost strategy breaks ties by distance). Since the floors ascend, once the cheapest completion from
# an index is over budget every later index is too, so the rest of that branch is cut unseen. The budget
# is read again before every combination: it tightens as better plans are found. Written as plain loops
# for MAX_SPLIT = 3 (a recursive generator cost a tenth of a decision); each test adds the floors in
# the same order as ``spent + sum(floors[i:i + remaining])`` so the same combinations are cut.


def _offer_pairs(search: _Search, pool: Sequence[SiteView], floors: Sequence[float], budget: Budget) -> int:
    """Offer the pairs under budget; how many were offered."""
    n, offered = len(floors), 0
    for i in range(n - 1):
        first = floors[i]
        if first + floors[i + 1] > budget():
            break
        for j in range(i + 1, n):
            if first + floors[j] > budget():
                break
            offered += 1
            search.offer((pool[i], pool[j]))
    return offered


def _offer_triples(search: _Search, pool: Sequence[SiteView], floors: Sequence[float], budget: Budget) -> int:
    """Offer the triples under budget; how many were offered."""
    n, offered = len(floors), 0
    for i in range(n - 2):
        first = floors[i]
        if first + floors[i + 1] + floors[i + 2] > budget():
            break
        for j in range(i + 1, n - 1):
            if first + (floors[j] + floors[j + 1]) > budget():
                break
            spent = first + floors[j]
            for k in range(j + 1, n):
                if spent + floors[k] > budget():
                    break
                offered += 1
                search.offer((pool[i], pool[j], pool[k]))
    return offered


def _greedy_cover(search: _Search, eligible: Sequence[SiteView]) -> tuple[SiteView, ...]:
    remaining = sku_demand(search.request)
    pool = sorted(eligible, key=attrgetter("min_cost", "id"))
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
    whole, short, slots = survey(request, demand)
    search = _Search(request, rank, {line.line_no: line.unit_weight_kg for line in request.lines})
    search.total_kg = sum(line.quantity * line.unit_weight_kg for line in request.lines)
    shortages = _shortages(demand, [v.usable for v in whole] + [s[_USABLE] for s in short])
    if shortages:
        raise NoFeasiblePlan(shortages, _decision(request, strategy, demand, slots, search))
    for view in whole:
        search.offer_single(view)
    if search.best is None or splits_compete:
        _search_splits(search, whole, short, splits_compete=splits_compete)
    best = search.best
    assert best is not None  # the network covers the demand, so the greedy cover does
    allocations = best.allocations or assign(request.lines, best.sites)
    assert allocations is not None  # a single location that fills every line can take each whole
    return RoutingPlan(allocations, _decision(request, strategy, demand, slots, search))


def _candidates(slots: Sequence[Slot], search: _Search, strategy: str) -> list[dict[str, Any]]:
    """Every location in id order (rejected with its constraint, or ranked), then the combinations."""
    best = search.best
    if best is None:  # nothing could be ranked, so every location's entry is written already
        return [slot for slot in slots if isinstance(slot, dict)] + search.rejected_combos
    singles = {c.ids[0]: c for c in search.feasible if len(c.ids) == 1}
    explain = _Explainer(best, strategy)
    out = [slot if isinstance(slot, dict) else explain.single(slot, singles[slot.id]) for slot in slots]
    for costed in search.feasible:
        if len(costed.sites) > 1:
            out.append(_ranked(costed.sites, costed, best.ids, best, strategy))
    return out + search.rejected_combos


class _Explainer:
    """``_ranked`` for single locations, with what every one of them is compared with worked out once."""

    __slots__ = ("best", "chosen", "outranked", "theirs", "theirs_km")

    def __init__(self, best: Costed, how: str) -> None:
        self.best = best
        self.chosen = f"best plan by {how} ({best.total:.2f})"
        self.outranked = f"ranked below the chosen plan by {how} ({{:.2f}} vs {best.total:.2f})"
        # _compared's distance of the chosen plan, if it ships from one location with a known distance
        self.theirs = best.sites[0].distance_km if len(best.sites) == 1 else None
        self.theirs_km = "" if self.theirs is None else f"{self.theirs:.0f} km)"

    def single(self, view: SiteView, costed: Costed) -> dict[str, Any]:
        best = self.best
        if costed.ids == best.ids:
            outcome, reason = "chosen", self.chosen
        else:
            outcome, reason = "rejected", self.outranked.format(costed.total)
            mine, theirs = view.distance_km, self.theirs
            if mine is not None and theirs is not None:
                reason += f"; {'farther' if mine > theirs else 'nearer'} ({mine:.0f} km vs {self.theirs_km}"
        return site_entry(view, outcome, None, reason, costed.components())


def _ranked(
    sites: Sequence[SiteView], costed: Costed, chosen_ids: tuple[str, ...] | None, best: Costed | None, how: str
) -> dict[str, Any]:
    """A candidate that meets every hard constraint: chosen, or outranked (rejected with no constraint)."""
    assert best is not None
    if costed.ids == chosen_ids:
        outcome, reason = "chosen", f"best plan by {how} ({costed.total:.2f})"
    else:
        outcome = "rejected"
        reason = f"ranked below the chosen plan by {how} ({costed.total:.2f} vs {best.total:.2f})"
        reason += _compared(costed, best)
    if len(sites) == 1:
        return site_entry(sites[0], outcome, None, reason, costed.components())
    return combination_entry(sites, outcome, None, reason, costed.components())


def _compared(costed: Costed, best: Costed) -> str:
    """Say whether an outranked single location is nearer or farther than the chosen one: the usual question."""
    if len(costed.sites) != 1 or len(best.sites) != 1:
        return ""
    mine, theirs = costed.sites[0].distance_km, best.sites[0].distance_km
    if mine is None or theirs is None:
        return ""
    return f"; {'farther' if mine > theirs else 'nearer'} ({mine:.0f} km vs {theirs:.0f} km)"


def _cost_model(config: SourcingConfig) -> dict[str, Any]:
    """``config.to_document()`` without the per-channel strategies, built directly (once per decision)."""
    return {
        "default_strategy": config.default_strategy.value,
        "rate_table": [
            {"max_km": z.max_km, "base": z.base, "per_kg": z.per_kg, "transit_days": z.transit_days}
            for z in config.rate_table
        ],
        "handling_by_kind": dict(sorted(config.handling_by_kind.items())),
        "split_penalty": config.split_penalty,
        "priority_weight": config.priority_weight,
    }


def _decision(
    request: SourcingRequest, strategy: str, demand: dict[str, int], slots: Sequence[Slot], search: _Search
) -> Decision:
    best = search.best
    inputs = {
        "strategy": strategy,
        "ship_to": None if request.ship_to is None else [request.ship_to.latitude, request.ship_to.longitude],
        "demand": demand,
        "now": request.now.isoformat(),
        "promise_by": None if request.promise_by is None else request.promise_by.isoformat(),
        "cost_model": _cost_model(request.config),
        "combinations_considered": search.considered,
        "combinations_pruned": search.pruned,
    }
    alternatives = _candidates(slots, search, strategy)
    if best is None:
        reason = "the locations that pass every hard constraint cannot cover the order"
        return Decision(DecisionKind.ROUTING, "no_feasible_plan", reason, inputs, alternatives)
    where = ", ".join(best.ids)
    split = len(best.sites) > 1
    reason = f"{'split across' if split else 'shipped whole from'} {where}: best of the feasible plans by {strategy}"
    reason += f" (total cost {best.total:.2f})"
    return Decision(DecisionKind.ROUTING, "split" if split else "single_location", reason, inputs, alternatives)
