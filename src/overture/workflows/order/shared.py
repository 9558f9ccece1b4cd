"""Inputs, outputs and messages of the order workflow. One dataclass per call, so fields can be
added later without breaking running workflows. They carry ids, not the order: activities read what
they send from the store, which keeps histories small and cheap to replay."""

# No ``from __future__ import annotations`` here: Temporal's JSON converter calls get_type_hints on a
# dataclass every time it decodes one, and string annotations are evaluated anew on each call
# (about 25 us per dataclass, a dozen decodes an order); real annotations are read as they are.

from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from temporalio.common import RetryPolicy

# What the outside world sends the workflow (services/ports/order_workflow.py), re-exported for it.
from overture.services.ports.order_workflow import (
    CancelOutcome,
    CancelRequest,
    EditOutcome,
    EditRequest,
    LineChange,
    PlannedUnits,
    Resolution,
    ShipmentPing,
)

__all__ = [
    "CancelOutcome",
    "CancelRequest",
    "EditOutcome",
    "EditRequest",
    "LineChange",
    "PlannedUnits",
    "Resolution",
    "ShipmentPing",
]

TASK_QUEUE = "overture-orders"


@dataclass(frozen=True)
class StepPolicy:
    """Retry and timing settings, fixed in the workflow input so a replay sees the same ones."""

    max_attempts: int = 6
    initial_interval_s: float = 1.0
    max_interval_s: float = 30.0
    backoff: float = 2.0
    call_timeout_s: float = 30.0
    # How often a waiting order looks at the store itself, in case a shipment signal was lost.
    recheck_interval_s: float = 300.0
    # How long before a payment authorisation lapses an order not yet shipped raises an exception.
    authorisation_margin_s: float = 86_400.0

    def outside_call(self) -> dict[str, Any]:
        """Timeout and retry policy for a call to an outside system (keyword arguments of execute_activity)."""
        return {
            "start_to_close_timeout": timedelta(seconds=self.call_timeout_s),
            "retry_policy": RetryPolicy(
                initial_interval=timedelta(seconds=self.initial_interval_s),
                backoff_coefficient=self.backoff,
                maximum_interval=timedelta(seconds=self.max_interval_s),
                maximum_attempts=self.max_attempts,
                non_retryable_error_types=["PermanentConnectorError"],
            ),
        }


@dataclass(frozen=True)
class OrderWorkflowInput:
    order_id: str
    policy: StepPolicy = field(default_factory=StepPolicy)


@dataclass(frozen=True)
class OrderOutcome:
    order_id: str
    status: str


@dataclass(frozen=True)
class AmendArgs:
    order_id: str
    actor: str
    reason: str
    exception_type: str
    lines: list[LineChange] = field(default_factory=list)
    location_id: str = ""
    exclude_locations: list[str] = field(default_factory=list)
    key: str = ""  # the exception the amendment resolves: makes a retried activity a no-op
    allocations: list[PlannedUnits] = field(default_factory=list)
    plan: str = ""


@dataclass(frozen=True)
class ExceptionPing:
    """Sent after something outside the workflow (a supplier's 855) opened an exception on the order."""

    exception_id: str


@dataclass(frozen=True)
class StockPing:
    """Sent after a receipt's transaction reserved the last backordered units of the order."""

    order_id: str


@dataclass(frozen=True)
class StatusArgs:
    order_id: str
    status: str
    note: str


@dataclass(frozen=True)
class NoteArgs:
    order_id: str
    text: str
    decision: dict[str, Any] | None = None


@dataclass(frozen=True)
class ExceptionArgs:
    exception_id: str
    order_id: str
    type: str
    step: str
    reason: str
    hold: bool
    details: dict[str, Any] = field(default_factory=dict)
    allowed_actions: list[str] = field(default_factory=list)  # empty: the type's defaults


@dataclass(frozen=True)
class ResolveArgs:
    exception_id: str
    action: str
    actor: str
    note: str


@dataclass(frozen=True)
class PlacementArgs:
    order_id: str
    exclude_locations: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class ReferenceArgs:
    order_id: str
    system: str
    kind: str
    value: str


@dataclass(frozen=True)
class ReleaseArgs:
    order_id: str
    location_id: str
    generation: int


@dataclass(frozen=True)
class LocationArgs:
    order_id: str
    location_id: str
    generation: int


@dataclass(frozen=True)
class InvoiceArgs:
    order_id: str
    sales_order_id: str


@dataclass(frozen=True)
class NotifyArgs:
    order_id: str
    email: str
    event: str
    message: str


@dataclass(frozen=True)
class PaymentHold:
    """What the payment provider holds for an order: its authorisation and when it lapses (ISO 8601, "": never
    or no authorisation)."""

    intent_id: str = ""
    capture_before: str = ""


@dataclass(frozen=True)
class ReauthoriseArgs:
    order_id: str
    intent_id: str  # the authorisation to void and replace
