"""Hard constraints per location: what each site may ship for this request, and why not.

Capacity and the promise date rule a whole location out; a missing capability only removes the
lines it cannot carry (the site may still take the others in a split); stock is judged per
candidate, since a combination can cover what no single site can.

``view_sites`` (and ``survey``, its form for a search) runs for every location of every order (50
locations: most of a decision's cost), so its loop binds what it reads to locals, takes what no order
changes from a cache keyed on the ``Location`` object, and does each site's work once: the arithmetic
is the same as ``great_circle_km`` and ``SourcingConfig.zone``, in the same order, so results are identical.
"""

from __future__ import annotations

import math
from bisect import bisect_left
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache
from operator import attrgetter
from typing import Any

from overture.domain.inventory import Location
from overture.domain.routing import EARTH_RADIUS_KM, GeoPoint
from overture.domain.sourcing.model import Constraint, SourcingRequest, SourcingSite, Zone

_NO_CAPACITY = (Constraint.CAPACITY, "no shipping capacity left today")
_DIAMETER_KM = 2 * EARTH_RADIUS_KM  # the same product great_circle_km computes first


@dataclass(slots=True)  # not frozen: built for every location of every order, and never changed after
class SiteView:
    """One site priced and checked for this request.

    ``id`` and ``min_cost`` are stored rather than derived: routing reads both many times per site
    (sorting, pruning, explaining)."""

    site: SourcingSite
    id: str
    kind: str
    distance_km: float | None
    zone: Zone
    handling: float
    priority_cost: float
    min_cost: float  # what any shipment from here costs at least: a lower bound for pruning combinations
    usable: dict[str, int]  # what it may ship of each demanded SKU (capability-checked, capped at demand)
    missing: dict[str, int]  # demand it cannot fill alone
    uncarried: tuple[str, ...]  # SKUs it lacks a capability for
    ruled_out: tuple[Constraint, str] | None  # a constraint that excludes the whole site


def sku_demand(request: SourcingRequest) -> dict[str, int]:
    demand: dict[str, int] = {}
    for line in request.lines:
        demand[line.sku] = demand.get(line.sku, 0) + line.quantity
    return demand


def _needs_by_sku(request: SourcingRequest) -> dict[str, frozenset[str]]:
    """The capabilities each SKU's lines need, for the SKUs that need any (in the SKUs' first-line order)."""
    if not any(line.hazmat or line.oversize for line in request.lines):
        return {}
    needs: dict[str, frozenset[str]] = {}
    for line in request.lines:
        needs[line.sku] = needs.get(line.sku, frozenset()) | line.needs
    return {sku: need for sku, need in needs.items() if need}


def arrival_date(request: SourcingRequest, site: SourcingSite, zone: Zone) -> date:
    """The day a shipment from ``site`` arrives: it leaves today unless past the cut-off, then transits."""
    now = request.now
    leaves = now.date()
    if site.cutoff_utc is not None and now.timetz().replace(tzinfo=None) > site.cutoff_utc:
        leaves += timedelta(days=1)
    return leaves + timedelta(days=zone.transit_days)


def _ruled_out(request: SourcingRequest, site: SourcingSite, zone: Zone) -> tuple[Constraint, str] | None:
    capacity = site.capacity_left
    if capacity is not None and capacity <= 0:
        return _NO_CAPACITY
    if request.promise_by is not None:
        arrives = arrival_date(request, site, zone)
        if arrives > request.promise_by.date():
            return Constraint.PROMISE_DATE, (
                f"arrives {arrives.isoformat()} ({zone.transit_days} transit day(s)), "
                f"after the promised {request.promise_by.date().isoformat()}"
            )
    return None


