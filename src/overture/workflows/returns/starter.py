"""Starting a return's workflow and nudging it: the one place that knows its id and queue."""

from __future__ import annotations

import contextlib
from dataclasses import dataclass

from temporalio.client import Client
from temporalio.common import WorkflowIDConflictPolicy, WorkflowIDReusePolicy
from temporalio.exceptions import WorkflowAlreadyStartedError
from temporalio.service import RPCError

from overture.workflows.order.shared import StepPolicy
from overture.workflows.returns.shared import RETURN_WORKFLOW_PREFIX, ReturnWorkflowInput
from overture.workflows.returns.workflow import ReturnWorkflow


@dataclass(frozen=True)
class ReturnWorkflows:
    client: Client
    task_queue: str
    policy: StepPolicy

    async def start(self, return_id: str) -> bool:
        """Start the return's workflow (a no-op if it runs); False if it has already finished."""
        try:
            await self.client.start_workflow(
                ReturnWorkflow.run,
                ReturnWorkflowInput(return_id, self.policy),
                id=RETURN_WORKFLOW_PREFIX + return_id,
                task_queue=self.task_queue,
                id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING,
                id_reuse_policy=WorkflowIDReusePolicy.REJECT_DUPLICATE,
            )
        except WorkflowAlreadyStartedError:
            return False
        return True

    async def nudge(self, return_id: str) -> None:
        """After a review or a receipt commits; losing it costs the workflow one recheck of the store."""
        # Not started yet (the dispatcher will) or finished: nothing to wake.
        with contextlib.suppress(RPCError):
            await self.client.get_workflow_handle(RETURN_WORKFLOW_PREFIX + return_id).signal(ReturnWorkflow.nudge)
