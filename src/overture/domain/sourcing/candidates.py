"""Candidates (one location or a combination) and what each would cost.

A candidate is costed by assigning every line to its locations (whole where one location can take
it, split in the candidate's order otherwise) and pricing each resulting shipment from the rate
table: zone base + weight x per-kg rate, plus the location kind's handling, plus the priority
weight, plus the split penalty per shipment beyond the first.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from overture.domain.routing import Allocation
from overture.domain.sourcing.model import SourcingConfig, SourcingLine
from overture.domain.sourcing.sites import SiteView


@dataclass(frozen=True, slots=True)
class Costed:
    sites: tuple[SiteView, ...]
    allocations: tuple[Allocation, ...]
    shipping: float
    handling: float
    split_penalty: float
    priority: float

    @property
    def total(self) -> float:
        return self.shipping + self.handling + self.split_penalty + self.priority

    @property
    def ids(self) -> tuple[str, ...]:
        return tuple(s.id for s in self.sites)

    @property
    def priority_sum(self) -> int:
        return sum(s.site.location.priority for s in self.sites)

    def components(self) -> dict[str, float]:
        return {
            "shipping": round(self.shipping, 4),
            "handling": round(self.handling, 4),
            "split_penalty": round(self.split_penalty, 4),
            "priority": round(self.priority, 4),
            "total": round(self.total, 4),
        }


def assign(lines: Sequence[SourcingLine], sites: Sequence[SiteView]) -> tuple[Allocation, ...] | None:
    """Give each line to the first site that can take it whole, else split it; None if they cannot cover it."""
    left = [dict(s.usable) for s in sites]
    allocations: list[Allocation] = []
    for line in lines:
        whole = next((i for i, stock in enumerate(left) if stock.get(line.sku, 0) >= line.quantity), None)
        sources = [whole] if whole is not None else range(len(sites))
        need = line.quantity
        for i in sources:
            take = min(need, left[i].get(line.sku, 0))
            if take:
                left[i][line.sku] -= take
                allocations.append(Allocation(line.line_no, line.sku, sites[i].id, take))
                need -= take
            if not need:
                break
        if need:
            return None
    return tuple(allocations)


def price(
    sites: Sequence[SiteView], allocations: tuple[Allocation, ...], weights: dict[int, float], config: SourcingConfig
) -> Costed:
    """Cost the shipments of an assignment; only the sites that received something count."""
    shipped_kg: dict[str, float] = {}
    for a in allocations:
        shipped_kg[a.location_id] = shipped_kg.get(a.location_id, 0.0) + a.quantity * weights[a.line_no]
    used = tuple(s for s in sites if s.id in shipped_kg)
    return Costed(
        sites=used,
        allocations=allocations,
        shipping=sum(s.zone.base + s.zone.per_kg * shipped_kg[s.id] for s in used),
        handling=sum(s.handling for s in used),
        split_penalty=config.split_penalty * (len(used) - 1),
        priority=sum(s.priority_cost for s in used),
    )


def entry(
    sites: Sequence[SiteView], *, outcome: str, reason: str, costed: Costed | None = None, constraint: str | None = None
) -> dict[str, Any]:
    """How a candidate appears in the routing Decision."""
    if len(sites) != 1:
        return {
            "locations": [s.id for s in sites],
            "outcome": outcome,
            "constraint": constraint,
            "reason": reason,
            "components": None if costed is None else costed.components(),
        }
    site = sites[0]
    location = site.site.location
    return {
        "locations": [location.id],
        "location_id": location.id,
        "kind": location.kind,
        "distance_km": None if site.distance_km is None else round(site.distance_km, 1),
        "transit_days": site.zone.transit_days,
        "outcome": outcome,
        "constraint": constraint,
        "reason": reason,
        "components": None if costed is None else costed.components(),
    }
