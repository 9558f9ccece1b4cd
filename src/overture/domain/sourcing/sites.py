"""Hard constraints per location: what each site may ship for this request, and why not.

Capacity and the promise date rule a whole location out; a missing capability only removes the
lines it cannot carry (the site may still take the others in a split); stock is judged per
candidate, since a combination can cover what no single site can.

``survey`` (what a search starts from) runs for every location of every order (50 locations: most of a
decision's cost), so its loop binds what it reads to locals, takes what no order changes from a cache keyed
on the ``Location`` object, does each site's work once and puts off what most sites never need (a short
site's stock figures): the arithmetic is the same as ``great_circle_km`` and ``SourcingConfig.zone``, in
the same order, so results are identical. ``view_sites`` is the same work written plainly, a view of every
site, for the strategies and the evaluation that want them all.
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
from overture.domain.sourcing.rounding import ROUNDER

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


def no_capacity_reason(location: Location, left: int | None) -> str:
    """Why a location out of today's capacity is ruled out: the location, its daily limit and what it took,
    so that a hold reads as what it is (capacity) rather than as a shortage of stock it holds."""
    limit = location.daily_capacity
    if limit is None or left is None:  # capacity given without the location's limit (a what-if run)
        return f"location {location.id} has no shipping capacity left today ({left} left)"
    return f"location {location.id} has no shipping capacity left today (daily capacity {limit}, {limit - left} taken)"


def _ruled_out(request: SourcingRequest, site: SourcingSite, zone: Zone) -> tuple[Constraint, str] | None:
    capacity = site.capacity_left
    if capacity is not None and capacity <= 0:
        return Constraint.CAPACITY, no_capacity_reason(site.location, capacity)
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
# latitude's and longitude's radians with the latitude's cosine, and its entry in a decision when rejected
# for stock and for capacity.
_Facts = tuple[Location, str, str, int, frozenset[str], bool, float, float, float, dict[str, Any], dict[str, Any]]
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
    # Its entry in a decision when short of stock, less what changes from order to order; and when out of
    # capacity, less the reason (what it took changes with every order). ``survey`` hands out copies: these
    # are never handed out.
    short_of_stock = {
        "locations": None,
        "location_id": location.id,
        "kind": location.kind,
        "distance_km": None,
        "transit_days": None,
        "outcome": "rejected",
        "constraint": Constraint.STOCK,
        "reason": None,
        "components": None,
    }  # candidates.site_entry's keys, in its order
    no_capacity = {**short_of_stock, "constraint": Constraint.CAPACITY}
    facts = (location, location.id, location.kind, location.priority, location.capabilities, location.active,
             phi, lam, cos_phi, short_of_stock, no_capacity)  # fmt: skip
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


# A site no constraint rules out whole but short of part of the order: its cheapest shipment and id (what
# the split pool ranks by) and ``SiteView``'s other fields but its stock figures, which ``short_view`` works
# out if it is ever needed as a view (most short sites never join a combination).
ShortSite = tuple[float, str, SourcingSite, str, float | None, Zone, float, float, tuple[str, ...]]
# A location's place in a decision's candidates: its entry, or its view while it waits to be ranked.
Slot = SiteView | dict[str, Any]
# A site that ships the whole order, keyed for the split pool as a ShortSite is: cheapest shipment, id.
Pooled = tuple[float, str, SiteView]


class _Pricing:
    """What a request prices every site with, worked out once per order."""

    __slots__ = ("bounds", "far", "handling_of", "rate_table", "to_cos", "to_lam", "to_phi", "weight")

    def __init__(self, request: SourcingRequest) -> None:
        config, ship_to = request.config, request.ship_to
        self.rate_table = config.rate_table
        # Ascending, and only the last zone is open-ended (both checked by SourcingConfig).
        self.bounds = [zone.max_km for zone in self.rate_table[:-1] if zone.max_km is not None]
        self.far = self.rate_table[-1]  # an unknown ship-to is priced as the farthest zone
        self.handling_of = _Handling(config.handling_by_kind)  # by kind, looked up once per order, not per site
        self.weight = config.priority_weight
        self.to_phi = self.to_lam = self.to_cos = 0.0
        if ship_to is not None:
            self.to_phi, self.to_lam, self.to_cos = _radians(ship_to.latitude, ship_to.longitude)


def view_sites(request: SourcingRequest, demand: dict[str, int]) -> list[SiteView]:
    """Every active site, checked and priced; ordered by location id so results are reproducible.

    A site a constraint rules out whole gets no stock figures (``usable``, ``missing`` and
    ``uncarried`` stay empty): it is only ever explained by that constraint. (``survey`` is the same
    work for a search, written out for speed; the two must agree on every figure.)"""
    pricing = _Pricing(request)
    located = request.ship_to is not None
    needs = _needs_by_sku(request)
    views: list[SiteView] = []
    for site in sorted(request.sites, key=_location_id):
        _, location_id, kind, priority, capabilities, active, phi, lam, cos_phi, _, _ = _facts(site.location)
        if not active:
            continue
        distance = _distance(pricing, phi, lam, cos_phi) if located else None
        zone = pricing.far if distance is None else pricing.rate_table[bisect_left(pricing.bounds, distance)]
        handling = pricing.handling_of[kind]
        priority_cost = pricing.weight * priority
        min_cost = zone.base + handling + priority_cost
        ruled_out = _ruled_out(request, site, zone)
        if ruled_out is not None:
            views.append(SiteView(site, location_id, kind, distance, zone, handling, priority_cost, min_cost,
                                  {}, {}, (), ruled_out))  # fmt: skip
            continue
        uncarried = tuple([sku for sku, need in needs.items() if not need <= capabilities])
        short: ShortSite = (min_cost, location_id, site, kind, distance, zone, handling, priority_cost, uncarried)
        views.append(short_view(short, demand))
    return views


def _distance(pricing: _Pricing, phi: float, lam: float, cos_phi: float) -> float:
    """``great_circle_km``'s arithmetic, in its order (``x / 2`` and ``x * 0.5`` are the same double)."""
    root = math.sqrt(
        math.sin((phi - pricing.to_phi) * 0.5) ** 2
        + pricing.to_cos * cos_phi * math.sin((lam - pricing.to_lam) * 0.5) ** 2
    )
    return _DIAMETER_KM * math.asin(root if root < 1.0 else 1.0)


