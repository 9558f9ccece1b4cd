"""Sourcing use cases: route an order with its channel's strategy, and read or change the settings."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, time
from typing import Any

from overture.domain.orders import Order
from overture.domain.routing import GeoPoint, LocationStock, RoutingPlan
from overture.domain.sourcing import SourcingConfig, SourcingLine, SourcingRequest, SourcingSite, route
from overture.services.errors import NotFound
from overture.services.ports import Clock, SkuTraits, UnitOfWork, UnitOfWorkFactory
from overture.services.retry import in_transaction

_UNKNOWN = SkuTraits(0.0, False, False)


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

    ``traits`` come with the availability read on the capture path; others read them here."""
    config = uow.sourcing.config()
    if traits is None:
        traits = uow.sourcing.sku_traits({line.sku for line in order.lines})
    lines = [
        SourcingLine(line.line_no, line.sku, line.quantity, t.weight_kg, hazmat=t.hazmat, oversize=t.oversize)
        for line in order.lines
        for t in [traits.get(line.sku, _UNKNOWN)]
    ]
    request = SourcingRequest(lines, ship_to, _sites(uow, stock, now), now, config=config)
    return route(request, order.channel)


def _sites(uow: UnitOfWork, stock: Sequence[LocationStock], now: datetime) -> list[SourcingSite]:
    capped = [s.location.id for s in stock if s.location.daily_capacity is not None]
    midnight = datetime.combine(now.date(), time(0), tzinfo=now.tzinfo)
    taken = uow.sourcing.orders_shipping_since(capped, midnight) if capped else {}
    sites = []
    for s in stock:
        capacity = s.location.daily_capacity
        left = None if capacity is None else capacity - taken.get(s.location.id, 0)
        sites.append(SourcingSite(s.location, s.available, capacity_left=left, cutoff_utc=s.location.cutoff_utc))
    return sites


def settings(uow_factory: UnitOfWorkFactory) -> SourcingConfig:
    with uow_factory(readonly=True) as uow:
        return uow.sourcing.config()


def save_settings(uow_factory: UnitOfWorkFactory, config: SourcingConfig, *, clock: Clock) -> None:
    in_transaction(uow_factory, lambda uow: uow.sourcing.save_config(config, clock()))


def routing_decisions(uow_factory: UnitOfWorkFactory, order_id: str) -> list[dict[str, Any]]:
    """The order's routing decisions explained (strategy, chosen plan, candidates, rejected); NotFound if no order."""
    with uow_factory(readonly=True) as uow:
        found = uow.sourcing.routing_decisions(order_id)
    if found is None:
        raise NotFound(f"no order {order_id!r}")
    return found
