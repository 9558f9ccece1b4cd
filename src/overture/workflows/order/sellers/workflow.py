"""SellerOrderWorkflow: one seller's sub-order, a child of the customer order's workflow.

    awaiting acceptance --(alert at alert_at)--(auto-refuse at accept_by)--> accepted | refused
    accepted --(late-shipment exception at ship_by)--> shipped -> capture the shipped lines

The deadlines are the sub-order's own (written at the split, from the operator's settings, and always
before the payment authorisation lapses), so the timers are durable: a worker restarted, or the whole
hub, resumes them where they were. The seller's answers are written to the store by the API (or EDI)
and the workflow is nudged; a lost nudge costs one recheck. Lines refused here that went to another
seller are sub-orders of their own: the parent is told, and starts their workflows.
"""

from __future__ import annotations

import contextlib
from datetime import datetime, timedelta
from typing import Any

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from overture.domain.ids import id_from
    from overture.domain.marketplace.sub_orders import SubOrderStatus
    from overture.workflows.order.activities import OrderActivities
    from overture.workflows.order.holding import STORE_CALL
    from overture.workflows.order.sellers.activities import MarketplaceActivities
    from overture.workflows.order.sellers.shared import LateArgs, SellerOrderInput, SellerOrderOutcome, SubOrderState

M = MarketplaceActivities
ST = SubOrderStatus


@workflow.defn(name="SellerOrderWorkflow")
class SellerOrderWorkflow:
    def __init__(self) -> None:
        self._nudges = 0
        self._told_parent: set[str] = set()

    @workflow.signal
    def nudge(self) -> None:
        self._nudges += 1

    @workflow.query
    def status(self) -> str:
        return self._status

    @workflow.run
    async def run(self, request: SellerOrderInput) -> SellerOrderOutcome:
        self._id, self._policy, self._status = request.sub_order_id, request.policy, ""
        state = await self._acceptance()
        if state.status == ST.ACCEPTED:
            state = await self._shipment(state)
        if state.status == ST.SHIPPED:
            await workflow.execute_activity_method(
                OrderActivities.capture_payment, state.order_id, **self._policy.outside_call()
            )
        await self._store(M.review_seller, state.seller_id)
        await self._tell_parent(state)
        return SellerOrderOutcome(self._id, state.status, state.rerouted_to)

    async def _acceptance(self) -> SubOrderState:
        state = await self._read()
        while state.status == ST.AWAITING_ACCEPTANCE:
            now = workflow.now()
            alert_at, accept_by = _at(state.alert_at), _at(state.accept_by)
            if now >= accept_by:
                await self._store(M.auto_refuse, self._id)
            elif not state.alerted and now >= alert_at:
                await self._store(M.alert_seller, self._id)
            else:
                until = accept_by if state.alerted else alert_at
                await self._wait(until - now)
            state = await self._read()
            await self._tell_parent(state)
        return state

    async def _shipment(self, state: SubOrderState) -> SubOrderState:
        late = ""
        while state.status == ST.ACCEPTED:
            ship_by = _at(state.ship_by)
            now = workflow.now()
            if not late and now >= ship_by:
                late = id_from("exc", int(now.timestamp() * 1000), workflow.random().getrandbits(80))
                await self._store(M.raise_late, LateArgs(self._id, late))
            await self._wait(timedelta(seconds=self._policy.recheck_interval_s) if late else ship_by - now)
            state = await self._read()
        if late:
            await self._store(M.close_late, LateArgs(self._id, late))
        return state

    async def _wait(self, delay: timedelta) -> None:
        nudges = self._nudges
        timeout = min(max(delay.total_seconds(), 0.001), self._policy.recheck_interval_s)
        with contextlib.suppress(TimeoutError):
            await workflow.wait_condition(lambda: self._nudges != nudges, timeout=timeout)

    async def _read(self) -> SubOrderState:
        state: SubOrderState = await self._store(M.sub_order_state, self._id)
        self._status = state.status
        return state

    async def _tell_parent(self, state: SubOrderState) -> None:
        """Lines placed with another seller: the parent starts their sub-orders' workflows."""
        new = [s for s in state.rerouted_to if s not in self._told_parent]
        parent = workflow.info().parent
        if new and parent is not None:
            self._told_parent.update(new)
            await workflow.get_external_workflow_handle(parent.workflow_id).signal("sub_orders_changed")

    async def _store(self, activity: Any, arg: Any) -> Any:
        return await workflow.execute_local_activity_method(activity, arg, **STORE_CALL)  # type: ignore[call-overload]


def _at(text: str) -> datetime:
    return datetime.fromisoformat(text)