def short_view(short: ShortSite, demand: dict[str, int]) -> SiteView:
    """A site no constraint rules out whole as a view, with its stock figures: what it may ship of each
    demanded SKU (its stock capped at the demand; none of what it cannot carry), and what it cannot fill."""
    min_cost, location_id, site, kind, distance, zone, handling, priority_cost, uncarried = short
    stock = carried(site.available, uncarried)
    usable = demand.copy()  # then lowered where it is short: cheaper than built key by key
    missing: dict[str, int] = {}
    for sku, wanted in demand.items():
        have = stock.get(sku, 0)
        if have < wanted:
            usable[sku] = have
            missing[sku] = wanted - have
    return SiteView(site, location_id, kind, distance, zone, handling, priority_cost, min_cost,
                    usable, missing, uncarried, None)  # fmt: skip


def carried(available: Mapping[str, int], uncarried: tuple[str, ...]) -> Mapping[str, int]:
    """A site's stock read as none of the SKUs it cannot carry."""
    return {**available, **dict.fromkeys(uncarried, 0)} if uncarried else available


@dataclass(slots=True)
class Survey:
    """``survey``'s findings, in location id order.

    - ``whole``: the views of the sites that can ship the whole order alone; each stands in ``slots`` at
      the index ``placed`` gives until it is ranked and explained (-1: its entry is written already).
    - ``short``: the sites no constraint rules out whole but short of some of the order (``short_view``
      makes one a view: most never join a combination, so most never need one).
    - ``slots``: the decision's entry of every location (a rejected one's is written here).
    - ``pool_whole``: the whole sites that may join a combination (all, unless the order asks for nothing),
      keyed as the short sites are, by cheapest shipment and id.
    - ``nonnegative``: no line's quantity and no eligible site's stock is negative. Then a site that ships
      the order alone means no shortage, and a set of sites covers the order exactly when it holds enough of
      each SKU between them."""

    whole: list[SiteView]
    placed: list[int]
    short: list[ShortSite]
    slots: list[Slot]
    pool_whole: list[Pooled]
    nonnegative: bool


