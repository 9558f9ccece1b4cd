"""Candidates (one location or a combination) and what each would cost.

A candidate is costed by assigning every line to its locations (whole where one location can take
it, split in the candidate's order otherwise) and pricing each resulting shipment from the rate
table: zone base + weight x per-kg rate, plus the location kind's handling, plus the priority
weight, plus the split penalty per shipment beyond the first.

A search costs several combinations per order but returns one: a combination's assignment is kept
as plain ``(line_no, sku, location_id, quantity)`` rows, made ``Allocation``s only for the winner.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from overture.domain.routing import Allocation
from overture.domain.sourcing.model import SourcingConfig, SourcingLine
from overture.domain.sourcing.rounding import round1, round4
from overture.domain.sourcing.sites import SiteView

Assigned = tuple[int, str, str, int]  # an Allocation's fields, in its order


class Costed:
    """A feasible candidate: the sites that ship, their assignment, and the cost components."""

    __slots__ = ("assigned", "handling", "ids", "priority", "shipping", "sites", "split_penalty", "total")

    def __init__(
        self,
        sites: tuple[SiteView, ...],
        ids: tuple[str, ...],
        assigned: tuple[Assigned, ...],
        shipping: float,
        handling: float,
        split_penalty: float,
        priority: float,
    ) -> None:
        self.sites = sites
        self.ids = ids
        self.assigned = assigned  # empty for a single location priced without assigning
        self.shipping = shipping
        self.handling = handling
        self.split_penalty = split_penalty
        self.priority = priority
        self.total = shipping + handling + split_penalty + priority  # ranked on many times: computed once

    @property
    def allocations(self) -> tuple[Allocation, ...]:
        return tuple([Allocation(*row) for row in self.assigned])

    @property
    def priority_sum(self) -> int:
        return sum(s.site.location.priority for s in self.sites)

    def components(self) -> dict[str, float]:
        return {
            "shipping": round4(self.shipping),
            "handling": round4(self.handling),
            "split_penalty": round4(self.split_penalty),
            "priority": round4(self.priority),
            "total": round4(self.total),
        }


def assign(lines: Sequence[SourcingLine], sites: Sequence[SiteView]) -> tuple[Allocation, ...] | None:
    """Give each line to the first site that can take it whole, else split it; None if they cannot cover it."""
    assigned = assign_rows(lines, sites)
    return None if assigned is None else tuple([Allocation(*row) for row in assigned])


def assign_rows(lines: Sequence[SourcingLine], sites: Sequence[SiteView]) -> tuple[Assigned, ...] | None:
    """``assign`` as plain rows: what the search costs for every combination it tries."""
    left = [dict(s.usable) for s in sites]
    assigned: list[Assigned] = []
    for line in lines:
        sku, need = line.sku, line.quantity
        sources: Sequence[int] = range(len(left))
        for i, stock in enumerate(left):  # the first site that can take the line whole takes all of it
            if stock.get(sku, 0) >= need:
                sources = (i,)
                break
        for i in sources:
            stock = left[i]
            take = min(need, stock.get(sku, 0))
            if take:
                stock[sku] -= take
                assigned.append((line.line_no, sku, sites[i].id, take))
                need -= take
            if not need:
                break
        if need:
            return None
    return tuple(assigned)


def price(
    sites: Sequence[SiteView], assigned: tuple[Assigned, ...], weights: dict[int, float], config: SourcingConfig
) -> Costed:
    """Cost the shipments of an assignment; only the sites that received something count."""
    shipped_kg: dict[str, float] = {}
    for line_no, _, location_id, quantity in assigned:
        shipped_kg[location_id] = shipped_kg.get(location_id, 0.0) + quantity * weights[line_no]
    used = tuple([s for s in sites if s.id in shipped_kg])
    return Costed(
        used,
        tuple([s.id for s in used]),
        assigned,
        sum([s.zone.base + s.zone.per_kg * shipped_kg[s.id] for s in used]),
        sum([s.handling for s in used]),
        config.split_penalty * (len(used) - 1),
        sum([s.priority_cost for s in used]),
    )


def entry(
    sites: Sequence[SiteView], *, outcome: str, reason: str, costed: Costed | None = None, constraint: str | None = None
) -> dict[str, Any]:
    """How a candidate appears in the routing Decision."""
    components = None if costed is None else costed.components()
    if len(sites) != 1:
        return combination_entry(sites, outcome, constraint, reason, components)
    return site_entry(sites[0], outcome, constraint, reason, components)


def combination_entry(
    sites: Sequence[SiteView], outcome: str, constraint: str | None, reason: str, components: dict[str, float] | None
) -> dict[str, Any]:
    return {
        "locations": [s.id for s in sites],
        "outcome": outcome,
        "constraint": constraint,
        "reason": reason,
        "components": components,
    }


def site_entry(
    site: SiteView, outcome: str, constraint: str | None, reason: str, components: dict[str, float] | None
) -> dict[str, Any]:
    """``entry`` for one location, positional: the decision holds one for every location of the network."""
    distance = site.distance_km
    return {
        "locations": [site.id],
        "location_id": site.id,
        "kind": site.kind,
        "distance_km": None if distance is None else round1(distance),
        "transit_days": site.zone.transit_days,
        "outcome": outcome,
        "constraint": constraint,
        "reason": reason,
        "components": components,
    }
