"""SellerOnboardingWorkflow (id ``onboarding-<seller>``): from a seller's first submission to its
approval or rejection.

    pending | onboarding --(every requirement given: nudge)--> ready_for_review
    ready_for_review --(risk rules clear it)--> approved
    ready_for_review --(a review case)--(an operator decides: nudge)--> approved | rejected | onboarding

A review waits as long as it takes (days, durably: a restarted worker resumes the wait from
history); each ``decision_reminder_days`` without a decision the case is noted as overdue for the
operators. The store is the truth: the API writes submissions and decisions and nudges the workflow;
a lost nudge costs one recheck (``recheck_s``).
"""

from __future__ import annotations

import contextlib
from datetime import datetime, timedelta
from typing import Any

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from overture.domain.marketplace.sellers import SellerStatus
    from overture.workflows.order.holding import STORE_CALL
    from overture.workflows.order.sellers.onboarding_activities import (
        OnboardingActivities,
        OnboardingInput,
        OnboardingState,
        ReminderArgs,
    )

A = OnboardingActivities
WORKFLOW_PREFIX = "onboarding-"
DONE = frozenset({SellerStatus.APPROVED, SellerStatus.REJECTED, SellerStatus.SUSPENDED, SellerStatus.TERMINATED})


@workflow.defn(name="SellerOnboardingWorkflow")
class SellerOnboardingWorkflow:
    def __init__(self) -> None:
        self._nudges = 0
        self._status = ""
        self._reminded: dict[str, int] = {}  # reminders sent per review case (rebuilt on replay)

    @workflow.signal
    def nudge(self) -> None:
        self._nudges += 1

    @workflow.query
    def status(self) -> str:
        return self._status

    @workflow.run
    async def run(self, request: OnboardingInput) -> str:
        self._recheck = timedelta(seconds=request.recheck_s)
        state: OnboardingState = await self._store(A.onboarding_state, request.seller_id)
        while state.status not in DONE:
            if state.status == SellerStatus.READY_FOR_REVIEW and not state.case_id:
                state = await self._store(A.review_onboarding, request.seller_id)
                continue
            if state.case_id:
                await self._await_decision(state)
            else:  # still collecting requirements: the next submission nudges
                await self._wait(self._recheck)
            state = await self._store(A.onboarding_state, request.seller_id)
        return state.status

    async def _await_decision(self, state: OnboardingState) -> None:
        opened = datetime.fromisoformat(state.case_opened_at)
        sent = self._reminded.get(state.case_id, 0)
        due = opened + timedelta(days=state.reminder_days * (sent + 1))
        now = workflow.now()
        if now < due:
            await self._wait(min(due - now, self._recheck))
            return
        waited = (now - opened).total_seconds() / 86_400
        await self._store(A.remind_onboarding, ReminderArgs(state.case_id, waited))
        self._reminded[state.case_id] = sent + 1

    async def _wait(self, delay: timedelta) -> None:
        nudges = self._nudges
        with contextlib.suppress(TimeoutError):
            await workflow.wait_condition(lambda: self._nudges != nudges, timeout=max(delay, timedelta(seconds=1)))

    async def _store(self, activity: Any, arg: Any) -> Any:
        result = await workflow.execute_local_activity_method(activity, arg, **STORE_CALL)  # type: ignore[call-overload]
        if isinstance(result, OnboardingState):
            self._status = result.status
        return result
