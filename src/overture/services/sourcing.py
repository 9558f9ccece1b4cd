"""Sourcing use cases: route an order with its channel's strategy, and read or change the settings."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace
from datetime import datetime, time
from typing import Any

from overture.domain.decisions import Decision
from overture.domain.inventory import Location
from overture.domain.orders import Order
from overture.domain.routing import Allocation, GeoPoint, LocationStock, RoutingPlan
from overture.domain.sourcing import (
    NoFeasiblePlan,
    SourcingConfig,
    SourcingLine,
    SourcingRequest,
    SourcingSite,
    route,
)
from overture.domain.sourcing.explained import group_rejections, tie_break
from overture.services import changes
from overture.services.changes import SYSTEM
from overture.services.errors import NotFound
from overture.services.ports import Clock, SkuTraits, UnitOfWork, UnitOfWorkFactory
from overture.services.retry import in_transaction

_UNKNOWN = SkuTraits(0.0, False, False)
# The layout of a routing decision's ``stock_seen`` (see ``stock_seen``); a simulation reads this version.
STOCK_SEEN_VERSION = 1


def route_order(
    uow: UnitOfWork,
    order: Order,
    stock: Sequence[LocationStock],
    ship_to: GeoPoint | None,
    *,
    now: datetime,
    traits: Mapping[str, SkuTraits] | None = None,
) -> RoutingPlan:
    """Route ``order`` with the strategy configured for its channel; raises InsufficientStock (or
    its NoFeasiblePlan, carrying the explained decision) when the constraints leave too little stock.

    ``traits`` come with the availability read on the capture path; others read them here. The decision
    (either way) records the allocations and the stock seen, so ``services.simulation`` can re-run it."""
    config = uow.sourcing.config()
    if traits is None:
        traits = uow.sourcing.sku_traits({line.sku for line in order.lines})
    lines = [
        SourcingLine(line.line_no, line.sku, line.quantity, t.weight_kg, hazmat=t.hazmat, oversize=t.oversize)
        for line in order.lines
        for t in [traits.get(line.sku, _UNKNOWN)]
    ]
    request = SourcingRequest(lines, ship_to, _sites(uow, stock, now), now, config=config)
    try:
        plan = route(request, order.channel)
    except NoFeasiblePlan as unroutable:
        unroutable.decision = _recorded(unroutable.decision, request, ())
        raise
    return RoutingPlan(plan.allocations, _recorded(plan.decision, request, plan.allocations))


def _recorded(decision: Decision, request: SourcingRequest, allocations: Sequence[Allocation]) -> Decision:
    """The decision with what a later simulation needs to re-run it: the plan and the stock it was made against."""
    inputs = {
        **decision.inputs,
        "allocations": [[a.line_no, a.sku, a.location_id, a.quantity] for a in allocations],
        "stock_seen": stock_seen(request),
    }
    return replace(decision, inputs=inputs)


def stock_seen(request: SourcingRequest) -> dict[str, Any]:
    """The request as compact JSON, stored on every routing decision (so kept small): the lines with their
    SKU traits, the ship-to point, ``now``, the promise, and per active site only its non-zero stock of the
    demanded SKUs with its capacity left and cut-off. A site holding none of them is left out: it cannot
    ship any part of the order under any strategy. Location facts (coordinates, kind, priority,
    capabilities) are not copied: they are read from the store when the request is rebuilt."""
    skus = {line.sku for line in request.lines}
    sites: dict[str, dict[str, Any]] = {}
    for site in request.sites:
        available = {sku: n for sku, n in sorted(site.available.items()) if sku in skus and n > 0}
        if not site.location.active or not available:
            continue
        entry: dict[str, Any] = {"available": available}
        if site.capacity_left is not None:
            entry["capacity_left"] = site.capacity_left
        if site.cutoff_utc is not None:
            entry["cutoff_utc"] = site.cutoff_utc.isoformat()
        sites[site.location.id] = entry
    ship_to = request.ship_to
    return {
        "version": STOCK_SEEN_VERSION,
        "now": request.now.isoformat(),
        "promise_by": None if request.promise_by is None else request.promise_by.isoformat(),
        "ship_to": None if ship_to is None else [ship_to.latitude, ship_to.longitude],
        "lines": [[line.line_no, line.sku, line.quantity] for line in request.lines],
        "skus": {line.sku: [line.unit_weight_kg, line.hazmat, line.oversize] for line in request.lines},
        "sites": sites,
    }


def _sites(uow: UnitOfWork, stock: Sequence[LocationStock], now: datetime) -> list[SourcingSite]:
    left = capacity_left(uow, [s.location for s in stock], now)
    return [
        SourcingSite(s.location, s.available, capacity_left=left.get(s.location.id), cutoff_utc=s.location.cutoff_utc)
        for s in stock
    ]


def capacity_left(uow: UnitOfWork, locations: Iterable[Location], now: datetime) -> dict[str, int]:
    """Orders each location with a daily capacity can still take on today (``now``'s day): its capacity
    less the orders it took on since midnight (its reservations). Locations without a limit are left out.
    Routing, the backlog plan and applying that plan all count it here, so they agree."""
    capped = {loc.id: loc.daily_capacity for loc in locations if loc.daily_capacity is not None}
    if not capped:
        return {}
    midnight = datetime.combine(now.date(), time(0), tzinfo=now.tzinfo)
    taken = uow.sourcing.orders_shipping_since(list(capped), midnight)
    return {loc_id: limit - taken.get(loc_id, 0) for loc_id, limit in capped.items()}


def settings(uow_factory: UnitOfWorkFactory) -> SourcingConfig:
    with uow_factory(readonly=True) as uow:
        return uow.sourcing.config()


def save_settings(uow_factory: UnitOfWorkFactory, config: SourcingConfig, *, clock: Clock, actor: str = SYSTEM) -> None:
    def work(uow: UnitOfWork) -> None:
        at = clock()
        before = uow.sourcing.config().to_document()
        uow.sourcing.save_config(config, at)
        after = config.to_document()
        changes.record(uow, at, actor, "sourcing.saved", "sourcing", settings=after, before=before, after=after)

    in_transaction(uow_factory, work)


def routing_decisions(uow_factory: UnitOfWorkFactory, order_id: str) -> list[dict[str, Any]]:
    """The order's routing decisions explained (strategy, chosen plan, candidates, rejected); NotFound if no order."""
    with uow_factory(readonly=True) as uow:
        found = uow.sourcing.routing_decisions(order_id)
    if found is None:
        raise NotFound(f"no order {order_id!r}")
    return [_summarised(decision) for decision in found]


def _summarised(decision: dict[str, Any]) -> dict[str, Any]:
    """The decision with its ruled-out candidates grouped by constraint and the tie-break, if any, named."""
    entries = [*decision.get("candidates", []), *decision.get("rejected", [])]
    distances = {e["location_id"]: e.get("distance_km") for e in entries if e.get("location_id")}
    tie = tie_break(decision.get("strategy"), decision.get("candidates", []), distances)
    return {**decision, "groups": group_rejections(decision.get("rejected", [])), "tie": tie}
