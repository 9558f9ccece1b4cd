"""The sourcing strategies: pure functions ``(SourcingRequest) -> RoutingPlan``, picked by name.

Every strategy applies the same hard constraints (stock, capability, capacity, promise date) and
explains every candidate; they differ in how they rank what is left:

- ``cost`` (default): lowest total cost, then the shorter distance; a split competes with single locations.
- ``fewest_splits``: fewest locations, then lowest cost.
- ``priority_list``: fewest locations, then the locations' priority numbers, then cost.
- ``nearest``: the first strategy, ``route_nearest``, run over the sites that pass the constraints.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol

from overture.domain.decisions import Decision, DecisionKind
from overture.domain.inventory import InsufficientStock
from overture.domain.routing import LineDemand, LocationStock, RoutingPlan, route_nearest
from overture.domain.sourcing.candidates import Costed, entry
from overture.domain.sourcing.model import Constraint, SourcingRequest, StrategyName
from overture.domain.sourcing.search import search_plan
from overture.domain.sourcing.sites import SiteView, sku_demand, view_sites
from overture.domain.sourcing.unroutable import unroutable


class Strategy(Protocol):
    def __call__(self, request: SourcingRequest) -> RoutingPlan: ...


def _cost_key(c: Costed) -> tuple[float, float, tuple[str, ...]]:
    """Lowest total cost; at equal cost the fewer kilometres shipped (summed over the shipments, none
    counted when the ship-to point is unknown), then the location ids, so a decision is reproducible."""
    sites = c.sites
    if len(sites) == 1:  # most candidates; the sum of one distance is that distance
        return (c.total, sites[0].distance_km or 0.0, c.ids)
    return (c.total, sum([s.distance_km or 0.0 for s in sites]), c.ids)


def by_cost(request: SourcingRequest) -> RoutingPlan:
    return search_plan(request, StrategyName.COST, _cost_key, splits_compete=True)


def fewest_splits(request: SourcingRequest) -> RoutingPlan:
    return search_plan(
        request, StrategyName.FEWEST_SPLITS, lambda c: (len(c.sites), c.total, c.ids), splits_compete=False
    )


def _priority_key(c: Costed) -> tuple[int, int, float, tuple[str, ...]]:
    return (len(c.sites), c.priority_sum, c.total, c.ids)


def priority_list(request: SourcingRequest) -> RoutingPlan:
    return search_plan(request, StrategyName.PRIORITY_LIST, _priority_key, splits_compete=False)


def nearest(request: SourcingRequest) -> RoutingPlan:
    """``route_nearest`` over the stock each site may ship; the sites the constraints rule out are added."""
    views = view_sites(request, sku_demand(request))
    eligible = [v for v in views if v.ruled_out is None]
    stock = [LocationStock(v.site.location, v.usable) for v in eligible]
    lines = [LineDemand(line.line_no, line.sku, line.quantity) for line in request.lines]
    uncarried = {v.id: v for v in eligible if v.uncarried}
    ruled_out = [
        entry((v,), outcome="rejected", constraint=v.ruled_out[0], reason=v.ruled_out[1])
        for v in views
        if v.ruled_out is not None
    ]
    try:
        plan = route_nearest(lines, request.ship_to, stock)
    except InsufficientStock as shortage:
        inputs = {"strategy": StrategyName.NEAREST.value, "demand": sku_demand(request)}
        decision = Decision(DecisionKind.ROUTING, "no_feasible_plan", str(shortage), inputs, ruled_out)
        raise unroutable(request, shortage.shortages, decision) from shortage
    alternatives = [_with_constraint(a, uncarried) for a in plan.decision.alternatives] + ruled_out
    d = plan.decision
    return RoutingPlan(plan.allocations, Decision(d.kind, d.outcome, d.reason, d.inputs, alternatives, d.at))


def _with_constraint(alternative: dict[str, Any], uncarried: Mapping[str, SiteView]) -> dict[str, Any]:
    """Name the constraint behind each of ``route_nearest``'s rejections, as the other strategies do."""
    out = {"locations": [alternative["location_id"]], **alternative, "constraint": None}
    if out["outcome"] == "rejected" and not out["fills_all_lines"]:
        view = uncarried.get(out["location_id"])
        if view is not None:
            out["constraint"] = Constraint.CAPABILITY.value
            out["reason"] = f"cannot carry {', '.join(view.uncarried)} (missing capability); {out['reason']}"
        else:
            out["constraint"] = Constraint.STOCK.value
    return out


STRATEGIES: Mapping[StrategyName, Strategy] = {
    StrategyName.COST: by_cost,
    StrategyName.NEAREST: nearest,
    StrategyName.FEWEST_SPLITS: fewest_splits,
    StrategyName.PRIORITY_LIST: priority_list,
}


def route(request: SourcingRequest, channel: str) -> RoutingPlan:
    """Route with the strategy the configuration names for ``channel``."""
    return STRATEGIES[request.config.strategy_for(channel)](request)
