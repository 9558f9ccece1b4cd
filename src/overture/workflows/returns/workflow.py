"""ReturnWorkflow: review (if over the threshold) -> the replacement of an exchange -> a return label ->
wait for the goods -> ERP return receipt -> refund, credit or exchange -> an EDI partner's 812 -> ERP
credit memo.

Every step is an activity keyed by the return, so a crash or a retry at any point repeats nothing
(one refund at the provider, one receipt and one credit memo at the ERP). A step that fails past
its retries is noted on the order's timeline and tried again after the recheck interval: a return
is never dropped halfway. Signals (``nudge``) come after the review or the receipt commit; a lost
one costs a recheck of the store.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from typing import Any

from temporalio import workflow
from temporalio.exceptions import ActivityError

with workflow.unsafe.imports_passed_through():
    from overture.domain.returns import ReturnStatus, Settlement
    from overture.workflows.order.holding import STORE_CALL, describe
    from overture.workflows.returns.activities import ReturnActivities
    from overture.workflows.returns.shared import ReturnNote, ReturnOutcome, ReturnState, ReturnWorkflowInput

A = ReturnActivities
R = ReturnStatus


@workflow.defn(name="ReturnWorkflow")
class ReturnWorkflow:
    def __init__(self) -> None:
        self._nudges = 0

    @workflow.signal
    def nudge(self) -> None:
        self._nudges += 1

    @workflow.run
    async def run(self, request: ReturnWorkflowInput) -> ReturnOutcome:
        self._id, self._policy = request.return_id, request.policy
        state = await self._wait_while(R.AWAITING_REVIEW)
        if state.status == R.REJECTED:
            return ReturnOutcome(self._id, state.status)
        if state.settlement == Settlement.EXCHANGE and not state.exchange_order_id:
            await self._store(A.create_exchange, self._id)
        if not state.has_label and state.status == R.APPROVED:
            await self._label()
        state = await self._wait_while(R.APPROVED)
        if state.settlement == Settlement.EXCHANGE:
            await self._until_done("releasing the replacement", A.release_exchange)
        await self._until_done("telling the ERP of the receipt", A.send_return_receipt)
        await self._until_done("refunding", A.settle)
        await self._store(A.credit_partner, self._id)  # an EDI partner's 812, in the store's outbox
        await self._until_done("sending the credit memo", A.send_credit_memo)
        await workflow.wait_condition(workflow.all_handlers_finished)
        return ReturnOutcome(self._id, R.SETTLED)

    async def _wait_while(self, status: ReturnStatus) -> ReturnState:
        while True:
            state: ReturnState = await self._store(A.load_return, self._id)
            if state.status != status:
                return state
            await self._nudged_or_timeout(self._nudges)

    async def _nudged_or_timeout(self, nudges: int) -> None:
        with contextlib.suppress(TimeoutError):
            await workflow.wait_condition(lambda: self._nudges != nudges, timeout=self._policy.recheck_interval_s)

    async def _label(self) -> None:
        try:
            await self._outside(A.buy_label, self._id)
        except ActivityError as error:
            # The customer can still send the goods back with a label of their own; say so.
            await self._store(
                A.return_note, ReturnNote(self._id, f"return {self._id}: no return label: {describe(error)}")
            )

    async def _until_done(self, step: str, activity: Callable[..., Any]) -> Any:
        while True:
            try:
                return await self._outside(activity, self._id)
            except ActivityError as error:
                wait = self._policy.recheck_interval_s
                text = f"return {self._id}: {step} failed, tried again in {wait:g} s: {describe(error)}"
                await self._store(A.return_note, ReturnNote(self._id, text))
                await workflow.sleep(self._policy.recheck_interval_s)

    async def _store(self, activity: Callable[..., Any], arg: Any) -> Any:
        return await workflow.execute_local_activity_method(activity, arg, **STORE_CALL)  # type: ignore[call-overload]

    async def _outside(self, activity: Callable[..., Any], arg: Any) -> Any:
        return await workflow.execute_activity_method(activity, arg, **self._policy.outside_call())
