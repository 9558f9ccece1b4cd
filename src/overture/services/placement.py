"""Placing an order: validate, route and reserve, deciding and recording why at each step."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime

from overture.domain.commands import PlaceOrder
from overture.domain.decisions import Decision, DecisionKind
from overture.domain.exceptions import ExceptionType, OrderException, Severity, default_actions
from overture.domain.ids import new_id
from overture.domain.inventory import InsufficientStock
from overture.domain.money import Money
from overture.domain.orders import Order, OrderLine
from overture.domain.routing import LineDemand, LocationStock, route_nearest
from overture.domain.statuses import LineStatus, OrderStatus
from overture.services.errors import NotFound
from overture.services.ports import Clock, Geocoder, InventoryRepository, OrderRecord, UnitOfWork


def build_order(command: PlaceOrder, *, order_id: str, message_id: str, at: datetime) -> Order:
    lines = [
        OrderLine(n, line.sku, line.quantity, Money(line.unit_price, command.currency))
        for n, line in enumerate(command.lines, start=1)
    ]
    return Order(
        id=order_id,
        channel=command.channel,
        external_id=command.external_id,
        customer=command.customer,
        ship_to=command.ship_to,
        currency=command.currency,
        lines=lines,
        created_at=at,
        raw_message_id=message_id,
        charges=command.charges,
    )


def place_order(
    command: PlaceOrder,
    *,
    order_id: str,
    message_id: str,
    clock: Clock,
    inventory: InventoryRepository,
    geocoder: Geocoder,
) -> OrderRecord:
    """Build the order and take it as far as capture can: routed and reserved, or on hold.

    ``clock`` stamps each decision, status change and exception; it must be strictly
    increasing (see ``services.clock.Ticker``) so the timeline keeps their order.
    """
    order = build_order(command, order_id=order_id, message_id=message_id, at=clock())
    record = OrderRecord(order, references=command.references)
    _place(record, inventory, geocoder, clock)
    return record


def _place(
    record: OrderRecord,
    inventory: InventoryRepository,
    geocoder: Geocoder,
    clock: Clock,
    exclude_locations: Sequence[str] = (),
) -> None:
    availability = inventory.availability({line.sku for line in record.order.lines})
    if _validate(record, availability.known_skus, clock):
        stock = [s for s in availability.stock if s.location.id not in exclude_locations]
        _route_and_reserve(record, stock, inventory, geocoder, clock)


def _hold(
    record: OrderRecord, kind: ExceptionType, *, step: str, reason: str, details: Mapping[str, object], clock: Clock
) -> None:
    order = record.order
    order.transition(OrderStatus.ON_HOLD, f"{kind}: {reason}", clock())
    record.exceptions.append(
        OrderException(
            id=new_id("exc"),
            order_id=order.id,
            type=kind,
            step=step,
            reason=reason,
            severity=Severity.HIGH if kind is ExceptionType.INSUFFICIENT_STOCK else Severity.MEDIUM,
            allowed_actions=default_actions(kind),
            details=dict(details),
            created_at=clock(),
        )
    )


def _validate(record: OrderRecord, known_skus: set[str], clock: Clock) -> bool:
    order = record.order
    wanted = {line.sku for line in order.lines}
    unknown = sorted(wanted - known_skus)
    inputs = {"skus": sorted(wanted), "lines": len(order.lines)}
    if unknown:
        reason = f"unknown SKU{'s' if len(unknown) > 1 else ''}: {', '.join(unknown)}"
        record.decisions.append(Decision(DecisionKind.VALIDATION, "failed", reason, inputs, at=clock()))
        _hold(
            record,
            ExceptionType.UNKNOWN_SKU,
            step="validate",
            reason=reason,
            details={"unknown_skus": unknown},
            clock=clock,
        )
        return False
    reason = f"{len(order.lines)} line(s), every SKU known"
    record.decisions.append(Decision(DecisionKind.VALIDATION, "passed", reason, inputs, at=clock()))
    order.transition(OrderStatus.VALIDATED, reason, clock())
    return True


def replace_placement(
    uow: UnitOfWork, order_id: str, *, geocoder: Geocoder, clock: Clock, exclude_locations: Sequence[str] = ()
) -> OrderRecord:
    """Give back the order's reservations and place it again, avoiding ``exclude_locations``."""
    order = uow.fulfilment.load_order(order_id)
    if order is None:
        raise NotFound(f"no order {order_id!r}")
    uow.inventory.settle_reservations(order_id, shipped=False, at=clock(), reason="placed again")
    if order.status is not OrderStatus.ON_HOLD:
        order.transition(OrderStatus.ON_HOLD, "placing again", clock())
    order.set_line_status(LineStatus.PENDING)
    record = OrderRecord(order)
    _place(record, uow.inventory, geocoder, clock, exclude_locations)
    uow.fulfilment.append(record)
    return record


def _route_and_reserve(
    record: OrderRecord, stock: list[LocationStock], inventory: InventoryRepository, geocoder: Geocoder, clock: Clock
) -> None:
    order = record.order
    demand = [LineDemand(line.line_no, line.sku, line.quantity) for line in order.lines]
    try:
        plan = route_nearest(demand, geocoder.locate(order.ship_to), stock)
    except InsufficientStock as shortage:
        reason = f"not enough stock anywhere: {shortage}"
        details = {
            "shortages": [
                {"sku": s.sku, "requested": s.requested, "available": s.available} for s in shortage.shortages
            ]
        }
        record.decisions.append(
            Decision(DecisionKind.ROUTING, "no_stock", reason, {"demand": order.demand()}, at=clock())
        )
        _hold(record, ExceptionType.INSUFFICIENT_STOCK, step="reserve", reason=reason, details=details, clock=clock)
        return
    record.decisions.append(_stamped(plan.decision, clock()))
    at = clock()
    record.reservations = inventory.reserve(order.id, plan.allocations, at)
    units = sum(a.quantity for a in plan.allocations)
    where = ", ".join(plan.location_ids)
    reason = f"{units} unit(s) reserved at {where}"
    record.decisions.append(
        Decision(DecisionKind.RESERVATION, "reserved", reason, {"allocations": len(plan.allocations)}, at=at)
    )
    order.transition(OrderStatus.RESERVED, reason, clock())
    order.transition(OrderStatus.ROUTED, plan.decision.reason, clock())
    order.set_line_status(LineStatus.ALLOCATED)


def _stamped(decision: Decision, at: datetime) -> Decision:
    return Decision(decision.kind, decision.outcome, decision.reason, decision.inputs, decision.alternatives, at)
