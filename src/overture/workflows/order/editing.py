"""Edits to an order its warehouse already has (update ``edit``): the WMS is asked to take back every
release first, and only when it has is the edit applied (through the one amendment path, so the
order is re-priced, re-reserved and re-routed and the money difference posted) and the order
released again. A location that cannot take its release back (the goods left, or it does not
answer) refuses the edit: what was taken back elsewhere is released again, and nothing changes."""

from __future__ import annotations

from temporalio import workflow
from temporalio.exceptions import ActivityError

with workflow.unsafe.imports_passed_through():
    from overture.domain.statuses import OrderStatus
    from overture.services.plans import OrderPlan
    from overture.workflows.order.activities import OrderActivities
    from overture.workflows.order.shared import AmendArgs, EditOutcome, EditRequest, PlacementArgs, ReleaseArgs

from overture.workflows.order.holding import HeldOrder, describe

A = OrderActivities


class Amended(Exception):
    """The order was amended after release: release it again as ``plan`` says."""

    def __init__(self, plan: OrderPlan) -> None:
        super().__init__(plan.order_id)
        self.plan = plan


class EditableOrder(HeldOrder):
    def __init__(self) -> None:
        super().__init__()
        self._edit: EditRequest | None = None
        self._edit_outcome: EditOutcome | None = None

    def _check_edit(self) -> None:
        if not self._awaiting_shipments:
            raise ValueError(
                f"the order is {self._status}: before release it is edited directly, after shipment not at all"
            )
        if self._shipped_from:
            raise ValueError(f"goods already left {', '.join(sorted(self._shipped_from))}: it can no longer be edited")
        if self._edit is not None:
            raise ValueError("an edit is already in progress")

    async def _honour_edit(self) -> None:
        request = self._edit
        if request is None:
            return
        taken_back = []
        for location in list(self._released):
            if await self._try_wms_cancel(location) not in ("cancelled", "not_found"):
                break
            taken_back.append(location)
        if len(taken_back) < len(self._released):
            await self._refuse_edit(taken_back)
            return
        self._released.clear()
        self._generation += 1
        await self._advance(OrderStatus.ON_HOLD, f"edit by {request.actor}: the WMS took the release back")
        key = f"edit-after-release-{self._generation}"
        args = AmendArgs(self._order_id, request.actor, request.reason, "edit", request.lines, key=key)
        try:
            plan: OrderPlan = await self._store(A.amend_order, args)
            self._finish_edit(EditOutcome("applied", "the warehouse took the release back; amended and released again"))
        except ActivityError as error:
            plan = await self._store(A.place_again, PlacementArgs(self._order_id, []))
            self._finish_edit(EditOutcome("refused", f"{describe(error)}; released again as it was"))
        raise Amended(plan)

    async def _refuse_edit(self, taken_back: list[str]) -> None:
        """Release again where the WMS took the release back (with a new key: the old one was cancelled)."""
        refused = [location for location in self._released if location not in taken_back]
        for location in taken_back:
            await self._outside(A.wms_release, ReleaseArgs(self._order_id, location, self._generation + 1))
        detail = f"the WMS could not take the release back at {', '.join(refused)}: nothing changed"
        self._finish_edit(EditOutcome("refused", detail))

    def _finish_edit(self, outcome: EditOutcome) -> None:
        self._edit_outcome = outcome
        self._edit = None
