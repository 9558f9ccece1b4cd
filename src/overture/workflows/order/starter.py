"""Starting an order's workflow and calling into it: the one place that knows its id, queue and policy.

The outbox dispatcher starts workflows; the API sends updates (resolve, cancel). An update may
reach an order whose outbox row the dispatcher has not reached yet, so updates go as
update-with-start: the engine starts the workflow if it is not running and delivers the update
to it, in one call. Both sides start it the same way, so whichever comes first wins and the other
is a no-op. A finished order is never started again (``REJECT_DUPLICATE``).
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from typing import Any

from temporalio.client import Client, WithStartWorkflowOperation, WorkflowUpdateFailedError
from temporalio.common import WorkflowIDConflictPolicy, WorkflowIDReusePolicy
from temporalio.exceptions import FailureError, WorkflowAlreadyStartedError
from temporalio.service import RPCError, RPCStatusCode

from overture.services.errors import WorkflowRefused
from overture.services.ports.order_workflow import (
    CancelOutcome,
    CancelRequest,
    EditOutcome,
    EditRequest,
    Resolution,
    ShipmentPing,
)
from overture.workflows.order.sellers.workflow import SellerOrderWorkflow
from overture.workflows.order.shared import OrderWorkflowInput, StepPolicy
from overture.workflows.order.workflow import OrderWorkflow


@dataclass(frozen=True)
class OrderWorkflows:
    """The ``OrderWorkflowGateway`` (services/ports/order_workflow.py) on Temporal."""

    client: Client
    task_queue: str
    policy: StepPolicy

    async def start(self, order_id: str) -> bool:
        """Start the order's workflow (a no-op if it runs); False if it has already finished."""
        try:
            await self.client.start_workflow(OrderWorkflow.run, self._input(order_id), **self._start_options(order_id))
        except WorkflowAlreadyStartedError:
            return False
        return True

    async def update(self, order_id: str, update: Any, argument: Any) -> Any:
        """Deliver an update to the order's workflow, starting it first if capture's start is still queued.

        Refusals (the workflow rejected the update, or the order's workflow has finished) become
        ``WorkflowRefused``, which the API answers with 409."""
        operation = WithStartWorkflowOperation(
            OrderWorkflow.run, self._input(order_id), **self._start_options(order_id)
        )
        try:
            return await self.client.execute_update_with_start_workflow(
                update, argument, start_workflow_operation=operation
            )
        except WorkflowUpdateFailedError as error:
            # The cause's message alone: its str() starts with the Python class the validator raised.
            cause = error.cause
            raise WorkflowRefused(cause.message if isinstance(cause, FailureError) else str(error)) from error
        except WorkflowAlreadyStartedError as error:
            raise WorkflowRefused(f"order {order_id} has no running workflow (it has finished)") from error
        except RPCError as error:
            if error.status in (RPCStatusCode.NOT_FOUND, RPCStatusCode.FAILED_PRECONDITION):
                raise WorkflowRefused(f"order {order_id} has no running workflow ({error.message})") from error
            raise

    async def resolve(self, order_id: str, resolution: Resolution) -> None:
        await self.update(order_id, OrderWorkflow.resolve, resolution)

    async def cancel(self, order_id: str, request: CancelRequest) -> CancelOutcome:
        outcome: CancelOutcome = await self.update(order_id, OrderWorkflow.cancel, request)
        return outcome

    async def edit(self, order_id: str, request: EditRequest) -> EditOutcome:
        outcome: EditOutcome = await self.update(order_id, OrderWorkflow.edit, request)
        return outcome

    async def shipment_recorded(self, order_id: str, ping: ShipmentPing) -> None:
        await self.signal(order_id, OrderWorkflow.shipment_recorded, ping)

    async def nudge_sub_order(self, sub_order_id: str) -> None:
        # Its workflow may not have started yet (the parent starts it after the split): then it reads the
        # store when it does.
        with contextlib.suppress(RPCError):
            await self.client.get_workflow_handle(sub_order_id).signal(SellerOrderWorkflow.nudge)

    async def signal(self, order_id: str, signal: Any, argument: Any) -> None:
        """A nudge to a running workflow; losing one is harmless because the workflow re-reads the store."""
        await self.client.get_workflow_handle(order_id).signal(signal, argument)

    def _input(self, order_id: str) -> OrderWorkflowInput:
        return OrderWorkflowInput(order_id, self.policy)

    def _start_options(self, order_id: str) -> dict[str, Any]:
        return {
            "id": order_id,
            "task_queue": self.task_queue,
            "id_conflict_policy": WorkflowIDConflictPolicy.USE_EXISTING,
            "id_reuse_policy": WorkflowIDReusePolicy.REJECT_DUPLICATE,
        }
