"""Simulation: re-run a sourcing strategy over past routing decisions, against the stock each one saw.

Every routing decision records the request it was made on (``stock_seen``, see
``services.sourcing.stock_seen``) and the plan it chose (``allocations``). For each decision of
the period the request is rebuilt, the strategy is run on it, and both plans are evaluated
(``domain.sourcing.evaluate``) under the cost model configured now, so the two rows compare
like with like. An order routed twice (placed again after a hold) counts once per routing.
Location facts (coordinates, kind, priority, capabilities) are today's: only the stock,
capacity and cut-offs are those the decision saw.

Decisions are read a keyset page at a time, each page in its own short read-only unit of work,
so a long period never holds all its decisions in memory nor one transaction open.
"""

from __future__ import annotations

import heapq
import itertools
import math
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time
from enum import StrEnum
from typing import Any

from overture.domain.inventory import InsufficientStock, Location
from overture.domain.routing import Allocation, GeoPoint
from overture.domain.sourcing import (
    STRATEGIES,
    PlanFigures,
    SourcingConfig,
    SourcingLine,
    SourcingRequest,
    SourcingSite,
    Strategy,
    StrategyName,
    evaluate,
)
from overture.services.errors import InvalidRequest
from overture.services.ports import UnitOfWorkFactory
from overture.services.sourcing import STOCK_SEEN_VERSION

PAGE_SIZE = 500


class SkipReason(StrEnum):
    NO_STOCK_SEEN = "decided before routing decisions recorded the stock they saw"
    UNKNOWN_VERSION = "stock seen recorded in a layout this version cannot read"
    LOCATION_GONE = "a location it saw no longer exists"


class _LocationGone(Exception):
    pass


@dataclass(slots=True)
class Totals:
    """One row of the comparison: the figures of every plan of one side, summed."""

    orders: int = 0
    unrouted: int = 0  # orders this side could not route
    cost: float = 0.0
    shipments: int = 0
    split_orders: int = 0
    distance_km: float = 0.0
    promised: int = 0  # routed orders that had a promise date
    on_time: int = 0
    days_to_arrive: int = 0  # summed over routed orders: last arrival minus the day of the decision

    def add(self, figures: PlanFigures | None, decided: date) -> None:
        self.orders += 1
        if figures is None:
            self.unrouted += 1
            return
        self.cost += figures.cost
        self.shipments += figures.shipments
        self.split_orders += figures.shipments > 1
        self.distance_km += figures.distance_km or 0.0
        self.days_to_arrive += (figures.arrives - decided).days
        if figures.on_time is not None:
            self.promised += 1
            self.on_time += figures.on_time

    @property
    def routed(self) -> int:
        return self.orders - self.unrouted

    def as_dict(self) -> dict[str, Any]:
        routed = self.routed
        return {
            "orders": self.orders,
            "routed": routed,
            "unrouted": self.unrouted,
            "cost": round(self.cost, 2),
            "cost_per_order": round(self.cost / routed, 2) if routed else None,
            "shipments": self.shipments,
            "split_orders": self.split_orders,
            "distance_km": round(self.distance_km, 1),
            "promised": self.promised,
            "on_time": self.on_time,
            "on_time_rate": round(self.on_time / self.promised, 4) if self.promised else None,
            "mean_days_to_arrive": round(self.days_to_arrive / routed, 2) if routed else None,
        }


@dataclass(frozen=True, slots=True)
class Difference:
    """An order whose simulated plan differs from the one actually chosen."""

    order_id: str
    at: datetime
    actual: PlanFigures | None  # None: not routed
    simulated: PlanFigures | None

    @property
    def cost_delta(self) -> float | None:
        """Simulated minus actual cost; None when one side could not route."""
        if self.actual is None or self.simulated is None:
            return None
        return self.simulated.cost - self.actual.cost

    @property
    def weight(self) -> tuple[float, float]:
        """How much the two plans differ: by cost, then by km (infinite when one side could not route)."""
        if self.actual is None or self.simulated is None:
            return (math.inf, math.inf)
        km = abs((self.simulated.distance_km or 0.0) - (self.actual.distance_km or 0.0))
        return (abs(self.simulated.cost - self.actual.cost), km)

    def as_dict(self) -> dict[str, Any]:
        delta = self.cost_delta
        return {
            "order_id": self.order_id,
            "at": self.at.isoformat(),
            "actual": _plan(self.actual),
            "simulated": _plan(self.simulated),
            "cost_delta": None if delta is None else round(delta, 2),
        }


