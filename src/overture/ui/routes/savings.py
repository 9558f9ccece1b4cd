"""The savings and maturity page, and its settings form (the calculator's inputs, known channels)."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from typing import Annotated, Any

from fastapi import Form, Request
from fastapi.responses import HTMLResponse

from overture.bootstrap import Container
from overture.domain.savings import (
    InvalidSetting,
    MaturitySignals,
    WorkCounts,
    assess_maturity,
    manual_work_cost,
    parse_inputs,
)
from overture.ui.routes.common import fragment, is_htmx, now, page, page_router
from overture.ui.session import current_actor
from overture.web.deps import ContainerDep

SAVINGS_DAYS = 30
# Under a day of activity, a rate per day (let alone per year) says more about the hour the store was
# started than about the operation: the page shows what was measured and extrapolates nothing.
MIN_PERIOD = timedelta(days=1)

router = page_router()


def measured_period(first_order_at: datetime | None, at: datetime, window_days: int) -> timedelta:
    """What the counts were measured over: the window, or the store's age when it is younger."""
    window = timedelta(days=window_days)
    if first_order_at is None:
        return timedelta(0)
    return max(timedelta(0), min(window, at - first_order_at))


def _savings_context(container: Container) -> dict[str, Any]:
    reads = container.dashboard
    inputs = reads.settings()
    at = now(container)
    counts = reads.work_counts(at, SAVINGS_DAYS)
    period = measured_period(counts["first_order_at"], at, SAVINGS_DAYS)
    days = Decimal(period.total_seconds()) / Decimal(86400)
    cost = None
    if period >= MIN_PERIOD:
        work = WorkCounts(days, counts["orders"], counts["touched_orders"], counts["manual_exceptions"])
        cost = manual_work_cost(inputs, work)
    known = list(inputs.known_channels) or reads.recent_channels()
    connected = reads.channels_active_since(known, now(container) - timedelta(days=30))
    signals = MaturitySignals(
        len(known), len(connected), counts["touchless"]["rate"], counts["median_resolution_hours"]
    )
    return {
        "page": "savings",
        "inputs": inputs,
        "counts": counts,
        "cost": cost,
        "period": period,
        "whole_window": period >= timedelta(days=SAVINGS_DAYS),
        "min_period": MIN_PERIOD,
        "currency": inputs.currency or counts["currency"],
        "maturity": assess_maturity(signals),
        "known_channels": known,
        "connected_channels": connected,
        "channels_from_orders": not inputs.known_channels,
    }


@router.get("/savings", response_class=HTMLResponse)
def savings(request: Request, container: ContainerDep) -> HTMLResponse:
    return page(request, "savings.html", _savings_context(container))


@router.post("/savings", response_class=HTMLResponse)
def save_savings(
    request: Request,
    container: ContainerDep,
    minutes_per_manual_order: Annotated[str, Form()],
    loaded_hourly_cost: Annotated[str, Form()],
    known_channels: Annotated[str, Form()] = "",
    currency: Annotated[str, Form()] = "",
) -> HTMLResponse:
    try:
        inputs = parse_inputs(minutes_per_manual_order, loaded_hourly_cost, known_channels, currency)
    except InvalidSetting as error:
        context = _savings_context(container)
        context["error"] = str(error)
        context["error_field"] = error.field
        name = "_savings_body.html" if is_htmx(request) else "savings.html"
        render = fragment if is_htmx(request) else page
        return render(request, name, context, status_code=422)
    container.dashboard.save_settings(inputs, now(container), actor=current_actor(request))
    context = _savings_context(container)
    context["saved"] = True
    if is_htmx(request):
        return fragment(request, "_savings_body.html", context)
    return page(request, "savings.html", context)
