"""The orders list (``/orders``): every order, filtered, searched, paged by id, and exported as CSV.

The filters are query parameters, so every chart bar and tile of the overview links to its list and
a filtered list can be bookmarked or sent: status, channel, partner, location, exception (an open
exception type), sla (at_risk, breached), min_age_h / max_age_h (hours since capture), q (any part
of an id, a reference, a name, an e-mail, a postal code or a tracking number), sort (newest, oldest),
and after / before (the paging cursor).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, cast, get_args
from urllib.parse import urlencode

from fastapi import Request
from fastapi.responses import HTMLResponse, StreamingResponse

from overture.channels.csv_safety import write_csv
from overture.domain.exceptions import ExceptionType
from overture.services.ports.order_list import COUNT_CAP, OrderFilter, Sla, Sort
from overture.ui.routes.common import fragment, is_htmx, now, page, page_router
from overture.web.deps import ContainerDep

router = page_router()

EXPORT_COLUMNS = (
    "order id", "created at", "status", "channel", "channel order id", "partner", "customer", "e-mail",
    "postal code", "total", "currency", "open exceptions",
)  # fmt: skip


def _hours(name: str, value: str | None, errors: list[str]) -> float | None:
    if not value:
        return None
    try:
        hours = float(value)
    except ValueError:
        hours = -1.0
    if hours < 0:
        errors.append(f"{name}: {value!r} is not a number of hours (0 or more)")
        return None
    return hours


def _choice(name: str, value: str | None, allowed: tuple[str, ...], errors: list[str]) -> str | None:
    if value and value not in allowed:
        errors.append(f"{name}: {value!r} is not one of {', '.join(allowed)}")
        return None
    return value or None


def _filter(request: Request) -> tuple[OrderFilter, list[str]]:
    """The list's filter from the query string, and what in it could not be used (each named)."""
    q = request.query_params
    errors: list[str] = []
    exception = _choice("exception", q.get("exception"), tuple(t.value for t in ExceptionType), errors)
    sla = cast("Sla | None", _choice("sla", q.get("sla"), get_args(Sla), errors))
    sort = cast("Sort", _choice("sort", q.get("sort"), get_args(Sort), errors) or "newest")
    wanted = OrderFilter(
        status=q.get("status") or None,
        channel=q.get("channel") or None,
        partner=q.get("partner") or None,
        location=q.get("location") or None,
        exception=exception,
        sla=sla,
        min_age_h=_hours("min_age_h", q.get("min_age_h"), errors),
        max_age_h=_hours("max_age_h", q.get("max_age_h"), errors),
        q=(q.get("q") or "").strip()[:255] or None,
        sort=sort,
        after=q.get("after") or None,
        before=q.get("before") or None,
    )
    return wanted, errors


def _query_string(wanted: OrderFilter, **change: str | None) -> str:
    """The list's address with some parameters changed (paging, a chip), empty ones left out."""
    fields = {**wanted.as_dict(), **change}
    fields.pop("limit", None)
    kept = {k: v for k, v in fields.items() if v is not None and v != "" and not (k == "sort" and v == "newest")}
    return urlencode(kept)


@router.get("/orders", response_class=HTMLResponse)
def order_list(request: Request, container: ContainerDep) -> HTMLResponse:
    wanted, errors = _filter(request)
    found = container.dashboard.order_list(wanted, now(container))
    context: dict[str, Any] = {
        "page": "orders",
        "filters": wanted,
        "found": found,
        "errors": errors,
        "count_cap": COUNT_CAP,
        "choices": container.dashboard.order_choices(),
        "exception_types": [t.value for t in ExceptionType],
        "link": lambda **change: "/orders?" + _query_string(wanted, **change),
        "export": "/orders/export.csv?" + _query_string(wanted.without_paging()),
    }
    status = 422 if errors else 200
    if is_htmx(request) and request.headers.get("HX-Target") == "order-list":
        return fragment(request, "_order_rows.html", context, status_code=status)
    return page(request, "orders.html", context, status_code=status)


@router.get("/orders/export.csv")
def order_export(request: Request, container: ContainerDep) -> StreamingResponse:
    """Every order the filter matches (not just the page shown), formula-safe for spreadsheets."""
    wanted, _ = _filter(request)
    rows = container.dashboard.order_export(wanted.without_paging(), now(container))
    return StreamingResponse(
        _csv_lines(rows),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="orders.csv"'},
    )


def _csv_lines(rows: Iterator[dict[str, Any]]) -> Iterator[str]:
    yield write_csv([EXPORT_COLUMNS])
    for row in rows:
        customer, ship_to = row["customer"] or {}, row["ship_to"] or {}
        cells = [
            row["id"], row["created_at"].isoformat(), row["status"], row["channel"], row["external_id"],
            row["partner_id"] or "", customer.get("name", ""), customer.get("email", ""),
            ship_to.get("postal_code", ""), row["total"], row["currency"], " ".join(row["open_exceptions"]),
        ]  # fmt: skip
        yield write_csv([cells])
