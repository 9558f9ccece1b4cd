"""A recorded routing decision summarised for a person: the ruled-out candidates grouped by constraint
with the shortfalls that matter, and the tie-break named when the chosen plan costs what the next does.

Read from what every decision already records (its ``alternatives``), so decisions recorded before
this module read the same way: a location short of stock is recorded with the reason "short SKU by n,
SKU2 by m" (sites.py writes it, per SKU, the units it lacks), and every location with its distance.
The tie-break is the strategies' own ranking (strategies.py): cost, then distance, then location id
for ``cost``; locations, then cost, then id for ``fewest_splits``; locations, then priority, then cost,
then id for ``priority_list``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

NEAREST = 5  # the shortfalls shown are those of the nearest few locations: the ones a person would ask about
_SHORT = re.compile(r"(\S+) by (\d+)")


@dataclass(frozen=True, slots=True)
class Shortfall:
    """``sku`` short at ``at`` of the nearest locations, by ``fewest`` to ``most`` units."""

    sku: str
    fewest: int
    most: int
    at: int


@dataclass(frozen=True, slots=True)
class RejectionGroup:
    """The candidates one constraint ruled out: ``combinations`` (of locations) or single locations."""

    constraint: str
    combinations: bool
    entries: list[Mapping[str, Any]]
    nearest: list[str] = field(default_factory=list)  # up to NEAREST ids, nearest first
    shortfalls: list[Shortfall] = field(default_factory=list)  # among ``nearest``, each SKU once


@dataclass(frozen=True, slots=True)
class TieBreak:
    """The chosen plan and the next one cost the same (``cost``); ``by`` decided, with each one's figure."""

    chosen: str
    runner_up: str
    cost: float
    by: str  # "distance" | "locations" | "priority" | "location id"
    chosen_value: Any
    runner_up_value: Any


def shortfalls_in(reason: str) -> dict[str, int]:
    """The units short per SKU in a stock rejection's reason ("short A by 2, B by 5"); {} for another."""
    if not reason.startswith("short "):
        return {}
    return {sku: int(n) for sku, n in _SHORT.findall(reason[len("short ") :])}


def _where(entry: Mapping[str, Any]) -> str:
    return " + ".join(entry.get("locations") or [str(entry.get("location_id", ""))])


def group_rejections(rejected: Sequence[Mapping[str, Any]]) -> list[RejectionGroup]:
    """The ruled out by constraint (most first): single locations nearest first, then combinations."""
    groups: dict[tuple[str, bool], list[Mapping[str, Any]]] = {}
    for entry in rejected:
        combination = len(entry.get("locations") or ()) > 1
        groups.setdefault((str(entry.get("constraint")), combination), []).append(entry)
    out = []
    for (constraint, combination), entries in sorted(groups.items(), key=lambda g: (g[0][1], -len(g[1]), g[0][0])):
        if combination:
            out.append(RejectionGroup(constraint, True, entries))
            continue
        ordered = sorted(entries, key=_nearest_first)
        nearest = ordered[:NEAREST]
        out.append(RejectionGroup(constraint, False, ordered, [_where(e) for e in nearest], _shortfalls(nearest)))
    return out


def _nearest_first(entry: Mapping[str, Any]) -> tuple[bool, float, str]:
    distance = entry.get("distance_km")
    return (distance is None, float(distance or 0.0), _where(entry))


def _shortfalls(nearest: Sequence[Mapping[str, Any]]) -> list[Shortfall]:
    by_sku: dict[str, list[int]] = {}
    for entry in nearest:
        for sku, units in shortfalls_in(str(entry.get("reason") or "")).items():
            by_sku.setdefault(sku, []).append(units)
    return [Shortfall(sku, min(units), max(units), len(units)) for sku, units in by_sku.items()]


def tie_break(
    strategy: str | None, candidates: Sequence[Mapping[str, Any]], distances: Mapping[str, float]
) -> TieBreak | None:
    """What chose between the chosen plan and the next one when both cost the same; None when the next
    one costs more (cost decided), there is no next one, or the strategy does not rank (``nearest``).

    ``candidates``: the decision's costed candidates; ``distances``: each location's recorded km."""
    keys = _KEYS.get(strategy or "cost")
    costed = [c for c in candidates if isinstance(c.get("components"), Mapping)]
    chosen = next((c for c in costed if c.get("outcome") == "chosen"), None)
    others = [c for c in costed if c is not chosen]
    if keys is None or chosen is None or not others:
        return None
    runner_up = min(others, key=lambda c: tuple(read(c, distances) for _, read in keys))
    cost = _total(chosen, distances)
    if _total(runner_up, distances) != cost:
        return None
    for name, read in keys:
        mine, theirs = read(chosen, distances), read(runner_up, distances)
        if name != "cost" and mine != theirs:
            return TieBreak(_where(chosen), _where(runner_up), cost, name, mine, theirs)
    return None


def _total(c: Mapping[str, Any], _: Mapping[str, float]) -> float:
    return float(c["components"]["total"])


def _distance(c: Mapping[str, Any], distances: Mapping[str, float]) -> float:
    return round(sum(distances.get(loc, 0.0) or 0.0 for loc in c.get("locations") or ()), 1)


def _count(c: Mapping[str, Any], _: Mapping[str, float]) -> int:
    return len(c.get("locations") or ())


def _priority(c: Mapping[str, Any], _: Mapping[str, float]) -> float:
    return float(c["components"].get("priority", 0.0))


def _ids(c: Mapping[str, Any], _: Mapping[str, float]) -> tuple[str, ...]:
    return tuple(c.get("locations") or ())


_KEYS = {
    "cost": (("cost", _total), ("distance", _distance), ("location id", _ids)),
    "fewest_splits": (("locations", _count), ("cost", _total), ("location id", _ids)),
    "priority_list": (("locations", _count), ("priority", _priority), ("cost", _total), ("location id", _ids)),
}
