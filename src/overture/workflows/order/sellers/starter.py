"""Starting and nudging the sellers' onboarding and incident workflows: the one place that knows their
ids and queue. Starting is idempotent (the same id: a running workflow is used as it is)."""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from typing import Any

from temporalio.client import Client
from temporalio.common import WorkflowIDConflictPolicy, WorkflowIDReusePolicy
from temporalio.exceptions import WorkflowAlreadyStartedError
from temporalio.service import RPCError

from overture.workflows.order.sellers.incident import WORKFLOW_PREFIX as INCIDENT
from overture.workflows.order.sellers.incident import IncidentWorkflow
from overture.workflows.order.sellers.incident_activities import IncidentInput
from overture.workflows.order.sellers.onboarding import WORKFLOW_PREFIX as ONBOARDING
from overture.workflows.order.sellers.onboarding import SellerOnboardingWorkflow
from overture.workflows.order.sellers.onboarding_activities import OnboardingInput


@dataclass(frozen=True)
class SellerWorkflows:
    client: Client
    task_queue: str

    async def submitted(self, seller_id: str) -> None:
        """After a submission commits: start the seller's onboarding workflow, or wake the running one
        (a re-submission after a reviewer asked for more). A finished one is left finished."""
        started = await self._start(SellerOnboardingWorkflow.run, OnboardingInput(seller_id), ONBOARDING + seller_id)
        if started:
            await self.nudge_onboarding(seller_id)

    async def nudge_onboarding(self, seller_id: str) -> None:
        """After an operator's decision commits; losing it costs the workflow one recheck."""
        with contextlib.suppress(RPCError):
            await self.client.get_workflow_handle(ONBOARDING + seller_id).signal(SellerOnboardingWorkflow.nudge)

    async def incident_opened(self, incident_id: str) -> None:
        await self._start(IncidentWorkflow.run, IncidentInput(incident_id), INCIDENT + incident_id)

    async def nudge_incident(self, incident_id: str) -> None:
        """After the seller's answer or an escalation commits (the timer's wait ends early)."""
        with contextlib.suppress(RPCError):
            await self.client.get_workflow_handle(INCIDENT + incident_id).signal(IncidentWorkflow.nudge)

    async def _start(self, run: Any, arg: object, workflow_id: str) -> bool:
        """Started or running: True; finished already: False."""
        try:
            await self.client.start_workflow(
                run,
                arg,
                id=workflow_id,
                task_queue=self.task_queue,
                id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING,
                id_reuse_policy=WorkflowIDReusePolicy.REJECT_DUPLICATE,
            )
        except WorkflowAlreadyStartedError:
            return False
        return True
