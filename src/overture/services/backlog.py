"""Reallocate the backlog: orders on hold for want of stock, planned together against the stock
available now and what each location can still take on today (its daily capacity less the orders
it took since midnight, as routing counts them), greedy (order by order, as capture would) and
CP-SAT side by side.

This use case plans only: it reserves nothing and moves no order. Placing the chosen orders
would go through ``fulfilment.retry_placement`` one by one, which routes each with today's
strategy rather than the plan's locations, so the plan's figures would not be what happens.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime

from overture.domain.backlog import Backlog, BacklogLine, BacklogOrder, BacklogPlan, StockLocation, greedy
from overture.domain.orders import Order
from overture.domain.routing import GeoPoint
from overture.domain.statuses import OrderStatus
from overture.services.backlog_solver import SolverSettings, optimise
from overture.services.ports import Clock, Geocoder, UnitOfWork, UnitOfWorkFactory
from overture.services.retry import read_only
from overture.services.sourcing import capacity_left

PriorityOf = Callable[[Order], int]


def customer_priority(order: Order) -> int:
    """The order's own priority (1 the lowest), as backorders are filled: age ranks within it."""
    return order.priority


@dataclass(frozen=True, slots=True)
class BacklogComparison:
    backlog: Backlog
    greedy: BacklogPlan
    optimised: BacklogPlan


def reallocate_backlog(
    uow_factory: UnitOfWorkFactory,
    held_order_ids: Iterable[str],
    *,
    geocoder: Geocoder,
    clock: Clock,
    time_limit_s: float = 10.0,
    num_workers: int = 2,
    priority_of: PriorityOf = customer_priority,
) -> BacklogComparison:
    """Plan the held orders against the stock available now, with both solvers.

    ``held_order_ids`` are the orders with an open ``insufficient_stock`` exception (the port
    has no such query; the caller reads them from the exception queue). Orders no longer on hold
    are skipped.
    """
    now = clock()
    backlog = read_only(
        uow_factory, lambda uow: load_backlog(uow, held_order_ids, geocoder=geocoder, now=now, priority_of=priority_of)
    )
    base = greedy(backlog)
    best = optimise(backlog, base, SolverSettings(time_limit_s=time_limit_s, num_workers=num_workers))
    return BacklogComparison(backlog, base, best)


def load_backlog(
    uow: UnitOfWork, order_ids: Iterable[str], *, geocoder: Geocoder, now: datetime, priority_of: PriorityOf
) -> Backlog:
    orders = []
    for order_id in dict.fromkeys(order_ids):
        order = uow.fulfilment.load_order(order_id)
        if order is not None and order.status is OrderStatus.ON_HOLD:
            orders.append(_backlog_order(order, geocoder, now, priority_of))
    skus = {line.sku for order in orders for line in order.lines}
    stock = uow.inventory.availability(skus).stock if skus else []
    left = capacity_left(uow, [s.location for s in stock], now)
    locations = tuple(
        StockLocation(
            s.location.id,
            GeoPoint(s.location.latitude, s.location.longitude),
            dict(s.available),
            capacity_left=left.get(s.location.id),
        )
        for s in stock
    )
    return Backlog(tuple(orders), locations)


def _backlog_order(order: Order, geocoder: Geocoder, now: datetime, priority_of: PriorityOf) -> BacklogOrder:
    lines = tuple(BacklogLine(line.line_no, line.sku, line.quantity) for line in order.lines)
    age_hours = max(0.0, (now - order.created_at).total_seconds() / 3600)
    return BacklogOrder(order.id, lines, geocoder.locate(order.ship_to), priority_of(order), age_hours)
