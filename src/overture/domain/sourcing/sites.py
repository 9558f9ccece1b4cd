"""Hard constraints per location: what each site may ship for this request, and why not.

Capacity and the promise date rule a whole location out; a missing capability only removes the
lines it cannot carry (the site may still take the others in a split); stock is judged per
candidate, since a combination can cover what no single site can.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache

from overture.domain.routing import EARTH_RADIUS_KM, GeoPoint
from overture.domain.sourcing.model import Constraint, SourcingRequest, SourcingSite, Zone


@dataclass(slots=True)  # not frozen: built for every location of every order, and never changed after
class SiteView:
    """One site priced and checked for this request."""

    site: SourcingSite
    distance_km: float | None
    zone: Zone
    handling: float
    priority_cost: float
    usable: dict[str, int]  # what it may ship of each demanded SKU (capability-checked, capped at demand)
    missing: dict[str, int]  # demand it cannot fill alone
    uncarried: tuple[str, ...]  # SKUs it lacks a capability for
    ruled_out: tuple[Constraint, str] | None  # a constraint that excludes the whole site

    @property
    def id(self) -> str:
        return self.site.location.id

    @property
    def min_cost(self) -> float:
        """What any shipment from here costs at least: a lower bound for pruning combinations."""
        return self.zone.base + self.handling + self.priority_cost


def sku_demand(request: SourcingRequest) -> dict[str, int]:
    demand: dict[str, int] = {}
    for line in request.lines:
        demand[line.sku] = demand.get(line.sku, 0) + line.quantity
    return demand


def _needs_by_sku(request: SourcingRequest) -> dict[str, frozenset[str]]:
    needs: dict[str, frozenset[str]] = {}
    for line in request.lines:
        needs[line.sku] = needs.get(line.sku, frozenset()) | line.needs
    return needs


def arrival_date(request: SourcingRequest, site: SourcingSite, zone: Zone) -> date:
    """The day a shipment from ``site`` arrives: it leaves today unless past the cut-off, then transits."""
    now = request.now
    leaves = now.date()
    if site.cutoff_utc is not None and now.timetz().replace(tzinfo=None) > site.cutoff_utc:
        leaves += timedelta(days=1)
    return leaves + timedelta(days=zone.transit_days)


def _ruled_out(request: SourcingRequest, site: SourcingSite, zone: Zone) -> tuple[Constraint, str] | None:
    if site.capacity_left is not None and site.capacity_left <= 0:
        return Constraint.CAPACITY, "no shipping capacity left today"
    if request.promise_by is not None:
        arrives = arrival_date(request, site, zone)
        if arrives > request.promise_by.date():
            return Constraint.PROMISE_DATE, (
                f"arrives {arrives.isoformat()} ({zone.transit_days} transit day(s)), "
                f"after the promised {request.promise_by.date().isoformat()}"
            )
    return None


def _may_rule_out(request: SourcingRequest, site: SourcingSite) -> bool:
    return site.capacity_left is not None or request.promise_by is not None


def view_sites(request: SourcingRequest, demand: dict[str, int]) -> list[SiteView]:
    """Every active site, checked and priced; ordered by location id so results are reproducible."""
    config, ship_to = request.config, request.ship_to
    # Most orders need no capability: then no location's capabilities need checking.
    needs = {sku: need for sku, need in _needs_by_sku(request).items() if need}
    views = []
    for site in sorted(request.sites, key=lambda s: s.location.id):
        location = site.location
        if not location.active:
            continue
        distance = distance_km(ship_to, location.latitude, location.longitude)
        zone = config.zone(distance)
        uncarried = tuple(sku for sku, need in needs.items() if not need <= location.capabilities) if needs else ()
        available = site.available
        usable = {sku: 0 if sku in uncarried else min(q, available.get(sku, 0)) for sku, q in demand.items()}
        missing = {sku: q - usable[sku] for sku, q in demand.items() if usable[sku] < q}
        views.append(
            SiteView(
                site=site,
                distance_km=distance,
                zone=zone,
                handling=config.handling_by_kind.get(location.kind, 0.0),
                priority_cost=config.priority_weight * location.priority,
                usable=usable,
                missing=missing,
                uncarried=uncarried,
                ruled_out=_ruled_out(request, site, zone) if _may_rule_out(request, site) else None,
            )
        )
    return views


def distance_km(ship_to: GeoPoint | None, latitude: float, longitude: float) -> float | None:
    """Great-circle kilometres from the ship-to point; None when it could not be located."""
    if ship_to is None:
        return None
    # The haversine of great_circle_km, with each location's trigonometry computed once per process:
    # routing runs it for every location of every order.
    to_phi, to_lam, to_cos = _radians(ship_to.latitude, ship_to.longitude)
    phi, lam, cos_phi = _radians(latitude, longitude)
    h = math.sin((phi - to_phi) / 2) ** 2 + to_cos * cos_phi * math.sin((lam - to_lam) / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(h)))


@lru_cache(maxsize=65_536)
def _radians(latitude: float, longitude: float) -> tuple[float, float, float]:
    phi = math.radians(latitude)
    return phi, math.radians(longitude), math.cos(phi)
