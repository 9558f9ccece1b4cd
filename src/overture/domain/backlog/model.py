"""Whole-backlog allocation as pure data: orders, stock, costs, and how a plan is scored.

Rules shared by every solver, so that their results compare fairly:

* an order is filled whole or not at all (as capture does today: an order the network cannot
  cover stays on hold); it may be split across locations, but by line: each line ships
  whole, from a single location (lines here are a few units; splitting them would add parcels
  for little);
* a filled order's *weighted fill* is its units times ``fill_weight(priority, age)``;
* its *cost* is, for every unit, the shipping cost from its location to the ship-to point,
  plus ``split_penalty_cents`` for every location beyond the first;
* a plan never takes more of a SKU from a location than the location has;
* nor more orders from a location than it can still take on today (``capacity_left``: its daily
  capacity less the orders it took since midnight, counted as routing counts them): an order counts
  once at each location it ships from, whatever its lines.

``summarise`` scores any plan with these rules; ``violations`` lists the rules it breaks.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cached_property

from overture.domain.routing import Allocation, GeoPoint, great_circle_km

MAX_AGE_DAYS_WEIGHTED = 9  # beyond nine days, age adds nothing: priority always outranks age


def fill_weight(priority: int, age_hours: float) -> int:
    """Weight of one unit: priority first (x10), then whole days waited (0..9) among equals.

    The same order as the greedy queue (priority, then age), so both solvers chase the same aim.
    """
    days = min(int(age_hours // 24), MAX_AGE_DAYS_WEIGHTED)
    return 10 * priority + days


@dataclass(frozen=True, slots=True)
class BacklogLine:
    line_no: int
    sku: str
    quantity: int


@dataclass(frozen=True, slots=True)
class BacklogOrder:
    id: str
    lines: tuple[BacklogLine, ...]
    ship_to: GeoPoint | None
    priority: int = 1  # 1 is the lowest; a key account might be 3
    age_hours: float = 0.0

    def __post_init__(self) -> None:
        if self.priority < 1:
            raise ValueError(f"order {self.id}: priority must be at least 1, got {self.priority}")
        if any(line.quantity <= 0 for line in self.lines):
            raise ValueError(f"order {self.id}: every line needs a positive quantity")

    @property
    def units(self) -> int:
        return sum(line.quantity for line in self.lines)

    @property
    def weight(self) -> int:
        return fill_weight(self.priority, self.age_hours)

    def demand(self) -> dict[str, int]:
        wanted: dict[str, int] = {}
        for line in self.lines:
            wanted[line.sku] = wanted.get(line.sku, 0) + line.quantity
        return wanted


@dataclass(frozen=True, slots=True)
class StockLocation:
    id: str
    point: GeoPoint
    stock: Mapping[str, int]
    capacity_left: int | None = None  # orders it can still take on today; None: no daily limit

    def takes_orders(self) -> bool:
        return self.capacity_left is None or self.capacity_left > 0


@dataclass(frozen=True, slots=True)
class CostModel:
    """Shipping cost in whole cents: a handling charge per unit plus a rate per unit and 100 km."""

    cents_per_unit: int = 300
    cents_per_unit_per_100km: int = 40
    split_penalty_cents: int = 800  # one more parcel, one more pick
    # An address that could not be located is charged as if far away, so it is served last.
    unknown_distance_km: float = 3000.0

    def unit_cost(self, distance_km: float | None) -> int:
        km = self.unknown_distance_km if distance_km is None else distance_km
        return self.cents_per_unit + round(self.cents_per_unit_per_100km * km / 100)


@dataclass(frozen=True)  # not slotted: the distance table below is cached on the instance
class Backlog:
    orders: tuple[BacklogOrder, ...]
    locations: tuple[StockLocation, ...]
    costs: CostModel = field(default_factory=CostModel)

    @property
    def units_wanted(self) -> int:
        return sum(order.units for order in self.orders)

    @property
    def units_in_stock(self) -> int:
        return sum(sum(loc.stock.values()) for loc in self.locations)

    def distances(self, order: BacklogOrder) -> dict[str, float | None]:
        """Kilometres from each location to the order's ship-to point (None if it is unknown)."""
        return self._geometry[order.id][0]

    def unit_costs(self, order: BacklogOrder) -> dict[str, int]:
        return {loc_id: self.costs.unit_cost(km) for loc_id, km in self.distances(order).items()}

    def ranked_locations(self, order: BacklogOrder) -> list[str]:
        """Location ids nearest first (ties by id, so the ranking is reproducible)."""
        return self._geometry[order.id][1]

    @cached_property
    def _geometry(self) -> dict[str, tuple[dict[str, float | None], list[str]]]:
        # Both solvers ask for every order's distances several times: 10,000 orders x 20
        # locations is 200,000 great circles, worth computing once.
        table: dict[str, tuple[dict[str, float | None], list[str]]] = {}
        for order in self.orders:
            distances = _distances_from(order.ship_to, self.locations)
            ranked = sorted(distances, key=lambda loc_id: (_km_or_inf(distances[loc_id]), loc_id))
            table[order.id] = (distances, ranked)
        return table


