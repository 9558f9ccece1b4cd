"""What a person may do to an order as a whole, now, and cancelling it: once for the API and the order page.

The actions on a held order's exceptions (retry, override, edit, reroute, cancel) are in
operator_actions.py; this is what the order page offers beside them, decided from the order's status
and its open exceptions, so the page never offers what the workflow would refuse for a reason known
in advance. The workflow still has the last word (goods may have left the warehouse a second ago).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from overture.domain.exceptions import ExceptionStatus
from overture.domain.statuses import OrderStatus, can_transition
from overture.services.errors import ErrorCode, InvalidRequest, NotFound
from overture.services.ports.order_workflow import CancelOutcome, CancelRequest, OrderWorkflowGateway


class OrderLookup(Protocol):
    def order(self, order_id: str) -> Mapping[str, Any] | None: ...


@dataclass(frozen=True, slots=True)
class AllowedAction:
    """One thing the order page offers: on the order (``exception_id`` None) or on one open exception."""

    action: str
    exception_id: str | None = None
    exception_type: str | None = None


def allowed_actions(order: Mapping[str, Any]) -> list[AllowedAction]:
    """What may be done to the order now: cancel while it can still be cancelled, then each open
    exception's own actions (a cancel among them is the same cancel, offered once)."""
    found: list[AllowedAction] = []
    status = OrderStatus(order["status"])
    if can_transition(status, OrderStatus.CANCELLED):
        found.append(AllowedAction("cancel"))
    for exception in _open(order.get("exceptions", ())):
        for action in exception["allowed_actions"]:
            if action != "cancel":
                found.append(AllowedAction(action, exception["id"], exception["type"]))
    return found


def _open(exceptions: Sequence[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    return [e for e in exceptions if e["status"] == ExceptionStatus.OPEN]


async def cancel_order(
    views: OrderLookup, workflows: OrderWorkflowGateway, order_id: str, reason: str, actor: str | None
) -> CancelOutcome:
    """Ask the order's workflow to cancel it. Before release the stock is given back at once; after
    release the WMS is asked first and the cancellation is refused if the goods already left
    (``outcome`` "refused" with the reason in ``detail``)."""
    if actor is None:
        raise InvalidRequest("actor", "who cancels is required when auth is off", ErrorCode.REQUIRED)
    if not reason.strip():
        raise InvalidRequest("reason", "say why the order is cancelled", ErrorCode.REQUIRED)
    order = views.order(order_id)
    if order is None:
        raise NotFound(f"no order {order_id!r}")
    status = OrderStatus(order["status"])
    if not can_transition(status, OrderStatus.CANCELLED):
        return CancelOutcome("refused", f"an order that is {status.value} can no longer be cancelled")
    return await workflows.cancel(order_id, CancelRequest(reason.strip(), actor))
