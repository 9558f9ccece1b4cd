"""Order and line lifecycles (design.md) and the transitions each allows."""

from __future__ import annotations

from enum import StrEnum


class OrderStatus(StrEnum):
    RECEIVED = "received"
    VALIDATED = "validated"
    RESERVED = "reserved"
    ROUTED = "routed"
    RELEASED = "released"
    SHIPPED = "shipped"
    INVOICED = "invoiced"
    COMPLETED = "completed"
    ON_HOLD = "on_hold"
    BACKORDERED = "backordered"
    CANCELLED = "cancelled"
    RETURN_REQUESTED = "return_requested"
    RETURN_RECEIVED = "return_received"
    REFUNDED = "refunded"
    EXCHANGED = "exchanged"


class LineStatus(StrEnum):
    PENDING = "pending"
    RESERVED = "reserved"
    ALLOCATED = "allocated"
    SHIPPED = "shipped"
    DELIVERED = "delivered"
    RETURNED = "returned"
    CANCELLED = "cancelled"
    BACKORDERED = "backordered"


S = OrderStatus
_FORWARD: dict[OrderStatus, frozenset[OrderStatus]] = {
    S.RECEIVED: frozenset({S.VALIDATED}),
    S.VALIDATED: frozenset({S.RESERVED, S.BACKORDERED}),
    S.RESERVED: frozenset({S.ROUTED}),
    S.ROUTED: frozenset({S.RELEASED}),
    S.RELEASED: frozenset({S.SHIPPED}),
    S.SHIPPED: frozenset({S.INVOICED, S.RETURN_REQUESTED}),
    S.INVOICED: frozenset({S.COMPLETED, S.RETURN_REQUESTED}),
    S.COMPLETED: frozenset({S.RETURN_REQUESTED}),
    S.BACKORDERED: frozenset({S.RESERVED}),
    S.RETURN_REQUESTED: frozenset({S.RETURN_RECEIVED}),
    S.RETURN_RECEIVED: frozenset({S.REFUNDED, S.EXCHANGED}),
}
TERMINAL: frozenset[OrderStatus] = frozenset({S.CANCELLED, S.REFUNDED, S.EXCHANGED})
# Before shipment an order may be held or cancelled from any step; a hold resumes
# at any step of the forward path, because the person resolving it decides where.
_PRE_SHIPMENT = frozenset({S.RECEIVED, S.VALIDATED, S.RESERVED, S.ROUTED, S.RELEASED, S.BACKORDERED})
_RESUMABLE = _PRE_SHIPMENT | {S.SHIPPED, S.INVOICED}


def allowed_transitions(current: OrderStatus) -> frozenset[OrderStatus]:
    if current in TERMINAL:
        return frozenset()
    if current is S.ON_HOLD:
        return _RESUMABLE | {S.CANCELLED}
    allowed = set(_FORWARD.get(current, frozenset()))
    if current in _RESUMABLE:
        allowed.add(S.ON_HOLD)
    if current in _PRE_SHIPMENT:
        allowed.add(S.CANCELLED)
    return frozenset(allowed)


def can_transition(current: OrderStatus, target: OrderStatus) -> bool:
    return target in allowed_transitions(current)


_FORWARD_PATH = (S.RECEIVED, S.VALIDATED, S.RESERVED, S.ROUTED, S.RELEASED, S.SHIPPED, S.INVOICED, S.COMPLETED)
_RANK = {status: rank for rank, status in enumerate(_FORWARD_PATH)}


def already_past(current: OrderStatus, target: OrderStatus) -> bool:
    """True when ``target`` is a forward step the order has already gone beyond.

    A durable workflow may run a step again after a crash (its record of having run was lost
    with the worker): moving the order "back" to that step must then be a no-op, not an error.
    """
    return current in _RANK and target in _RANK and _RANK[target] < _RANK[current]