def _distances_from(point: GeoPoint | None, locations: Iterable[StockLocation]) -> dict[str, float | None]:
    if point is None:
        return dict.fromkeys((loc.id for loc in locations), None)
    return {loc.id: great_circle_km(point, loc.point) for loc in locations}


def _km_or_inf(km: float | None) -> float:
    return math.inf if km is None else km


def queue_key(priority: int, age_hours: float, ident: str) -> tuple[int, float, str]:
    """Sort key of the fill queue: highest priority first, then the oldest, then by id (reproducible).

    The one definition of "who is served first", shared by the backlog solvers and backorders."""
    return (-priority, -age_hours, ident)


def queue_order(orders: Iterable[BacklogOrder]) -> list[BacklogOrder]:
    """Highest priority first, then the oldest, then by id (reproducible)."""
    return sorted(orders, key=lambda o: queue_key(o.priority, o.age_hours, o.id))


@dataclass(frozen=True, slots=True)
class BacklogPlan:
    """One solver's answer: the allocations of every filled order, and its score."""

    solver: str
    status: str
    allocations: Mapping[str, tuple[Allocation, ...]]  # by order id; filled orders only
    units_filled: int
    weighted_fill: int
    cost_cents: int
    splits: int
    orders_filled: int
    solve_seconds: float


def order_cost(backlog: Backlog, order: BacklogOrder, allocations: Iterable[Allocation]) -> tuple[int, int]:
    """(cost in cents, splits) of one filled order."""
    costs = backlog.unit_costs(order)
    chosen = list(allocations)
    splits = max(0, len({a.location_id for a in chosen}) - 1)
    shipping = sum(costs[a.location_id] * a.quantity for a in chosen)
    return shipping + splits * backlog.costs.split_penalty_cents, splits


def summarise(
    backlog: Backlog,
    allocations: Mapping[str, tuple[Allocation, ...]],
    *,
    solver: str,
    status: str,
    solve_seconds: float,
) -> BacklogPlan:
    """Score a plan with the shared rules (every solver's figures come from here)."""
    by_id = {o.id: o for o in backlog.orders}
    units = weighted = cost = splits = 0
    for order_id, chosen in allocations.items():
        order = by_id[order_id]
        units += order.units
        weighted += order.units * order.weight
        order_cents, order_splits = order_cost(backlog, order, chosen)
        cost += order_cents
        splits += order_splits
    return BacklogPlan(
        solver, status, dict(allocations), units, weighted, cost, splits, len(allocations), solve_seconds
    )


def violations(backlog: Backlog, allocations: Mapping[str, tuple[Allocation, ...]]) -> list[str]:
    """Every rule the plan breaks: stock overdrawn, capacity exceeded, a line not exactly filled, an
    unknown order."""
    problems: list[str] = []
    by_id = {o.id: o for o in backlog.orders}
    taken: dict[tuple[str, str], int] = {}
    orders_at: dict[str, int] = {}
    for order_id, chosen in allocations.items():
        order = by_id.get(order_id)
        if order is None:
            problems.append(f"{order_id}: not in the backlog")
            continue
        problems.extend(_line_problems(order, chosen))
        for a in chosen:
            taken[a.location_id, a.sku] = taken.get((a.location_id, a.sku), 0) + a.quantity
        for loc_id in {a.location_id for a in chosen}:
            orders_at[loc_id] = orders_at.get(loc_id, 0) + 1
    stock = {loc.id: loc.stock for loc in backlog.locations}
    for (loc_id, sku), quantity in sorted(taken.items()):
        available = stock.get(loc_id, {}).get(sku, 0)
        if quantity > available:
            problems.append(f"{loc_id}/{sku}: {quantity} taken, {available} in stock")
    capacity = {loc.id: loc.capacity_left for loc in backlog.locations if loc.capacity_left is not None}
    for loc_id, count in sorted(orders_at.items()):
        left = capacity.get(loc_id)
        if left is not None and count > left:
            problems.append(f"{loc_id}: {count} orders planned, capacity for {max(left, 0)} more today")
    return problems


def _line_problems(order: BacklogOrder, chosen: Iterable[Allocation]) -> list[str]:
    """A filled order has exactly one allocation per line, of the line's SKU and whole quantity."""
    problems = []
    by_line: dict[int, list[Allocation]] = {}
    for a in chosen:
        by_line.setdefault(a.line_no, []).append(a)
    for line in order.lines:
        got = by_line.pop(line.line_no, [])
        if len(got) != 1 or got[0].sku != line.sku or got[0].quantity != line.quantity:
            problems.append(f"{order.id} line {line.line_no}: wants {line.quantity} {line.sku}, got {got}")
    problems.extend(f"{order.id}: no line {line_no}" for line_no in by_line)
    return problems
