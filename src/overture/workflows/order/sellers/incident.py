"""IncidentWorkflow (id ``incident-<id>``): the seller's time to answer an incident, as a durable
timer (a restarted worker resumes it from history). Unanswered at ``respond_by`` (opened plus the
operator's ``incident_response_hours``), the incident is escalated to the operator; an answer or an
escalation by the customer's side ends the wait (the API nudges; a lost nudge costs one recheck).
What follows is the operator's, through the API, not the workflow's."""

from __future__ import annotations

import contextlib
from datetime import datetime, timedelta
from typing import Any

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from overture.domain.marketplace.incidents import IncidentStatus
    from overture.workflows.order.holding import STORE_CALL
    from overture.workflows.order.sellers.incident_activities import IncidentActivities, IncidentInput, IncidentState

A = IncidentActivities
WORKFLOW_PREFIX = "incident-"


@workflow.defn(name="IncidentWorkflow")
class IncidentWorkflow:
    def __init__(self) -> None:
        self._nudges = 0
        self._status = ""

    @workflow.signal
    def nudge(self) -> None:
        self._nudges += 1

    @workflow.query
    def status(self) -> str:
        return self._status

    @workflow.run
    async def run(self, request: IncidentInput) -> str:
        recheck = timedelta(seconds=request.recheck_s)
        state: IncidentState = await self._store(A.incident_state, request.incident_id)
        while state.status == IncidentStatus.OPEN:
            left = datetime.fromisoformat(state.respond_by) - workflow.now()
            if left <= timedelta(0):
                self._status = await self._store(A.escalate_unanswered, request.incident_id)
                return self._status
            await self._wait(min(left, recheck))
            state = await self._store(A.incident_state, request.incident_id)
        return state.status

    async def _wait(self, delay: timedelta) -> None:
        nudges = self._nudges
        with contextlib.suppress(TimeoutError):
            await workflow.wait_condition(lambda: self._nudges != nudges, timeout=delay)

    async def _store(self, activity: Any, arg: Any) -> Any:
        result = await workflow.execute_local_activity_method(activity, arg, **STORE_CALL)  # type: ignore[call-overload]
        if isinstance(result, IncidentState):
            self._status = result.status
        return result
