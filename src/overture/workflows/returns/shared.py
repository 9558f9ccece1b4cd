"""Inputs and outputs of the return workflow, one dataclass per call (fields can be added later)."""

# No ``from __future__ import annotations``: Temporal's converter reads these annotations (see order/shared.py).

from dataclasses import dataclass, field

from overture.workflows.order.shared import StepPolicy

RETURN_WORKFLOW_PREFIX = "return-"


@dataclass(frozen=True)
class ReturnWorkflowInput:
    return_id: str
    policy: StepPolicy = field(default_factory=StepPolicy)


@dataclass(frozen=True)
class ReturnState:
    return_id: str
    order_id: str
    status: str
    settlement: str
    exchange_policy: str
    exchange_order_id: str = ""
    has_label: bool = False


@dataclass(frozen=True)
class ReturnNote:
    return_id: str
    text: str


@dataclass(frozen=True)
class ReturnOutcome:
    return_id: str
    status: str
