"""A marketplace order in its workflow: split once paid, one child workflow per sub-order (started as
the split or a re-route opens them), and the order shipped when every sub-order is done.

Decisions on exceptions opened meanwhile (a late shipment) are taken here too: an override
acknowledges it; a cancel takes the order's unshipped sub-orders back. A cancel of the order is
honoured while no seller has shipped; after that it is refused, as a released order's is.
"""

from __future__ import annotations

import contextlib
from typing import Any

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from overture.domain.marketplace.sub_orders import SubOrderStatus
    from overture.domain.statuses import OrderStatus
    from overture.workflows.order.activities import OrderActivities
    from overture.workflows.order.sellers.activities import MarketplaceActivities
    from overture.workflows.order.sellers.shared import SellerOrderInput, SellerOrderOutcome
    from overture.workflows.order.sellers.workflow import SellerOrderWorkflow
    from overture.workflows.order.shared import CancelOutcome, CancelRequest, NoteArgs

from overture.workflows.order.holding import HeldOrder

M = MarketplaceActivities


class SplitOrder(HeldOrder):
    def __init__(self) -> None:
        super().__init__()
        self._sub_order_pings = 0
        self._children: dict[str, Any] = {}

    async def _is_marketplace(self) -> bool:
        if not workflow.patched("marketplace"):  # orders started before the marketplace never are
            return False
        found: bool = await self._store(M.is_marketplace, self._order_id)
        return found

    async def _through_sellers(self) -> bool:
        """Run every sub-order to its end; True if any seller shipped."""
        ids: list[str] = await self._store(M.split_order, self._order_id)
        await self._advance(OrderStatus.RELEASED, f"split into {', '.join(ids)}")
        while True:
            for sub_order_id in ids:
                if sub_order_id not in self._children:
                    self._children[sub_order_id] = await workflow.start_child_workflow(
                        SellerOrderWorkflow.run,
                        SellerOrderInput(sub_order_id, self._order_id, self._policy),
                        id=sub_order_id,
                    )
            running = [h for h in self._children.values() if not h.done()]
            if not running:
                ids = await self._store(M.split_order, self._order_id)
                if set(ids) <= set(self._children):
                    break
                continue
            await self._wait_for_sellers(running)
            await self._honour_cancel_of_split()
            await self._adopt_open_exceptions()
            await self._settle_outside_decisions()
            ids = await self._store(M.split_order, self._order_id)
        outcomes: list[SellerOrderOutcome] = [h.result() for h in self._children.values()]
        return any(o.status == SubOrderStatus.SHIPPED for o in outcomes)

    async def _wait_for_sellers(self, running: list[Any]) -> None:
        pings, exception_pings = self._sub_order_pings, self._exception_pings
        with contextlib.suppress(TimeoutError):  # nothing heard: re-read the store anyway
            await workflow.wait_condition(
                lambda: (
                    any(h.done() for h in running)
                    or self._sub_order_pings != pings
                    or self._exception_pings != exception_pings
                    or self._cancel is not None
                    or any(e.id in self._resolutions for e in self._waiting_on)
                ),
                timeout=self._policy.recheck_interval_s,
            )

    async def _settle_outside_decisions(self) -> None:
        for exception in [e for e in self._waiting_on if e.id in self._resolutions]:
            resolution = self._resolutions[exception.id]
            await self._close(exception, resolution)
            if resolution.action == "cancel":
                self._cancel = CancelRequest(resolution.note or f"cancelled: {exception.reason}", resolution.actor)
                await self._honour_cancel_of_split()

    async def _honour_cancel_of_split(self) -> None:
        request = self._cancel
        if request is None:
            return
        shipped: list[str] = await self._store(M.cancel_sub_orders, self._order_id)
        if shipped:
            detail = f"sellers already shipped {', '.join(shipped)}"
            await self._store(OrderActivities.add_note, NoteArgs(self._order_id, f"cancel refused: {detail}"))
            self._finish_cancel_request(CancelOutcome("refused", detail))
            return
        for handle in self._children.values():
            if not handle.done():
                await handle.signal(SellerOrderWorkflow.nudge)
        await self._cancel_now(request)