# What routing needs of a location that no order changes: the location itself (to check the cache entry
# is for this very object), its id, kind, priority, capabilities, whether it is active, and its
# latitude's and longitude's radians with the latitude's cosine.
_Facts = tuple[Location, str, str, int, frozenset[str], bool, float, float, float]
# By ``id(location)``. Production builds new SourcingSite objects (with that order's stock) for every
# order, but around the same Location objects for as long as the store's location cache keeps them, so
# these are keyed on the location. An id can be reused once its object is gone, hence the ``is`` check
# on a hit; the entry holds its location, so an id cannot be reused while it is kept. Bounded: cleared
# whole when full (a network of 50 reloaded every few seconds fills it in about 20 minutes).
_FACTS: dict[int, _Facts] = {}
_FACTS_MAX = 4_096
_location_id = attrgetter("location.id")


def _facts(location: Location) -> _Facts:
    found = _FACTS.get(id(location))
    if found is not None and found[0] is location:
        return found
    if len(_FACTS) >= _FACTS_MAX:
        _FACTS.clear()
    phi, lam, cos_phi = _radians(location.latitude, location.longitude)
    facts = (location, location.id, location.kind, location.priority, location.capabilities, location.active,
             phi, lam, cos_phi)  # fmt: skip
    _FACTS[id(location)] = facts
    return facts


class _Handling(dict[str, float]):
    """A configuration's handling cost by location kind, each kind looked up in it once."""

    def __init__(self, by_kind: Mapping[str, float]) -> None:
        super().__init__()
        self._by_kind = by_kind

    def __missing__(self, kind: str) -> float:
        handling = self[kind] = self._by_kind.get(kind, 0.0)
        return handling


# A site short of part of the order: ``SiteView``'s fields, in its order.
ShortSite = tuple[
    SourcingSite,
    str,
    str,
    float | None,
    Zone,
    float,
    float,
    float,
    dict[str, int],
    dict[str, int],
    tuple[str, ...],
    None,
]
# A location's place in a decision's candidates: its entry, or its view while it waits to be ranked.
Slot = SiteView | dict[str, Any]


def view_sites(request: SourcingRequest, demand: dict[str, int]) -> list[SiteView]:
    """Every active site, checked and priced; ordered by location id so results are reproducible.

    A site a constraint rules out whole gets no stock figures (``usable``, ``missing`` and
    ``uncarried`` stay empty): it is only ever explained by that constraint."""
    return _survey(request, demand, None, None)


def survey(request: SourcingRequest, demand: dict[str, int]) -> tuple[list[SiteView], list[ShortSite], list[Slot]]:
    """``view_sites`` for a search, in the same pass, split three ways: the views of the sites that could
    ship the whole order alone; the sites no constraint rules out whole but short of some of it, as
    ``SiteView`` fields (``SiteView(*short)``: most never join a combination, so most never need a view);
    and the decision's entry for every location in id order. A rejected location's entry is written
    here; a location that can ship the whole order alone stands as its view, to be explained once ranked."""
    slots: list[Slot] = []
    short: list[ShortSite] = []
    return _survey(request, demand, slots, short), short, slots


