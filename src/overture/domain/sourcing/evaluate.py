"""What a plan costs and delivers: the figures a simulation compares between two plans for one request.

Pure. A plan (its allocations) is priced exactly as the strategies price a candidate, by
``candidates.price`` over the sites of ``sites.view_sites`` (zone base + weight x per-kg rate,
handling by location kind, priority weight, split penalty per shipment beyond the first), so the
plan a strategy chose evaluates to the cost it was chosen for. Hard constraints are not checked:
the plan is taken as given.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from overture.domain.routing import Allocation
from overture.domain.sourcing.candidates import price
from overture.domain.sourcing.model import SourcingRequest
from overture.domain.sourcing.sites import arrival_date, sku_demand, view_sites


class UnknownSite(ValueError):
    """A plan ships from a location the request does not hold (or holds inactive)."""


@dataclass(frozen=True, slots=True)
class PlanFigures:
    """One plan evaluated: its cost components, shipments, kilometres and arrival."""

    locations: tuple[str, ...]  # the shipping locations, by id
    shipping: float
    handling: float
    split_penalty: float
    priority: float
    distance_km: float | None  # summed over shipments; None when the ship-to point is unknown
    arrives: date  # the day the last shipment arrives
    on_time: bool | None  # arrives by the promise date; None when nothing was promised

    @property
    def cost(self) -> float:
        return self.shipping + self.handling + self.split_penalty + self.priority

    @property
    def shipments(self) -> int:
        return len(self.locations)


def evaluate(request: SourcingRequest, allocations: Sequence[Allocation]) -> PlanFigures:
    """Price ``allocations`` under ``request.config`` and date their arrival; UnknownSite if a
    location is not an active site of the request, ValueError if the plan ships nothing."""
    if not allocations:
        raise ValueError("a plan needs at least one allocation")
    views = {v.id: v for v in view_sites(request, sku_demand(request))}
    unknown = sorted({a.location_id for a in allocations} - views.keys())
    if unknown:
        raise UnknownSite(f"not an active site of the request: {', '.join(unknown)}")
    weights = {line.line_no: line.unit_weight_kg for line in request.lines}
    strays = sorted({a.line_no for a in allocations} - weights.keys())
    if strays:
        raise ValueError(f"the request has no line {', '.join(map(str, strays))}")
    rows = tuple([(a.line_no, a.sku, a.location_id, a.quantity) for a in allocations])
    costed = price(list(views.values()), rows, weights, request.config)
    distances = [v.distance_km for v in costed.sites]
    arrives = max(arrival_date(request, v.site, v.zone) for v in costed.sites)
    promise = request.promise_by
    return PlanFigures(
        locations=costed.ids,
        shipping=costed.shipping,
        handling=costed.handling,
        split_penalty=costed.split_penalty,
        priority=costed.priority,
        distance_km=None if any(d is None for d in distances) else sum(d for d in distances if d is not None),
        arrives=arrives,
        on_time=None if promise is None else arrives <= promise.date(),
    )