def _plan(figures: PlanFigures | None) -> dict[str, Any] | None:
    if figures is None:
        return None
    return {
        "locations": list(figures.locations),
        "cost": round(figures.cost, 2),
        "distance_km": None if figures.distance_km is None else round(figures.distance_km, 1),
        "arrives": figures.arrives.isoformat(),
    }


@dataclass(slots=True)
class SimulationReport:
    strategy: StrategyName
    since: datetime
    until: datetime | None
    actual: Totals = field(default_factory=Totals)
    simulated: Totals = field(default_factory=Totals)
    differing: int = 0
    skipped: dict[str, int] = field(default_factory=dict)
    # The differences that matter most (an order one side cannot route, then the largest cost change,
    # then the largest change in km), kept as a bounded min-heap of (weight, tie-break, difference);
    # among equals the earliest routing is kept.
    _largest: list[tuple[tuple[float, float], int, Difference]] = field(default_factory=list, init=False)
    _ties: Iterator[int] = field(default_factory=itertools.count, init=False)

    def skip(self, reason: SkipReason) -> None:
        self.skipped[reason.value] = self.skipped.get(reason.value, 0) + 1

    def record(self, difference: Difference, *, differs: bool, decided: date, keep: int) -> None:
        self.actual.add(difference.actual, decided)
        self.simulated.add(difference.simulated, decided)
        if not differs:
            return
        self.differing += 1
        item = (difference.weight, -next(self._ties), difference)
        if len(self._largest) < keep:
            heapq.heappush(self._largest, item)
        elif keep:
            heapq.heappushpop(self._largest, item)

    @property
    def examples(self) -> list[Difference]:
        return [d for _, _, d in sorted(self._largest, reverse=True)]  # the tie-breaks are unique: never compares d

    def as_dict(self) -> dict[str, Any]:
        return {
            "strategy": self.strategy.value,
            "since": self.since.isoformat(),
            "until": None if self.until is None else self.until.isoformat(),
            "actual": self.actual.as_dict(),
            "simulated": self.simulated.as_dict(),
            "differing_orders": self.differing,
            "skipped": dict(sorted(self.skipped.items())),
            "examples": [d.as_dict() for d in self.examples],
        }


def parse_moment(name: str, text: str) -> datetime:
    """An ISO 8601 date or date-time (UTC when it names no offset); InvalidRequest naming ``name`` otherwise."""
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise InvalidRequest(name, f"{text!r} is not an ISO 8601 date such as 2026-11-01") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def strategy_named(text: str) -> StrategyName:
    """The strategy called ``text``; InvalidRequest naming the field and the choices otherwise."""
    try:
        return StrategyName(text)
    except ValueError:
        choices = ", ".join(s.value for s in StrategyName)
        raise InvalidRequest("strategy", f"unknown strategy {text!r}: one of {choices}") from None


def simulate(
    uow_factory: UnitOfWorkFactory,
    strategy: StrategyName,
    *,
    since: datetime,
    until: datetime | None = None,
    examples: int = 5,
    page_size: int = PAGE_SIZE,
) -> SimulationReport:
    """Re-run ``strategy`` over the routing decisions made in ``[since, until)`` and sum both sides."""
    if until is not None and until <= since:
        raise InvalidRequest("until", f"{until.isoformat()} is not after since ({since.isoformat()})")
    with uow_factory(readonly=True) as uow:
        config = uow.sourcing.config()
    report = SimulationReport(strategy, since, until)
    run = STRATEGIES[strategy]
    for rows, places in _pages(uow_factory, since, until, page_size):
        for row in rows:
            _simulate_one(report, row, run, config, places, keep=examples)
    return report


