"""First routing strategy: nearest location that fills every line, else fewest locations.

Pure: it sees the demand, the ship-to point and each location's availability, and returns
allocations plus a Decision that lists every candidate with its distance and why it won
or lost. Raises ``InsufficientStock`` when the whole network cannot cover the order.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from overture.domain.decisions import Decision, DecisionKind
from overture.domain.inventory import InsufficientStock, Location, Shortage

EARTH_RADIUS_KM = 6371.0088
# Beyond this many combinations of one size, fall back to a greedy cover so routing cost
# stays bounded on large networks (C(10, 5) = 252; C(40, 4) = 91,390).
MAX_COMBINATIONS_PER_SIZE = 5_000


@dataclass(frozen=True, slots=True)
class GeoPoint:
    latitude: float
    longitude: float


def great_circle_km(a: GeoPoint, b: GeoPoint) -> float:
    """Haversine distance in kilometres."""
    lat1, lat2 = math.radians(a.latitude), math.radians(b.latitude)
    dlat = lat2 - lat1
    dlon = math.radians(b.longitude - a.longitude)
    h = math.sin(dlat / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin(dlon / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(h)))


@dataclass(frozen=True, slots=True)
class LineDemand:
    line_no: int
    sku: str
    quantity: int


@dataclass(frozen=True, slots=True)
class LocationStock:
    location: Location
    available: Mapping[str, int]


@dataclass(frozen=True, slots=True)
class Allocation:
    line_no: int
    sku: str
    location_id: str
    quantity: int


@dataclass(frozen=True, slots=True)
class RoutingPlan:
    allocations: tuple[Allocation, ...]
    decision: Decision

    @property
    def location_ids(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(a.location_id for a in self.allocations))


@dataclass(frozen=True, slots=True)
class _Candidate:
    stock: LocationStock
    distance_km: float | None
    missing: dict[str, int]

    @property
    def fills_all(self) -> bool:
        return not self.missing

    def sort_key(self) -> tuple[float, int, str]:
        distance = self.distance_km if self.distance_km is not None else math.inf
        return (distance, self.stock.location.priority, self.stock.location.id)


def _sku_demand(lines: Iterable[LineDemand]) -> dict[str, int]:
    demand: dict[str, int] = {}
    for line in lines:
        demand[line.sku] = demand.get(line.sku, 0) + line.quantity
    return demand


def _candidates(
    demand: Mapping[str, int], ship_to: GeoPoint | None, stock: Sequence[LocationStock]
) -> list[_Candidate]:
    out = []
    for s in stock:
        if not s.location.active:
            continue
        distance = None
        if ship_to is not None:
            distance = great_circle_km(ship_to, GeoPoint(s.location.latitude, s.location.longitude))
        missing = {sku: q - s.available.get(sku, 0) for sku, q in demand.items() if s.available.get(sku, 0) < q}
        out.append(_Candidate(s, distance, missing))
    out.sort(key=_Candidate.sort_key)
    return out


def _check_network(demand: Mapping[str, int], candidates: Sequence[_Candidate]) -> None:
    shortages = []
    for sku, wanted in demand.items():
        total = sum(c.stock.available.get(sku, 0) for c in candidates)
        if total < wanted:
            shortages.append(Shortage(sku, wanted, total))
    if shortages:
        raise InsufficientStock(shortages)


def _covers(combo: Sequence[_Candidate], demand: Mapping[str, int]) -> bool:
    return all(sum(c.stock.available.get(sku, 0) for c in combo) >= q for sku, q in demand.items())


def _combo_cost(combo: tuple[_Candidate, ...]) -> tuple[float, int]:
    distance = sum(c.distance_km if c.distance_km is not None else 0.0 for c in combo)
    return (distance, sum(c.stock.location.priority for c in combo))


def _greedy_cover(demand: Mapping[str, int], candidates: Sequence[_Candidate]) -> list[_Candidate]:
    remaining = dict(demand)
    chosen: list[_Candidate] = []
    pool = list(candidates)
    while any(q > 0 for q in remaining.values()):
        best = max(pool, key=lambda c: sum(min(c.stock.available.get(s, 0), q) for s, q in remaining.items()))
        pool.remove(best)
        chosen.append(best)
        for sku, q in remaining.items():
            remaining[sku] = max(0, q - best.stock.available.get(sku, 0))
    return sorted(chosen, key=_Candidate.sort_key)


def _fewest_locations(demand: Mapping[str, int], candidates: Sequence[_Candidate]) -> tuple[list[_Candidate], int]:
    """Return the smallest covering set (nearest in total among equals) and how many sets were tried."""
    tried = 0
    useful = [c for c in candidates if any(c.stock.available.get(s, 0) > 0 for s in demand)]
    for size in range(2, len(useful) + 1):
        if math.comb(len(useful), size) > MAX_COMBINATIONS_PER_SIZE:
            return _greedy_cover(demand, useful), tried
        feasible: list[tuple[_Candidate, ...]] = []
        for combo in itertools.combinations(useful, size):
            tried += 1
            if _covers(combo, demand):
                feasible.append(combo)
        if feasible:
            best = min(feasible, key=_combo_cost)
            return sorted(best, key=_Candidate.sort_key), tried
    raise AssertionError("network covers the demand but no combination does")  # pragma: no cover


def _assign(lines: Sequence[LineDemand], chosen: Sequence[_Candidate]) -> tuple[Allocation, ...]:
    """Give each line to the nearest chosen location that can take it whole, else split it."""
    left = {c.stock.location.id: dict(c.stock.available) for c in chosen}
    order = [c.stock.location.id for c in chosen]
    allocations: list[Allocation] = []
    for line in lines:
        whole = next((loc for loc in order if left[loc].get(line.sku, 0) >= line.quantity), None)
        sources = [whole] if whole is not None else order
        need = line.quantity
        for loc in sources:
            take = min(need, left[loc].get(line.sku, 0))
            if take:
                left[loc][line.sku] -= take
                allocations.append(Allocation(line.line_no, line.sku, loc, take))
                need -= take
            if need == 0:
                break
    return tuple(allocations)


def _km(distance: float | None) -> str:
    return "unknown distance" if distance is None else f"{distance:.0f} km"


def _explain(candidate: _Candidate, chosen_ids: set[str], winner: _Candidate, split: bool) -> dict[str, Any]:
    loc = candidate.stock.location
    entry: dict[str, Any] = {
        "location_id": loc.id,
        "distance_km": None if candidate.distance_km is None else round(candidate.distance_km, 1),
        "fills_all_lines": candidate.fills_all,
        "missing": candidate.missing,
    }
    if loc.id in chosen_ids:
        entry["outcome"] = "chosen"
        entry["reason"] = (
            f"part of the smallest set of locations covering the order ({_km(candidate.distance_km)})"
            if split
            else f"nearest location that can fill every line ({_km(candidate.distance_km)})"
        )
    else:
        entry["outcome"] = "rejected"
        if not candidate.fills_all:
            short = ", ".join(f"{sku} short {q}" for sku, q in candidate.missing.items())
            entry["reason"] = f"cannot fill every line: {short}" + ("; not needed in the chosen split" if split else "")
        else:
            entry["reason"] = (
                f"can fill every line but is farther ({_km(candidate.distance_km)} vs {_km(winner.distance_km)})"
            )
    return entry


def route_nearest(lines: Sequence[LineDemand], ship_to: GeoPoint | None, stock: Sequence[LocationStock]) -> RoutingPlan:
    demand = _sku_demand(lines)
    candidates = _candidates(demand, ship_to, stock)
    _check_network(demand, candidates)
    single = [c for c in candidates if c.fills_all]
    tried = len(candidates)
    if single:
        chosen = [single[0]]
    else:
        chosen, tried = _fewest_locations(demand, candidates)
    split = len(chosen) > 1
    chosen_ids = {c.stock.location.id for c in chosen}
    alternatives = [_explain(c, chosen_ids, chosen[0], split) for c in candidates]
    where = ", ".join(f"{c.stock.location.id} ({_km(c.distance_km)})" for c in chosen)
    reason = (
        f"no single location can fill every line; split across {len(chosen)} locations: {where}"
        if split
        else f"shipped whole from {where}, the nearest of {len(single)} locations able to fill every line"
    )
    if ship_to is None:
        reason += "; ship-to could not be located, so locations were ranked by priority"
    decision = Decision(
        kind=DecisionKind.ROUTING,
        outcome="split" if split else "single_location",
        reason=reason,
        inputs={
            "strategy": "nearest",
            "ship_to": None if ship_to is None else [ship_to.latitude, ship_to.longitude],
            "demand": demand,
            "combinations_considered": tried,
        },
        alternatives=alternatives,
    )
    return RoutingPlan(_assign(lines, chosen), decision)