def _survey(
    request: SourcingRequest, demand: dict[str, int], slots: list[Slot] | None, short: list[ShortSite] | None
) -> list[SiteView]:
    """The loop behind ``view_sites`` (``slots`` and ``short`` None) and ``survey`` (which leaves out the
    ruled-out sites, and keeps the short ones in ``short``).

    It runs for every location of every order, so it is written out: each location's constant facts
    come from ``_FACTS``, and a rejected location's entry (``candidates.site_entry``'s dict, with
    ``round1`` inlined) is built here rather than through calls."""
    config, ship_to = request.config, request.ship_to
    rate_table = config.rate_table
    # Ascending, and only the last zone is open-ended (both checked by SourcingConfig).
    bounds = [zone.max_km for zone in rate_table[:-1] if zone.max_km is not None]
    far = rate_table[-1]
    handling_by_kind, weight = config.handling_by_kind, config.priority_weight
    handling_of = _Handling(handling_by_kind)  # by kind, looked up once per order rather than per site
    needs = _needs_by_sku(request)  # most orders need no capability: then none is checked
    demand_items = tuple(demand.items())
    may_promise = request.promise_by is not None
    sin, asin, sqrt = math.sin, math.asin, math.sqrt
    to_phi = to_lam = to_cos = 0.0
    if ship_to is not None:
        to_phi, to_lam, to_cos = _radians(ship_to.latitude, ship_to.longitude)
    known, remember = _FACTS.get, _facts
    stock, capability = Constraint.STOCK, Constraint.CAPABILITY  # an enum member read is slow: read once
    views: list[SiteView] = []
    append = views.append
    for site in sorted(request.sites, key=_location_id):
        location = site.location
        facts = known(id(location))
        if facts is None or facts[0] is not location:
            facts = remember(location)
        _, location_id, kind, priority, capabilities, active, phi, lam, cos_phi = facts
        if not active:
            continue
        distance: float | None = None
        zone = far  # unknown ship-to: priced as the farthest zone
        if ship_to is not None:
            root = sqrt(sin((phi - to_phi) / 2) ** 2 + to_cos * cos_phi * sin((lam - to_lam) / 2) ** 2)
            distance = _DIAMETER_KM * asin(root if root < 1.0 else 1.0)
            zone = rate_table[bisect_left(bounds, distance)]  # the first zone whose max_km >= distance
        capacity = site.capacity_left
        if capacity is not None and capacity <= 0:
            ruled_out: tuple[Constraint, str] | None = _NO_CAPACITY
        else:
            ruled_out = _ruled_out(request, site, zone) if may_promise else None
        if ruled_out is None or slots is None:  # a ruled-out site's explanation needs none of its costs
            handling = handling_of[kind]
            priority_cost = weight * priority
            min_cost = zone.base + handling + priority_cost
        if ruled_out is None:
            uncarried = tuple([sku for sku, need in needs.items() if not need <= capabilities]) if needs else ()
            usable: dict[str, int] = {}
            missing: dict[str, int] = {}
            get = site.available.get
            for sku, wanted in demand_items:  # its stock, capped at the demand; none of what it cannot carry
                have = get(sku, 0) if not uncarried or sku not in uncarried else 0
                if have < wanted:
                    usable[sku] = have
                    missing[sku] = wanted - have
                else:
                    usable[sku] = wanted
            if slots is None or short is None:
                append(SiteView(site, location_id, kind, distance, zone, handling, priority_cost, min_cost,
                                usable, missing, uncarried, None))  # fmt: skip
                continue
            if missing:
                short.append((site, location_id, kind, distance, zone, handling, priority_cost, min_cost,
                              usable, missing, uncarried, None))  # fmt: skip
            else:
                view = SiteView(site, location_id, kind, distance, zone, handling, priority_cost, min_cost,
                                usable, missing, uncarried, None)  # fmt: skip
                append(view)
            if uncarried:
                constraint, reason = capability, f"cannot carry {', '.join(uncarried)} (missing capability)"
            elif len(missing) == 1:  # the usual rejection, without building a list to join
                ((sku, short_by),) = missing.items()
                constraint, reason = stock, f"short {sku} by {short_by}"
            elif missing:
                constraint, reason = stock, "short " + ", ".join([f"{s} by {q}" for s, q in missing.items()])
            else:
                slots.append(view)  # it can ship the order alone: explained once ranked
                continue
        elif slots is None:
            append(SiteView(site, location_id, kind, distance, zone, handling, priority_cost, min_cost,
                            {}, {}, (), ruled_out))  # fmt: skip
            continue
        else:
            constraint, reason = ruled_out
        rounded = None
        if distance is not None:  # round1(distance), inlined: a distance is finite and under 20,016 km
            tenths = distance * 10.0
            whole = round(tenths)
            rounded = whole / 10 if whole and -0.4999 < tenths - whole < 0.4999 else round(distance, 1)
        slots.append(
            {
                "locations": [location_id],
                "location_id": location_id,
                "kind": kind,
                "distance_km": rounded,
                "transit_days": zone.transit_days,
                "outcome": "rejected",
                "constraint": constraint,
                "reason": reason,
                "components": None,
            }
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