def _pages(
    uow_factory: UnitOfWorkFactory, since: datetime, until: datetime | None, page_size: int
) -> Iterator[tuple[list[dict[str, Any]], Mapping[str, Location]]]:
    """Each page of decisions with the locations its stock names (read once, then kept)."""
    places: dict[str, Location] = {}
    after_id: int | None = None
    while True:
        with uow_factory(readonly=True) as uow:
            rows = uow.sourcing.routing_decisions_since(since, until, after_id=after_id, limit=page_size)
            named = {loc for row in rows for loc in _stock_seen(row).get("sites", {})}
            places.update(uow.sourcing.locations(named - places.keys()))
        yield rows, places
        if len(rows) < page_size:
            return
        after_id = rows[-1]["id"]


def _stock_seen(row: Mapping[str, Any]) -> dict[str, Any]:
    seen = row["inputs"].get("stock_seen")
    return seen if isinstance(seen, dict) else {}


def _simulate_one(
    report: SimulationReport,
    row: Mapping[str, Any],
    run: Strategy,
    config: SourcingConfig,
    places: Mapping[str, Location],
    *,
    keep: int,
) -> None:
    seen = row["inputs"].get("stock_seen")
    if seen is None:
        report.skip(SkipReason.NO_STOCK_SEEN)
        return
    if seen.get("version") != STOCK_SEEN_VERSION:
        report.skip(SkipReason.UNKNOWN_VERSION)
        return
    try:
        request = request_from(seen, places, config)
    except _LocationGone:
        report.skip(SkipReason.LOCATION_GONE)
        return
    actual = _allocations(row["inputs"].get("allocations") or [])
    simulated = _route(run, request)
    difference = Difference(
        row["order_id"],
        row["at"],
        evaluate(request, actual) if actual else None,
        evaluate(request, simulated) if simulated else None,
    )
    differs = set(actual) != set(simulated)
    report.record(difference, differs=differs, decided=request.now.date(), keep=keep)


def _route(run: Strategy, request: SourcingRequest) -> tuple[Allocation, ...]:
    try:
        return run(request).allocations
    except InsufficientStock:  # NoFeasiblePlan included: the strategy could not route it
        return ()


def _allocations(recorded: Sequence[Sequence[Any]]) -> tuple[Allocation, ...]:
    return tuple(Allocation(int(no), str(sku), str(loc), int(qty)) for no, sku, loc, qty in recorded)


def request_from(seen: Mapping[str, Any], places: Mapping[str, Location], config: SourcingConfig) -> SourcingRequest:
    """Rebuild the request a decision was made on from its ``stock_seen`` (see ``services.sourcing.stock_seen``)."""
    traits = seen["skus"]
    lines = [
        SourcingLine(int(no), sku, int(qty), float(kg), hazmat=bool(hazmat), oversize=bool(oversize))
        for no, sku, qty in seen["lines"]
        for kg, hazmat, oversize in [traits[sku]]
    ]
    sites = []
    for location_id, entry in seen["sites"].items():
        location = places.get(location_id)
        if location is None:
            raise _LocationGone(location_id)
        cutoff = entry.get("cutoff_utc")
        sites.append(
            SourcingSite(
                replace(location, active=True),  # it was active when the decision saw its stock
                {str(sku): int(n) for sku, n in entry["available"].items()},
                capacity_left=entry.get("capacity_left"),
                cutoff_utc=None if cutoff is None else time.fromisoformat(cutoff),
            )
        )
    ship_to = seen.get("ship_to")
    promise = seen.get("promise_by")
    return SourcingRequest(
        lines,
        None if ship_to is None else GeoPoint(float(ship_to[0]), float(ship_to[1])),
        sites,
        datetime.fromisoformat(seen["now"]),
        promise_by=None if promise is None else datetime.fromisoformat(promise),
        config=config,
    )
