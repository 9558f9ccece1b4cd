"""Inputs, outputs and state of the sub-order workflow (one dataclass per call; see order/shared.py for
why annotations are real here)."""

from dataclasses import dataclass, field

from overture.workflows.order.shared import StepPolicy


@dataclass(frozen=True)
class SellerOrderInput:
    sub_order_id: str
    order_id: str
    policy: StepPolicy = field(default_factory=StepPolicy)


@dataclass(frozen=True)
class SubOrderState:
    sub_order_id: str
    order_id: str
    seller_id: str
    status: str
    alert_at: str  # ISO 8601, UTC
    accept_by: str
    alerted: bool
    ship_by: str = ""  # "" until every line is answered
    late_exception_id: str = ""  # the open late-shipment exception, if one was raised
    rerouted_to: list[str] = field(default_factory=list)  # sub-orders opened for lines this one refused


@dataclass(frozen=True)
class SellerOrderOutcome:
    sub_order_id: str
    status: str
    rerouted_to: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class LateArgs:
    sub_order_id: str
    exception_id: str