def survey(request: SourcingRequest, demand: dict[str, int]) -> Survey:
    """``view_sites`` for a search, in one pass that also writes every rejected location's entry.

    It runs for every location of every order (most of a decision's cost), so it is written out: each
    location's constant facts come from ``_FACTS``, what the order prices every site with is bound to
    locals, a rejected location's entry (``candidates.site_entry``'s dict, with ``round1`` inlined) is
    built here rather than through calls, and the ruled-out sites are neither costed nor checked for
    stock. The arithmetic is ``view_sites``'s, in the same order, so every figure is identical."""
    pricing = _Pricing(request)
    rate_table, bounds, far, handling_of = pricing.rate_table, pricing.bounds, pricing.far, pricing.handling_of
    weight, to_phi, to_lam, to_cos = pricing.weight, pricing.to_phi, pricing.to_lam, pricing.to_cos
    located = request.ship_to is not None
    needs = _needs_by_sku(request)  # most orders need no capability: then none is checked
    # Each SKU with its demand, and how a site that lacks it outright is short ("SKU by n"): most short
    # sites lack a SKU outright, and a figure formatted once per order rather than per site saves much.
    demand_rows = tuple([(sku, wanted, f"{sku} by {wanted}") for sku, wanted in demand.items()])
    # Whether a whole site can join a combination (any(view.usable.values()): its usable is the demand).
    whole_pools = any(demand.values())
    negative = any(line.quantity < 0 for line in request.lines)
    may_promise = request.promise_by is not None
    sin, asin, sqrt, power, diameter = math.sin, math.asin, math.sqrt, math.pow, _DIAMETER_KM
    known, remember = _FACTS.get, _facts
    # An enum member read is slow: read once.
    capability = Constraint.CAPABILITY
    whole: list[SiteView] = []
    placed: list[int] = []
    short: list[ShortSite] = []
    slots: list[Slot] = []
    pool_whole: list[Pooled] = []
    distance: float | None = None
    zone, rounded = far, None  # as an unknown ship-to leaves them
    for site in sorted(request.sites, key=_location_id):
        location = site.location
        facts = known(id(location))
        if facts is None or facts[0] is not location:
            facts = remember(location)
        _, location_id, kind, priority, capabilities, active, phi, lam, cos_phi, short_of_stock, no_capacity = facts
        if not active:
            continue
        if located:
            # math.pow(x, 2.0) is x ** 2 (the same libm call) with less dispatch; x * x can differ by an ulp.
            root = sqrt(
                power(sin((phi - to_phi) * 0.5), 2.0) + to_cos * cos_phi * power(sin((lam - to_lam) * 0.5), 2.0)
            )
            distance = diameter * asin(root if root < 1.0 else 1.0)
            zone = rate_table[bisect_left(bounds, distance)]  # the first zone whose max_km >= distance
            # round1(distance) inlined, in floats: a distance is finite, not negative and under 20,016 km, so
            # adding and taking away 1.5 * 2**52 rounds ``tenths`` to its nearest integer (ties to even), which
            # is round(tenths); divided by 10.0 it is the double int / int division gives. Near a tie, round().
            tenths = distance * 10.0
            whole_tenths = tenths + ROUNDER - ROUNDER
            if whole_tenths and -0.4999 < tenths - whole_tenths < 0.4999:
                rounded = whole_tenths / 10.0
            else:
                rounded = round(distance, 1)
        capacity = site.capacity_left
        # Its entry if rejected, copied from the location's (a copy of a dict is cheaper to make than one
        # built key by key); what every rejection writes is written after.
        if capacity is not None and capacity <= 0:
            entry = no_capacity.copy()
            entry["reason"] = no_capacity_reason(location, capacity)
        elif may_promise and (ruled_out := _ruled_out(request, site, zone)) is not None:
            entry = short_of_stock.copy()
            entry["constraint"], entry["reason"] = ruled_out
        else:
            handling = handling_of[kind]
            priority_cost = weight * priority
            min_cost = zone.base + handling + priority_cost
            available = site.available
            uncarried: tuple[str, ...] = ()
            if needs:
                uncarried = tuple([sku for sku, need in needs.items() if not need <= capabilities])
                available = carried(available, uncarried)
            reason = ""  # "short ..." if it is short of any SKU (its stock figures wait for short_view)
            for sku, wanted, part in demand_rows:
                have = available.get(sku, 0)
                if have < wanted:
                    if have:  # else it lacks the SKU outright: ``part`` says so already
                        part = f"{sku} by {wanted - have}"
                        if have < 0:
                            negative = True
                    reason = f"{reason}, {part}" if reason else f"short {part}"
            if reason:
                short.append((min_cost, location_id, site, kind, distance, zone, handling, priority_cost, uncarried))
                entry = short_of_stock.copy()
                if uncarried:
                    entry["constraint"] = capability
                    reason = f"cannot carry {', '.join(uncarried)} (missing capability)"
                entry["reason"] = reason
            else:  # it can ship the order alone: it may ship all the demand, and misses nothing
                view = SiteView(site, location_id, kind, distance, zone, handling, priority_cost, min_cost,
                                demand.copy(), {}, uncarried, None)  # fmt: skip
                whole.append(view)
                if whole_pools:
                    pool_whole.append((min_cost, location_id, view))
                if not uncarried:  # explained once ranked
                    placed.append(len(slots))
                    slots.append(view)
                    continue
                # It lacks a capability yet fills every line (those needing it ask for nothing): ranked, but
                # explained by the capability it lacks.
                placed.append(-1)
                entry = short_of_stock.copy()
                entry["constraint"] = capability
                entry["reason"] = f"cannot carry {', '.join(uncarried)} (missing capability)"
        entry["locations"] = [location_id]
        entry["distance_km"] = rounded
        entry["transit_days"] = zone.transit_days
        slots.append(entry)
    return Survey(whole, placed, short, slots, pool_whole, not negative)


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
