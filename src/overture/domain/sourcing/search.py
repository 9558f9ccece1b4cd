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
from typing import Any, cast

from overture.domain.decisions import Decision, DecisionKind
from overture.domain.inventory import Shortage
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
from overture.domain.sourcing.sites import SiteView, Survey, carried, short_view, sku_demand, survey
from overture.domain.sourcing.unroutable import NoFeasiblePlan, unroutable

SPLIT_POOL = 10
MAX_SPLIT = 3

RankKey = Callable[[Costed], tuple[Any, ...]]
__all__ = ["NoFeasiblePlan", "search_plan"]  # NoFeasiblePlan: where the strategies have always found it


@dataclass(slots=True)
class _Search:
    request: SourcingRequest
    rank: RankKey
    weights: dict[int, float]
    demand: tuple[tuple[str, int], ...]
    sums_decide: bool  # whether _covers says what assign_rows would (no negative quantity or stock)
    best: Costed | None = None
    best_key: tuple[Any, ...] = ()  # rank(best), kept: every candidate is compared with it
    feasible: list[Costed] = field(default_factory=list)
    rejected_combos: list[dict[str, Any]] = field(default_factory=list)
    total_kg: float = 0.0
    considered: int = 0
    pruned: int = 0

    def offer(self, sites: Sequence[SiteView]) -> Costed | None:
        self.considered += 1
        # Most combinations tried cannot cover the order: _covers finds that far cheaper than assigning.
        covers = not self.sums_decide or _covers(sites, self.demand)
        assigned = assign_rows(self.request.lines, sites) if covers else None
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


def _covers(sites: Sequence[SiteView], demand: tuple[tuple[str, int], ...]) -> bool:
    """Whether the sites hold enough of each SKU between them. With no negative quantity or stock, that is
    exactly when ``assign_rows`` assigns every line: each line takes its quantity from what the sites have
    left, whole from one or split, so only a SKU whose lines ask for more than the sites hold fails."""
    usables = [site.usable for site in sites]
    for sku, wanted in demand:
        held = 0
        for usable in usables:
            held += usable[sku]
        if held < wanted:
            return False
    return True


def _shortages(demand: dict[str, int], usables: Sequence[dict[str, int]]) -> list[Shortage]:
    out = []
    for sku, wanted in demand.items():
        total = sum(map(itemgetter(sku), usables))  # summed in C: this runs for every order
        if total < wanted:
            out.append(Shortage(sku, wanted, total))
    return out


class _Pool:
    """The split pool: the cheapest sites holding any of the order, each made a view only once a combination
    holding it is offered (most never are: a view of a short site costs its stock figures)."""

    __slots__ = ("demand", "entries", "floors", "rate_floor", "views")

    def __init__(self, surveyed: Survey, demand: dict[str, int]) -> None:
        self.demand = demand
        self.entries: list[tuple[Any, ...]] = []  # a Pooled whole site, or a ShortSite
        self.views: list[SiteView | None] = []
        self.floors: list[float] = []  # each site's cheapest shipment
        rates: list[float] = []
        ranked: list[tuple[Any, ...]] = [*surveyed.pool_whole, *surveyed.short]
        ranked.sort(key=_cheapest_first)  # min_cost, then id: the ids are unique, so the order is total
        # With every SKU asked for, a short site holds some of the order exactly when it has a unit (or a
        # negative figure) of any: its usable figure is then that, or the demand.
        skus = tuple(demand) if all(wanted > 0 for wanted in demand.values()) else None
        zeros = (0,) * len(demand)
        for entry in ranked:
            whole = entry[2]
            if isinstance(whole, SiteView):
                view: SiteView | None = whole
                zone = whole.zone
            else:  # a short site (ShortSite): pooled if it holds any of the order
                view, zone = None, entry[5]
                if skus is None:
                    view = short_view(entry, demand)
                    if not any(view.usable.values()):
                        continue
                elif not any(map(carried(whole.available, entry[8]).get, skus, zeros)):
                    continue
            self.entries.append(entry)
            self.views.append(view)
            self.floors.append(entry[0])
            rates.append(zone.per_kg)
            if len(rates) == SPLIT_POOL:
                break
        self.rate_floor = min(rates, default=0.0)

    def view(self, index: int) -> SiteView:
        view = self.views[index]
        if view is None:
            view = self.views[index] = short_view(self.entries[index], self.demand)
        return view


def _search_splits(search: _Search, surveyed: Survey, demand: dict[str, int], *, splits_compete: bool) -> None:
    penalty = search.request.config.split_penalty
    pool = _Pool(surveyed, demand)
    floors = pool.floors
    # Every kilogram ships from somewhere at no less than the cheapest per-kg rate of the pool.
    weight_floor = search.total_kg * pool.rate_floor
    found_single = search.best is not None
    for size in range(2, min(MAX_SPLIT, len(floors)) + 1):
        budget = _budget(search, penalty * (size - 1) + weight_floor, splits_compete=splits_compete)
        offered = (_offer_pairs if size == 2 else _offer_triples)(search, pool, floors, budget)
        search.pruned += math.comb(len(floors), size) - offered
        if search.best is not None and not splits_compete:
            return
    if search.best is None and not found_single:
        search.offer(_greedy_cover(search, [*surveyed.whole, *(short_view(s, demand) for s in surveyed.short)]))


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


