"""Greedy baseline: the backlog placed order by order, as capture would place it one at a time.

Queue: highest priority, then oldest. Each order, if the stock left can cover it whole, goes to
the nearest location that can fill every line; failing that, it is split by line, each line to
the nearest location that can ship it whole. Only locations with capacity left today are
considered, and each order placed takes one from every location it ships from. An order the
stock and capacity left cannot cover under these rules is skipped (it stays on hold).
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence

from overture.domain.backlog.model import Backlog, BacklogOrder, BacklogPlan, queue_order, summarise
from overture.domain.routing import Allocation

Stock = dict[str, dict[str, int]]  # location id -> sku -> units left


def greedy(backlog: Backlog) -> BacklogPlan:
    started = time.perf_counter()
    left: Stock = {loc.id: dict(loc.stock) for loc in backlog.locations}
    # Orders each capped location can still take on today; a location without a limit is not listed.
    orders_left = {loc.id: loc.capacity_left for loc in backlog.locations if loc.capacity_left is not None}
    plan: dict[str, tuple[Allocation, ...]] = {}
    for order in queue_order(backlog.orders):
        open_now = [loc for loc in backlog.ranked_locations(order) if orders_left.get(loc, 1) > 0]
        chosen = route_one(order, open_now, left)
        if chosen is None:
            continue
        for a in chosen:
            left[a.location_id][a.sku] -= a.quantity
        for loc in {a.location_id for a in chosen} & orders_left.keys():
            orders_left[loc] -= 1
        plan[order.id] = chosen
    elapsed = time.perf_counter() - started
    return summarise(backlog, plan, solver="greedy", status="HEURISTIC", solve_seconds=elapsed)


def route_one(
    order: BacklogOrder, ranked: Sequence[str], left: Mapping[str, Mapping[str, int]]
) -> tuple[Allocation, ...] | None:
    """Allocations for the order from the stock ``left`` (not changed), or None if it cannot be covered."""
    demand = order.demand()
    if any(sum(left[loc].get(sku, 0) for loc in ranked) < q for sku, q in demand.items()):
        return None
    whole = next((loc for loc in ranked if all(left[loc].get(s, 0) >= q for s, q in demand.items())), None)
    if whole is not None:
        return tuple(Allocation(line.line_no, line.sku, whole, line.quantity) for line in order.lines)
    return _line_by_line(order, ranked, left)


def _line_by_line(
    order: BacklogOrder, ranked: Sequence[str], left: Mapping[str, Mapping[str, int]]
) -> tuple[Allocation, ...] | None:
    # What earlier lines of this order took, so two lines of one SKU do not count the same units.
    taken: dict[tuple[str, str], int] = {}
    allocations: list[Allocation] = []
    for line in order.lines:
        loc = next((k for k in ranked if left[k].get(line.sku, 0) - taken.get((k, line.sku), 0) >= line.quantity), None)
        if loc is None:
            return None  # no location can ship this line whole: the order stays on hold
        taken[loc, line.sku] = taken.get((loc, line.sku), 0) + line.quantity
        allocations.append(Allocation(line.line_no, line.sku, loc, line.quantity))
    return tuple(allocations)
