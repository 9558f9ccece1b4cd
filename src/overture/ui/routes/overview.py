"""The overview page (``/``) and its KPI tiles, which it re-fetches."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from fastapi import Request
from fastapi.responses import HTMLResponse

from overture.bootstrap import Container
from overture.ui.charts import bar_chart, line_chart
from overture.ui.routes.common import fragment, now, page, page_router
from overture.web.deps import ContainerDep

router = page_router()
# The queue filtered to each age band of the overview (store/dashboard/overview.py AGE_BANDS, in order).
AGE_LINKS = [
    "/exceptions?younger_than_hours=1",
    "/exceptions?older_than_hours=1&younger_than_hours=4",
    "/exceptions?older_than_hours=4&younger_than_hours=24",
    "/exceptions?older_than_hours=24",
]


def _overview_context(container: Container) -> dict[str, Any]:
    at = now(container)
    data = container.dashboard.overview(at)
    per_hour = [(hour.strftime("%H:00"), float(n)) for hour, n in data["orders_per_hour"]]
    data["orders_chart"] = line_chart(
        per_hour,
        title="Orders per hour, last 24 hours",
        x_label="Hour (UTC)",
        y_label="Orders",
        chart_id="chart-orders-per-hour",
        label_every=4,
    )
    data["status_links"] = {s: "/orders?" + urlencode({"status": s}) for s, _ in data["by_status"]}
    data["status_chart"] = bar_chart(
        [(s, float(n)) for s, n in data["by_status"]],
        title="Orders by status",
        x_label="Status",
        y_label="Orders",
        chart_id="chart-orders-by-status",
        links=list(data["status_links"].values()),
    )
    data["age_links"] = dict(zip((label for label, _ in data["exceptions_by_age"]), AGE_LINKS, strict=True))
    data["age_chart"] = bar_chart(
        [(label, float(n)) for label, n in data["exceptions_by_age"]],
        title="Open exceptions by age",
        x_label="Age",
        y_label="Open exceptions",
        chart_id="chart-exceptions-by-age",
        links=AGE_LINKS,
    )
    data["transitions"] = sum(s["count"] for s in data["step_durations"])
    data["total_orders"] = sum(n for _, n in data["by_status"])
    data["open_exceptions"] = sum(n for _, n in data["exceptions_by_type"])
    data["now"] = at
    return data


@router.get("/", response_class=HTMLResponse)
def overview(request: Request, container: ContainerDep) -> HTMLResponse:
    return page(request, "overview.html", {"page": "overview", **_overview_context(container)})


@router.get("/ui/overview/tiles", response_class=HTMLResponse)
def overview_tiles(request: Request, container: ContainerDep) -> HTMLResponse:
    """The KPI tiles alone, which the overview re-fetches every 30 seconds."""
    return fragment(request, "_tiles.html", _overview_context(container))
