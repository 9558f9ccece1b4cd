"""What the order workflow keeps and how it waits: its state, the store and outside calls, and
the exceptions it raises and holds the order on until a person decides (``_guarded``, ``_raise``,
``_decision``, ``_close``), and cancellation (``_cancel_now``: WMS first, then the stock).

``OrderWorkflow`` (workflow.py) is this plus its handlers and the happy path.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import Any, TypeVar

from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import ActivityError, ApplicationError, FailureError

with workflow.unsafe.imports_passed_through():
    from overture.domain.exceptions import ExceptionType, default_actions
    from overture.domain.ids import id_from
    from overture.domain.statuses import OrderStatus
    from overture.services.plans import OpenException, OrderPlan
    from overture.workflows.order.activities import OrderActivities
    from overture.workflows.order.shared import (
        CancelOutcome,
        CancelRequest,
        ExceptionArgs,
        LocationArgs,
        NoteArgs,
        PaymentHold,
        ReauthoriseArgs,
        Resolution,
        ResolveArgs,
        StatusArgs,
        StepPolicy,
    )

T = TypeVar("T")
A = OrderActivities
S = OrderStatus
STORE_CALL = {
    "start_to_close_timeout": timedelta(seconds=30),
    "retry_policy": RetryPolicy(initial_interval=timedelta(milliseconds=200), maximum_interval=timedelta(seconds=5)),
}


class Cancelled(Exception):
    pass


class Reroute(Exception):
    def __init__(self, location_id: str, resolution: Resolution | None = None) -> None:
        super().__init__(location_id)
        self.location_id = location_id
        self.resolution = resolution  # carries the location a person chose, if any


def describe(error: ActivityError) -> str:
    """The innermost cause's message: what the outside system actually said."""
    cause: BaseException | None = error
    while isinstance(cause, FailureError) and cause.cause is not None:
        cause = cause.cause
    return str(cause)


def failure_kind(error: ActivityError) -> tuple[str, dict[str, Any]]:
    """The exception an outside step's failure raises: ``api_drift`` with the vendor's raw answer and the
    fields that did not fit when the answer drifted, else ``connector_failure``."""
    cause: BaseException | None = error
    while isinstance(cause, FailureError):
        if isinstance(cause, ApplicationError) and cause.type == "ApiDriftError" and cause.details:
            drift = cause.details[0]
            return "api_drift", dict(drift) if isinstance(drift, dict) else {"raw": str(drift)}
        cause = cause.cause
    return "connector_failure", {}


