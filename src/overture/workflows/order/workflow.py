"""OrderWorkflow: place (if capture could not) -> ERP sales order -> release to each location ->
wait for shipment (with an SLA timer) -> invoice -> notify -> complete.

When a step fails past its retry policy, the workflow records an exception, puts the order on
hold and waits, durably, for a person's decision (update ``resolve``): retry, override (with new
unit prices, or the price as it is), edit (lines' SKU, quantity or price), reroute (anywhere but the
failed location, or at a location the person chose) or cancel. An edit, a price or a chosen
location is tried (and rolled back) before the decision is accepted, so a refusal leaves the
exception open; then ``amend_order`` applies it and places the order again in one transaction.
``cancel`` (update) is honoured at the next safe point: before release it gives the stock back;
after release it asks the WMS to cancel first and refuses if goods already left.
"""

from __future__ import annotations

import contextlib
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

from temporalio import workflow
from temporalio.exceptions import ActivityError, ApplicationError

with workflow.unsafe.imports_passed_through():
    from overture.domain.statuses import OrderStatus
    from overture.services.plans import OpenException, OrderPlan
    from overture.workflows.order.activities import OrderActivities
    from overture.workflows.order.shared import (
        AmendArgs,
        CancelOutcome,
        CancelRequest,
        EditOutcome,
        EditRequest,
        ExceptionPing,
        InvoiceArgs,
        LocationArgs,
        NoteArgs,
        NotifyArgs,
        OrderOutcome,
        OrderWorkflowInput,
        PlacementArgs,
        ReferenceArgs,
        ReleaseArgs,
        Resolution,
        ShipmentPing,
        StockPing,
    )

# The workflow's state, its store and outside calls, exceptions and cancellation: holding.py; edits
# after release: editing.py.
from overture.workflows.order.editing import Amended, EditableOrder
from overture.workflows.order.holding import Cancelled, Reroute, describe
from overture.workflows.order.marketplace import SplitOrder

A = OrderActivities
S = OrderStatus
SUPPORTED_ACTIONS = frozenset({"retry", "override", "reroute", "cancel", "edit"})
# Exceptions about a line's price, which an override may settle by setting the price.
PRICE_EXCEPTIONS = frozenset({"price_mismatch", "low_margin"})
TOO_LATE_TO_CANCEL = frozenset({S.SHIPPED, S.INVOICED, S.COMPLETED, S.CANCELLED})