def _offer_pairs(search: _Search, pool: _Pool, floors: Sequence[float], budget: Budget) -> int:
    """Offer the pairs under budget; how many were offered."""
    n, offered = len(floors), 0
    views, view = pool.views, pool.view
    for i in range(n - 1):
        first = floors[i]
        if first + floors[i + 1] > budget():
            break
        for j in range(i + 1, n):
            if first + floors[j] > budget():
                break
            offered += 1
            search.offer((views[i] or view(i), views[j] or view(j)))
    return offered


def _offer_triples(search: _Search, pool: _Pool, floors: Sequence[float], budget: Budget) -> int:
    """Offer the triples under budget; how many were offered."""
    n, offered = len(floors), 0
    views, view = pool.views, pool.view
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
                search.offer((views[i] or view(i), views[j] or view(j), views[k] or view(k)))
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
    surveyed = survey(request, demand)
    weights = {line.line_no: line.unit_weight_kg for line in request.lines}
    search = _Search(request, rank, weights, tuple(demand.items()), surveyed.nonnegative)
    search.total_kg = sum(line.quantity * line.unit_weight_kg for line in request.lines)
    if not (surveyed.whole and surveyed.nonnegative):  # else a site ships it alone, and nothing undoes that
        usables = [v.usable for v in surveyed.whole] + [short_view(s, demand).usable for s in surveyed.short]
        shortages = _shortages(demand, usables)
        if shortages:
            raise unroutable(request, shortages, _decision(request, strategy, demand, surveyed, [], search))
    singles = [search.offer_single(view) for view in surveyed.whole]
    if search.best is None or splits_compete:
        _search_splits(search, surveyed, demand, splits_compete=splits_compete)
    best = search.best
    assert best is not None  # the network covers the demand, so the greedy cover does
    allocations = best.allocations or assign(request.lines, best.sites)
    assert allocations is not None  # a single location that fills every line can take each whole
    return RoutingPlan(allocations, _decision(request, strategy, demand, surveyed, singles, search))


def _candidates(
    surveyed: Survey, singles: Sequence[Costed], search: _Search, strategy: str, total: str
) -> list[dict[str, Any]]:
    """Every location in id order (rejected with its constraint, or ranked), then the combinations.

    ``singles``: what each of ``surveyed.whole`` was costed at, in its order; ``total``: the chosen plan's
    total cost as written."""
    best = search.best
    if best is None:  # nothing could be ranked, so every location's entry is written already
        return [slot for slot in surveyed.slots if isinstance(slot, dict)] + search.rejected_combos
    out = cast(list[dict[str, Any]], surveyed.slots.copy())  # each view in it is replaced by its entry below
    explain = _Explainer(best, strategy, total)
    for index, view, costed in zip(surveyed.placed, surveyed.whole, singles, strict=True):
        if index >= 0:
            out[index] = explain.single(view, costed)
    for costed in search.feasible:
        if len(costed.sites) > 1:
            out.append(_ranked(costed.sites, costed, best.ids, best, strategy))
    return out + search.rejected_combos


class _Explainer:
    """``_ranked`` for single locations, with what every one of them is compared with worked out once."""

    __slots__ = ("best", "chosen", "outranked", "theirs", "theirs_km", "versus")

    def __init__(self, best: Costed, how: str, total: str) -> None:
        """``total``: the chosen plan's total cost as the decision writes it (``f"{best.total:.2f}"``)."""
        self.best = best
        self.chosen = f"best plan by {how} ({total})"
        self.outranked = f"ranked below the chosen plan by {how} ("  # then "{its total:.2f} vs {total})"
        self.versus = f" vs {total})"
        # _compared's distance of the chosen plan, if it ships from one location with a known distance
        self.theirs = best.sites[0].distance_km if len(best.sites) == 1 else None
        self.theirs_km = "" if self.theirs is None else f"{self.theirs:.0f} km)"

    def single(self, view: SiteView, costed: Costed) -> dict[str, Any]:
        best = self.best
        if costed.ids == best.ids:
            outcome, reason = "chosen", self.chosen
        else:
            outcome, reason = "rejected", f"{self.outranked}{costed.total:.2f}{self.versus}"
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
    request: SourcingRequest,
    strategy: str,
    demand: dict[str, int],
    surveyed: Survey,
    singles: Sequence[Costed],
    search: _Search,
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
    total = "" if best is None else f"{best.total:.2f}"  # written three ways: worked out once
    alternatives = _candidates(surveyed, singles, search, strategy, total)
    if best is None:
        reason = "the locations that pass every hard constraint cannot cover the order"
        return Decision(DecisionKind.ROUTING, "no_feasible_plan", reason, inputs, alternatives)
    where = ", ".join(best.ids)
    split = len(best.sites) > 1
    reason = f"{'split across' if split else 'shipped whole from'} {where}: best of the feasible plans by {strategy}"
    reason += f" (total cost {total})"
    return Decision(DecisionKind.ROUTING, "split" if split else "single_location", reason, inputs, alternatives)