class HeldOrder:
    def __init__(self) -> None:
        self._order_id = ""
        self._policy = StepPolicy()
        self._status = S.RECEIVED
        self._waiting_on: list[OpenException] = []
        self._resolutions: dict[str, Resolution] = {}
        self._cancel: CancelRequest | None = None
        self._cancel_outcome: CancelOutcome | None = None
        self._pings = 0
        self._pinged_locations: set[str] = set()
        self._stock_pings = 0
        self._exception_pings = 0
        self._closed: set[str] = set()
        self._closed_types: dict[str, str] = {}  # exception id -> type, for the amendment decision
        self._shipped_from: set[str] = set()
        self._hold = PaymentHold()  # the payment authorisation, once taken
        self._paying = False
        self._pings_seen = 0  # shipment pings counted when the shipment wait last looked
        self._captured_from: set[str] = set()
        self._auth_alert: OpenException | None = None
        self._awaiting_shipments = False
        self._generation = 0
        self._released: list[str] = []
        self._loaded = False

    # ---- exceptions and decisions ---------------------------------------------------

    async def _guarded(
        self, step: str, call: Callable[[], Awaitable[T]], *, reroute_from: str | None = None
    ) -> T | None:
        """Run an outside call; past its retries, hold the order and act on a person's decision."""
        while True:
            await self._honour_cancel()
            try:
                return await call()
            except ActivityError as error:
                resume_to = self._status
                kind, details = failure_kind(error)
                if reroute_from:
                    details["location_id"] = reroute_from
                exception = await self._raise(kind, step, describe(error), hold=True, details=details)
                resolution = await self._decision(exception)
                if resolution.action == "reroute" and reroute_from is not None:
                    raise Reroute(reroute_from, resolution) from None
                await self._advance(resume_to, f"{step} {resolution.action} by {resolution.actor}")
                if resolution.action == "override":
                    return None

    async def _raise(self, kind: str, step: str, reason: str, *, hold: bool, details: dict[str, Any]) -> OpenException:
        now = workflow.now()
        exception_id = id_from("exc", int(now.timestamp() * 1000), workflow.random().getrandbits(80))
        actions = [a.value for a in default_actions(ExceptionType(kind))]
        if details.get("location_id"):
            actions.insert(-1, "reroute")  # a failed release can go to another location
        args = ExceptionArgs(exception_id, self._order_id, kind, step, reason, hold, details, actions)
        await self._store(A.open_exception, args)
        if hold:
            self._status = S.ON_HOLD
        return OpenException(exception_id, kind, step, reason, actions)

    async def _decision(self, exception: OpenException) -> Resolution:
        """Wait (for days if need be) until a person resolves the exception or cancels the order."""
        self._waiting_on.append(exception)
        while True:
            await workflow.wait_condition(lambda: exception.id in self._resolutions or self._cancel is not None)
            if exception.id in self._resolutions:
                break
            # Cancelled while waiting: on success this raises; if the WMS refused, keep waiting.
            await self._cancel_now(self._cancel or CancelRequest("cancelled", "system"))
        resolution = self._resolutions[exception.id]
        await self._close(exception, resolution)
        if resolution.action == "cancel":
            await self._cancel_now(
                CancelRequest(resolution.note or "cancelled from the exception queue", resolution.actor)
            )
        return resolution

    async def _close(self, exception: OpenException, resolution: Resolution) -> None:
        if exception in self._waiting_on:
            self._waiting_on.remove(exception)
        self._resolutions.pop(exception.id, None)
        self._closed.add(exception.id)
        self._closed_types[exception.id] = exception.type
        args = ResolveArgs(exception.id, resolution.action, resolution.actor, resolution.note)
        await self._store(A.resolve_exception, args)

    # ---- exceptions opened outside the workflow ---------------------------------------

    async def _adopt_open_exceptions(self) -> None:
        """Wait for decisions on exceptions opened outside the workflow too (a supplier's refusal)."""
        plan: OrderPlan = await self._store(A.load_plan, self._order_id)
        known = {e.id for e in self._waiting_on} | self._closed
        self._waiting_on.extend(e for e in plan.open_exceptions if e.id not in known)

    async def _act_on_outside_decisions(self, breach: OpenException | None) -> None:
        """Carry out decisions on adopted exceptions: cancel, or reroute (placing the order again
        without the refusing location); override and retry acknowledge and keep waiting for goods."""
        decided = [
            e for e in self._waiting_on if e is not breach and e is not self._auth_alert and e.id in self._resolutions
        ]
        for exception in decided:
            resolution = self._resolutions[exception.id]
            await self._close(exception, resolution)
            if resolution.action == "cancel":
                await self._cancel_now(
                    CancelRequest(resolution.note or f"cancelled: {exception.reason}", resolution.actor)
                )
            elif resolution.action == "reroute":
                raise Reroute(exception.location_id or self._released[0], resolution)

    # ---- the payment authorisation ----------------------------------------------------

    async def _capture_as_shipped(self) -> None:
        """Capture the lines of each location as it ships, while others are still to ship (the step
        after the wait captures the rest, and would take up whatever a failure here left)."""
        shipped = self._shipped_from - self._captured_from
        if not self._paying or not shipped:
            return
        self._captured_from |= shipped
        try:
            await self._outside(A.capture_payment, self._order_id)
        except ActivityError as error:
            await self._store(A.add_note, NoteArgs(self._order_id, f"capture left for later: {describe(error)}"))

    def _authorisation_deadline(self) -> datetime | None:
        """When an order still waiting for goods must say its authorisation is about to lapse."""
        if not self._hold.capture_before:
            return None
        lapses = datetime.fromisoformat(self._hold.capture_before)
        return lapses - timedelta(seconds=self._policy.authorisation_margin_s)

    async def _watch_authorisation(self, pending: list[str]) -> None:
        """Raise a payment_authorisation exception (the order keeps waiting for its goods) in time, and act
        on the decision: retry authorises again, cancel cancels, override keeps the authorisation as it is."""
        alert = self._auth_alert
        if alert is None:
            deadline = self._authorisation_deadline()
            if deadline is not None and workflow.now() >= deadline:
                where = ", ".join(pending)
                reason = f"the payment authorisation lapses at {self._hold.capture_before}; {where} has not shipped"
                details = {"intent_id": self._hold.intent_id, "capture_before": self._hold.capture_before}
                self._auth_alert = await self._raise(
                    "payment_authorisation", "payment", reason, hold=False, details=details
                )
                self._waiting_on.append(self._auth_alert)
            return
        if alert.id not in self._resolutions:
            return
        resolution = self._resolutions[alert.id]
        await self._close(alert, resolution)
        self._auth_alert = None
        if resolution.action == "cancel":
            await self._cancel_now(
                CancelRequest(resolution.note or "cancelled: payment authorisation lapsing", resolution.actor)
            )
        elif resolution.action == "retry":
            args = ReauthoriseArgs(self._order_id, self._hold.intent_id)
            self._hold = await self._outside(A.reauthorise_payment, args)
        else:
            self._hold = PaymentHold(self._hold.intent_id, "")

    # ---- cancellation ---------------------------------------------------------------

    async def _honour_cancel(self) -> None:
        if self._cancel is not None:
            await self._cancel_now(self._cancel)

    async def _cancel_now(self, request: CancelRequest) -> None:
        """Cancel, undoing releases first; raises Cancelled, or returns if goods already left."""
        refused = [
            location
            for location in list(self._released)
            if await self._try_wms_cancel(location) not in ("cancelled", "not_found")
        ]
        if refused:
            detail = f"the WMS could not cancel at {', '.join(refused)} (already shipped or not answering)"
            await self._store(A.add_note, NoteArgs(self._order_id, f"cancel refused: {detail}"))
            self._finish_cancel_request(CancelOutcome("refused", detail))
            return
        await self._store(A.cancel_order, NoteArgs(self._order_id, f"cancelled by {request.actor}: {request.reason}"))
        self._status = S.CANCELLED
        if self._hold.intent_id:  # release what the card holds now rather than when the authorisation lapses
            try:
                await self._outside(A.void_payment, self._order_id)
            except ActivityError as error:
                await self._store(A.add_note, NoteArgs(self._order_id, f"payment not voided: {describe(error)}"))
        self._finish_cancel_request(
            CancelOutcome("cancelled", "stock released" + (" and WMS releases cancelled" if self._released else ""))
        )
        raise Cancelled()

    async def _try_wms_cancel(self, location: str) -> str:
        try:
            outcome: str = await self._outside(A.wms_cancel, LocationArgs(self._order_id, location, self._generation))
            return outcome
        except ActivityError:
            return "unanswered"

    def _finish_cancel_request(self, outcome: CancelOutcome) -> None:
        if self._cancel is not None:
            self._cancel_outcome = outcome
        self._cancel = None

    # ---- plumbing -------------------------------------------------------------------

    async def _advance(self, status: OrderStatus, note: str) -> None:
        await self._store(A.advance, StatusArgs(self._order_id, status.value, note))
        self._status = status

    async def _store(self, activity: Callable[..., Any], arg: Any) -> Any:
        return await workflow.execute_local_activity_method(activity, arg, **STORE_CALL)  # type: ignore[call-overload]

    async def _outside(self, activity: Callable[..., Any], arg: Any) -> Any:
        return await workflow.execute_activity_method(activity, arg, **self._policy.outside_call())