@workflow.defn(name="OrderWorkflow")
class OrderWorkflow(EditableOrder, SplitOrder):
    # ---- messages -------------------------------------------------------------------

    @workflow.signal
    def sub_orders_changed(self) -> None:
        # A sub-order's refused lines went to another seller: its workflow is started at the next pass.
        self._sub_order_pings += 1

    @workflow.signal
    def shipment_recorded(self, ping: ShipmentPing) -> None:
        # Sent only after the shipment is committed to the store, so it can be trusted as it is.
        self._pings += 1
        self._pinged_locations.add(ping.location_id)

    @workflow.signal
    def stock_allocated(self, ping: StockPing) -> None:
        # Sent after a receipt committed the order's last backordered units; the plan is re-read anyway.
        self._stock_pings += 1

    @workflow.signal
    def exception_opened(self, ping: ExceptionPing) -> None:
        # Opened outside this workflow (a supplier refusing lines): the next wait re-reads the store.
        self._exception_pings += 1

    @workflow.update
    async def resolve(self, resolution: Resolution) -> str:
        # An exception raised at capture can be resolved before this run has read it from the store.
        await workflow.wait_condition(lambda: self._loaded)
        if self._awaiting_shipments and not self._is_waiting_on(resolution.exception_id):
            await self._adopt_open_exceptions()  # opened outside, and its signal not yet here
        self._check_resolution(resolution, error=ApplicationError)
        if resolution.amends:
            problem = await self._store(A.check_amendment, self._amend_args(resolution, []))
            if problem:
                raise ApplicationError(f"refused, nothing changed: {problem}", non_retryable=True)
            self._check_resolution(resolution, error=ApplicationError)  # another decision may have come meanwhile
        self._resolutions[resolution.exception_id] = resolution
        return "accepted"

    @resolve.validator
    def _validate_resolution(self, resolution: Resolution) -> None:
        # While goods are awaited, an exception unknown here may have been opened outside: the handler looks.
        unknown_may_be_outside = self._awaiting_shipments and not self._is_waiting_on(resolution.exception_id)
        if self._loaded and not unknown_may_be_outside:
            self._check_resolution(resolution, error=ValueError)

    def _is_waiting_on(self, exception_id: str) -> bool:
        return any(e.id == exception_id for e in self._waiting_on)

    def _check_resolution(self, resolution: Resolution, *, error: Callable[[str], Exception]) -> None:
        waiting = next((e for e in self._waiting_on if e.id == resolution.exception_id), None)
        if waiting is None or resolution.exception_id in self._resolutions:
            raise error(f"exception {resolution.exception_id} is not waiting for a decision on this order")
        if resolution.action not in SUPPORTED_ACTIONS or resolution.action not in waiting.allowed_actions:
            allowed = sorted(SUPPORTED_ACTIONS.intersection(waiting.allowed_actions))
            raise error(f"{resolution.action!r} is not allowed for this {waiting.type} exception; allowed: {allowed}")
        if resolution.action == "reroute" and self._shipped_from:
            shipped = ", ".join(sorted(self._shipped_from))
            raise error(f"goods already left {shipped}: placing the whole order again would ship them twice")
        self._check_amendment(resolution, waiting, error=error)

    def _check_amendment(
        self, resolution: Resolution, waiting: OpenException, *, error: Callable[[str], Exception]
    ) -> None:
        """Line edits only before release and with an edit (or a price override on a price exception);
        a chosen location only with a reroute."""
        if resolution.action == "edit" and not resolution.lines:
            raise error("an edit needs the lines to change")
        if resolution.lines and resolution.action not in ("edit", "override"):
            raise error(f"lines are changed by an edit or a price override, not by {resolution.action!r}")
        if resolution.lines and resolution.action == "override" and waiting.type not in PRICE_EXCEPTIONS:
            raise error(f"unit prices can be overridden on {sorted(PRICE_EXCEPTIONS)} exceptions, not {waiting.type}")
        if resolution.lines and self._released:
            where = ", ".join(self._released)
            raise error(f"the order was released to {where}: its lines can no longer be edited")
        if resolution.location_id and resolution.action != "reroute":
            raise error(f"a location is chosen with a reroute, not with {resolution.action!r}")

    @workflow.update
    async def cancel(self, request: CancelRequest) -> CancelOutcome:
        self._cancel = request
        await workflow.wait_condition(lambda: self._cancel_outcome is not None)
        outcome, self._cancel_outcome = self._cancel_outcome, None
        assert outcome is not None
        return outcome

    @cancel.validator
    def _validate_cancel(self, request: CancelRequest) -> None:
        if self._status in TOO_LATE_TO_CANCEL:
            raise ValueError(f"the order is {self._status}; it can no longer be cancelled")
        if self._cancel is not None:
            raise ValueError("a cancellation is already in progress")

    @workflow.update
    async def edit(self, request: EditRequest) -> EditOutcome:
        self._edit = request
        await workflow.wait_condition(lambda: self._edit_outcome is not None)
        outcome, self._edit_outcome = self._edit_outcome, None
        assert outcome is not None
        return outcome

    @edit.validator
    def _validate_edit(self, request: EditRequest) -> None:
        self._check_edit()

    @workflow.query
    def status(self) -> str:
        return self._status.value

    @workflow.query
    def waiting_on(self) -> list[str]:
        return [e.id for e in self._waiting_on]

    # ---- the flow -------------------------------------------------------------------

    @workflow.run
    async def run(self, request: OrderWorkflowInput) -> OrderOutcome:
        self._order_id, self._policy = request.order_id, request.policy
        try:
            plan = await self._store(A.load_plan, request.order_id)
            self._status = S(plan.status)
            self._loaded = True
            if self._status in (S.COMPLETED, S.CANCELLED):
                return OrderOutcome(self._order_id, self._status.value)
            plan = await self._place(plan)
            paying = workflow.patched("payments")  # orders started before payments neither authorise nor capture
            self._paying = paying
            if paying:
                hold = await self._guarded("payment", lambda: self._outside(A.authorise_payment, self._order_id))
                self._hold = hold or self._hold
            sales_order = await self._guarded(
                "sales_order", lambda: self._outside(A.erp_create_sales_order, self._order_id)
            )
            if sales_order:
                await self._store(A.add_reference, ReferenceArgs(self._order_id, "erp", "sales_order", sales_order))
            if await self._is_marketplace():
                if not await self._through_sellers():
                    await self._cancel_now(
                        CancelRequest("no seller shipped any line: every line was refunded", "system")
                    )
                await self._advance(S.SHIPPED, "every seller has shipped its sub-order")
            else:
                plan = await self._release_and_ship(plan)
                await self._advance(S.SHIPPED, "every location has shipped")
            if workflow.patched("erp_shipments"):  # the ERP of record invoices what it saw ship
                await self._guarded("erp_shipment", lambda: self._outside(A.erp_confirm_shipments, self._order_id))
            if paying:
                await self._guarded("payment", lambda: self._outside(A.capture_payment, self._order_id))
            invoice = await self._guarded(
                "invoice", lambda: self._outside(A.erp_create_invoice, InvoiceArgs(self._order_id, sales_order or ""))
            )
            if invoice:
                await self._store(A.add_reference, ReferenceArgs(self._order_id, "erp", "invoice", invoice))
            await self._advance(
                S.INVOICED, f"invoiced in the ERP as {invoice}" if invoice else "invoice step overridden"
            )
            told = "the customer told"
            if plan.customer_email:
                notice = NotifyArgs(
                    self._order_id, plan.customer_email, "shipped", f"Your order {plan.order_id} is on its way."
                )
                await self._guarded("notify", lambda: self._outside(A.notify_customer, notice))
            else:
                told = "no customer e-mail to tell (a trading partner gets its ship notice instead)"
            await self._advance(S.COMPLETED, f"released, shipped, invoiced; {told}")
        except Cancelled:
            pass
        await workflow.wait_condition(workflow.all_handlers_finished)
        return OrderOutcome(self._order_id, self._status.value)

    async def _release_and_ship(self, plan: OrderPlan) -> OrderPlan:
        if workflow.patched("plan-read-before-release"):
            # A buyer's change order (X12 860, EDIFACT ORDCHG) may have amended the order while the
            # ERP answered: release what the store holds now, not the plan read at the start.
            plan = await self._store(A.load_plan, self._order_id)
        while True:
            plan = await self._release_all(plan)
            try:
                self._awaiting_shipments = True
                await self._await_shipments(plan)
                return plan
            except Reroute as reroute:  # a supplier refused lines after release
                plan = await self._reroute(reroute.location_id, reroute.resolution)
            except Amended as amended:  # edited after release, the WMS having taken it back
                plan = await self._place(amended.plan)
            finally:
                self._awaiting_shipments = False

    async def _place(self, plan: OrderPlan) -> OrderPlan:
        """Wait for decisions on exceptions raised at capture (or by a placement), and for the stock
        of a backordered order, until placed."""
        while S(plan.status) in (S.ON_HOLD, S.BACKORDERED):
            self._status = S(plan.status)
            if self._status is S.BACKORDERED:
                plan = await self._await_stock()
                continue
            resolution = await self._decision(plan.open_exceptions[0]) if plan.open_exceptions else None
            plan = await self._placed_again(resolution, [])
            if S(plan.status) is S.ON_HOLD and not plan.open_exceptions:
                raise RuntimeError(f"order {self._order_id} is on hold with no exception to resolve")
        self._status = S(plan.status)
        return plan

    async def _placed_again(self, resolution: Resolution | None, exclude: list[str]) -> OrderPlan:
        """Place the order again, amended as the person decided (edits, prices, a chosen location)."""
        plan: OrderPlan
        if resolution is not None and resolution.amends:
            try:
                plan = await self._store(A.amend_order, self._amend_args(resolution, exclude))
                return plan
            except ActivityError as error:
                # Tried when decided, so only a change since (stock gone from the chosen location)
                # gets here: say so, and place as usual; a person decides again if it holds.
                await self._store(A.add_note, NoteArgs(self._order_id, f"amendment not applied: {describe(error)}"))
        plan = await self._store(A.place_again, PlacementArgs(self._order_id, exclude))
        return plan

    def _amend_args(self, resolution: Resolution, exclude: list[str]) -> AmendArgs:
        waiting = next((e.type for e in self._waiting_on if e.id == resolution.exception_id), None)
        kind = waiting or self._closed_types.get(resolution.exception_id, "")
        return AmendArgs(
            self._order_id,
            resolution.actor,
            resolution.note,
            kind,
            resolution.lines,
            resolution.location_id,
            exclude,
            key=resolution.exception_id,
            allocations=resolution.allocations,
            plan=resolution.plan,
        )

    async def _await_stock(self) -> OrderPlan:
        """Wait (for weeks if need be) until a receipt reserves the order's last backordered units.

        The receipt path signals after its commit; a lost signal costs one recheck of the store."""
        pings = self._stock_pings
        with contextlib.suppress(TimeoutError):  # no news: read the store anyway
            await workflow.wait_condition(
                lambda: self._stock_pings != pings or self._cancel is not None,
                timeout=self._policy.recheck_interval_s,
            )
        await self._honour_cancel()
        plan: OrderPlan = await self._store(A.load_plan, self._order_id)
        return plan

    async def _release_all(self, plan: OrderPlan) -> OrderPlan:
        while True:
            try:
                for release in plan.releases:
                    wms_id = await self._guarded(
                        "release",
                        self._release_call(ReleaseArgs(self._order_id, release.location_id, self._generation)),
                        reroute_from=release.location_id,
                    )
                    self._released.append(release.location_id)
                    if wms_id:
                        await self._store(A.add_reference, ReferenceArgs(self._order_id, "wms", "release", wms_id))
                break
            except Reroute as reroute:
                plan = await self._reroute(reroute.location_id, reroute.resolution)
        where = ", ".join(self._released)
        await self._advance(S.RELEASED, f"released to {where} (placement {self._generation})")
        return plan

    def _release_call(self, args: ReleaseArgs) -> Callable[[], Awaitable[str]]:
        async def call() -> str:
            result: str = await self._outside(A.wms_release, args)
            return result

        return call

    async def _reroute(self, failed_location: str, resolution: Resolution | None = None) -> OrderPlan:
        for location in self._released:
            await self._outside(A.wms_cancel, LocationArgs(self._order_id, location, self._generation))
        self._released.clear()
        self._generation += 1
        plan = await self._placed_again(resolution, [failed_location])
        return await self._place(plan)

    async def _await_shipments(self, plan: OrderPlan) -> None:
        ship_by = timedelta(seconds=min(r.ship_by_seconds for r in plan.releases))
        deadline = workflow.now() + ship_by
        breach: OpenException | None = None
        recorded = set(await self._store(A.shipped_locations, self._order_id))
        while True:
            # A ping that arrives while this pass awaits a step (a capture) must still end the next wait.
            self._pings_seen = self._pings
            self._shipped_from = (recorded | self._pinged_locations) & set(self._released)
            pending = [loc for loc in self._released if loc not in self._shipped_from]
            if pending:
                await self._capture_as_shipped()
            if not pending:
                if breach is not None:
                    await self._close(breach, Resolution(breach.id, "override", "system", "shipped after the breach"))
                return
            await self._honour_cancel()
            await self._honour_edit()
            if breach is None and workflow.now() >= deadline:
                hours = ship_by.total_seconds() / 3600
                reason = f"not shipped from {', '.join(pending)} within {hours:g} h of release"
                breach = await self._raise("sla_breach", "ship", reason, hold=False, details={"pending": pending})
                self._waiting_on.append(breach)
            if breach is not None and breach.id in self._resolutions:
                resolution = self._resolutions[breach.id]
                await self._close(breach, resolution)
                if resolution.action == "cancel":
                    await self._cancel_now(
                        CancelRequest(resolution.note or "cancelled after SLA breach", resolution.actor)
                    )
                elif resolution.action == "retry":
                    deadline = workflow.now() + ship_by
                    breach = None
            await self._watch_authorisation(pending)
            await self._act_on_outside_decisions(breach)
            exception_pings = self._exception_pings
            if not await self._wait_for_news(breach, deadline):
                # Nothing heard for a while: a signal may have been lost (the API died after the
                # commit), so read the store.
                recorded = set(await self._store(A.shipped_locations, self._order_id))
                await self._adopt_open_exceptions()
            elif self._exception_pings != exception_pings:
                await self._adopt_open_exceptions()

    async def _wait_for_news(self, breach: OpenException | None, deadline: Any) -> bool:
        """Wait for a shipment ping, a cancel or a decision on the breach; False if the wait timed out."""
        timeout = self._policy.recheck_interval_s
        if breach is None:
            timeout = min(timeout, max((deadline - workflow.now()).total_seconds(), 0.001))
        lapsing = self._authorisation_deadline()
        if lapsing is not None and self._auth_alert is None:
            timeout = min(timeout, max((lapsing - workflow.now()).total_seconds(), 0.001))
        pings, exception_pings = self._pings, self._exception_pings
        if self._paying:  # orders started before payments wait as they always did (replays stay the same)
            pings = self._pings_seen
        try:
            await workflow.wait_condition(
                lambda: (
                    self._pings != pings
                    or self._exception_pings != exception_pings
                    or self._cancel is not None
                    or self._edit is not None
                    or any(e.id in self._resolutions for e in self._waiting_on)
                ),
                timeout=timeout,
            )
        except TimeoutError:
            return False
        return True
