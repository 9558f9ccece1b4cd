"""The dashboard's pages and actions. Every one goes through ``current_actor`` (ui/session.py).

Pages are whole HTML documents; requests made by htmx (``HX-Request``) get just the fragment
they replace. Exception actions call the API's own resolve code, so the workflow update, the
checks and the errors are the same as for POST /v1/exceptions/{id}/resolve.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, FastAPI, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from pydantic import ValidationError

from overture.api.deps import ContainerDep, get_order_workflows
from overture.api.routers.exceptions import ResolveIn, resolve_exception
from overture.bootstrap import Container
from overture.domain.exceptions import ExceptionType
from overture.domain.savings import (
    InvalidSetting,
    MaturitySignals,
    WorkCounts,
    assess_maturity,
    manual_work_cost,
    parse_inputs,
)
from overture.services.amendments import fillable_locations
from overture.services.errors import NotFound, ServiceError
from overture.services.sourcing import routing_decisions
from overture.store.dashboard import QueueFilter, SqlDashboard
from overture.ui.charts import bar_chart, line_chart
from overture.ui.explain import explain_exception
from overture.ui.session import Actor, can_act, csrf_token, current_actor, signed_in_role

HERE = Path(__file__).resolve().parent
STATIC = HERE / "static"
HTMX_FILE = "vendor/htmx.min.js"
ACTIONS = ("retry", "override", "edit", "reroute", "cancel")
PRICE_EXCEPTIONS = ("price_mismatch", "low_margin")  # an override may set the price (with a reason)
FORMS = ("edit", "price", "reroute")  # the actions that open a small form in the row
SAVINGS_DAYS = 30

templates = Jinja2Templates(directory=HERE / "templates")


def _duration(seconds: float | None) -> str:
    """Seconds as the largest sensible unit: 45 s, 12.5 min, 3.2 h, 2.1 d."""
    if seconds is None:
        return "–"
    for unit, size in (("d", 86400), ("h", 3600), ("min", 60)):
        if seconds >= size:
            return f"{seconds / size:.1f} {unit}"
    return f"{seconds:.0f} s"


templates.env.filters["duration"] = _duration
router = APIRouter(include_in_schema=False, dependencies=[Depends(current_actor)])


def install(app: FastAPI) -> None:
    """Mount the dashboard on ``app``: pages at ``/``, files at ``/static``."""
    app.include_router(router)
    app.mount("/static", StaticFiles(directory=STATIC, check_dir=False), name="ui-static")


def _dashboard(container: Container) -> SqlDashboard:
    return SqlDashboard(container.engine)


def _now(container: Container) -> datetime:
    return container.clock()


def _htmx_missing(request: Request) -> bool:
    vendor: Path = getattr(request.app.state, "ui_static_dir", STATIC)
    return not (vendor / HTMX_FILE).is_file()


def _page(request: Request, name: str, context: dict[str, Any], status_code: int = 200) -> HTMLResponse:
    if _htmx_missing(request):
        # Without htmx filters, bulk actions and refreshes do nothing: say how to fix it instead.
        return templates.TemplateResponse(request, "missing_htmx.html", {"file": HTMX_FILE}, status_code=503)
    return templates.TemplateResponse(request, name, _with_session(request, context), status_code=status_code)


def _fragment(request: Request, name: str, context: dict[str, Any], status_code: int = 200) -> HTMLResponse:
    return templates.TemplateResponse(request, name, _with_session(request, context), status_code=status_code)


def _with_session(request: Request, context: dict[str, Any]) -> dict[str, Any]:
    # Who is signed in (the header), whether to show actions (viewers see none), and the CSRF token
    # that base.html sends with every htmx request and forms carry as a hidden field.
    context.setdefault("actor", current_actor(request))
    context.setdefault("role", signed_in_role(request))
    context.setdefault("can_act", can_act(request))
    context.setdefault("csrf_token", csrf_token(request))
    return context


def _is_htmx(request: Request) -> bool:
    return request.headers.get("HX-Request") == "true"


# --- overview ------------------------------------------------------------------------------------


def _overview_context(container: Container) -> dict[str, Any]:
    now = _now(container)
    data = _dashboard(container).overview(now)
    per_hour = [(at.strftime("%H:00"), float(n)) for at, n in data["orders_per_hour"]]
    data["orders_chart"] = line_chart(
        per_hour,
        title="Orders per hour, last 24 hours",
        x_label="Hour (UTC)",
        y_label="Orders",
        chart_id="chart-orders-per-hour",
        label_every=4,
    )
    data["status_chart"] = bar_chart(
        [(s, float(n)) for s, n in data["by_status"]],
        title="Orders by status",
        x_label="Status",
        y_label="Orders",
        chart_id="chart-orders-by-status",
    )
    data["age_chart"] = bar_chart(
        [(label, float(n)) for label, n in data["exceptions_by_age"]],
        title="Open exceptions by age",
        x_label="Age",
        y_label="Open exceptions",
        chart_id="chart-exceptions-by-age",
    )
    data["total_orders"] = sum(n for _, n in data["by_status"])
    data["open_exceptions"] = sum(n for _, n in data["exceptions_by_type"])
    data["now"] = now
    return data


@router.get("/", response_class=HTMLResponse)
def overview(request: Request, container: ContainerDep) -> HTMLResponse:
    return _page(request, "overview.html", {"page": "overview", **_overview_context(container)})


@router.get("/ui/overview/tiles", response_class=HTMLResponse)
def overview_tiles(request: Request, container: ContainerDep) -> HTMLResponse:
    """The KPI tiles alone, which the overview re-fetches every 30 seconds."""
    return _fragment(request, "_tiles.html", _overview_context(container))


# --- exception queue -----------------------------------------------------------------------------


def _queue_filter(
    kind: str | None, channel: str | None, partner: str | None, assignee: str | None, older_than_hours: str | None
) -> tuple[QueueFilter, list[str]]:
    errors = []
    if kind and kind not in {t.value for t in ExceptionType}:
        errors.append(f"type: {kind!r} is not an exception type")
        kind = None
    hours: float | None = None
    if older_than_hours:
        try:
            hours = float(older_than_hours)
            if hours < 0:
                raise ValueError
        except ValueError:
            errors.append(f"older_than_hours: {older_than_hours!r} is not a number of hours (0 or more)")
            hours = None
    wanted = QueueFilter(kind or None, channel or None, partner or None, assignee or None, hours)
    return wanted, errors


def _queue_rows(container: Container, wanted: QueueFilter) -> list[dict[str, Any]]:
    now = _now(container)
    rows = _dashboard(container).queue(wanted, now)
    for row in rows:
        row["explanation"] = explain_exception(row)
        row["age_hours"] = (now - row["created_at"]).total_seconds() / 3600
        row["actions"] = [a for a in row["allowed_actions"] if a in ACTIONS]
        row["price_override"] = "override" in row["actions"] and row["type"] in PRICE_EXCEPTIONS
    return rows


@router.get("/exceptions", response_class=HTMLResponse)
def exception_queue(
    request: Request,
    container: ContainerDep,
    type: str | None = None,  # noqa: A002 - the filter is called "type" everywhere else too
    channel: str | None = None,
    partner: str | None = None,
    assignee: str | None = None,
    older_than_hours: str | None = None,
) -> HTMLResponse:
    wanted, errors = _queue_filter(type, channel, partner, assignee, older_than_hours)
    context = {
        "page": "exceptions",
        "rows": _queue_rows(container, wanted),
        "filters": wanted,
        "errors": errors,
        "choices": _dashboard(container).queue_choices(),
    }
    if _is_htmx(request):
        return _fragment(request, "_queue_rows.html", context, status_code=422 if errors else 200)
    return _page(request, "exceptions.html", context, status_code=422 if errors else 200)


async def _resolve(
    request: Request,
    container: Container,
    exception_id: str,
    action: str,
    note: str,
    actor: str,
    extra: dict[str, Any] | None = None,
) -> str | None:
    """Resolve one exception through the API's own code; the error text when it is refused.

    ``extra``: the edit's ``lines``, the override's ``unit_prices`` or the reroute's ``location_id``."""
    try:
        body = ResolveIn.model_validate({"action": action, "actor": actor, "note": note, **(extra or {})})
    except ValidationError as error:
        return "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in error.errors())
    try:
        workflows = get_order_workflows(request)
        await resolve_exception(exception_id, body, request, container, workflows)
    except ServiceError as error:
        return str(error)
    return None


@router.post("/exceptions/{exception_id}/resolve", response_class=HTMLResponse)
async def resolve_one(
    request: Request,
    exception_id: str,
    container: ContainerDep,
    actor: Actor,
    action: Annotated[str, Form()],
    note: Annotated[str, Form()] = "",
) -> HTMLResponse:
    # An override asks for its reason with htmx's prompt, which arrives as a header.
    note = note or request.headers.get("HX-Prompt", "")
    error = await _resolve(request, container, exception_id, action, note, actor)
    outcome = {"id": exception_id, "action": action, "error": error}
    return _fragment(request, "_outcome.html", {"outcomes": [outcome]}, status_code=409 if error else 200)


@router.get("/exceptions/{exception_id}/form", response_class=HTMLResponse)
def action_form(
    request: Request, exception_id: str, container: ContainerDep, kind: Annotated[str, Query(alias="for")]
) -> HTMLResponse:
    """The small form an edit, a price override or a reroute needs, for one row of the queue."""
    exception = container.views.exception(exception_id)
    if kind not in FORMS or exception is None:
        return _fragment(request, "_outcome.html", {"outcomes": [_form_refused(exception_id, kind)]}, 404)
    order = container.views.order(exception["order_id"]) or {"lines": []}
    context: dict[str, Any] = {"exception": exception, "kind": kind, "lines": order["lines"]}
    if kind == "reroute":
        context["locations"] = _reroute_choices(container, exception["order_id"])
    return _fragment(request, "_action_form.html", context)


def _form_refused(exception_id: str, kind: str) -> dict[str, Any]:
    return {"id": exception_id, "action": kind, "error": f"no {kind!r} form for exception {exception_id}"}


def _reroute_choices(container: Container, order_id: str) -> list[dict[str, Any]]:
    """Active locations, the ones whose stock covers the whole order first."""
    try:
        fillable = fillable_locations(container.uow, order_id)
    except NotFound:
        fillable = set()
    active = [loc for loc in container.views.locations() if loc.get("active", True)]
    choices = [{"id": loc["id"], "name": loc.get("name") or "", "can_fill": loc["id"] in fillable} for loc in active]
    return sorted(choices, key=lambda c: (not c["can_fill"], c["id"]))


@router.post("/exceptions/{exception_id}/amend", response_class=HTMLResponse)
async def resolve_with_form(
    request: Request,
    exception_id: str,
    container: ContainerDep,
    actor: Actor,
    kind: Annotated[str, Form()],
    note: Annotated[str, Form()] = "",
    location_id: Annotated[str, Form()] = "",
) -> HTMLResponse:
    """An edit (lines), a price override (unit prices) or a reroute (a location) from the row's form."""
    form = await request.form()
    if kind == "reroute":
        action, extra = "reroute", ({"location_id": location_id} if location_id else {})
    else:
        action, extra = _line_changes(container, exception_id, kind, form)
    error = await _resolve(request, container, exception_id, action, note, actor, extra)
    outcome = {"id": exception_id, "action": action, "error": error}
    return _fragment(request, "_outcome.html", {"outcomes": [outcome]}, status_code=409 if error else 200)


def _line_changes(container: Container, exception_id: str, kind: str, form: Any) -> tuple[str, dict[str, Any]]:
    """The fields the person changed, line by line (an unchanged field is not sent, so not edited)."""
    exception = container.views.exception(exception_id)
    order = container.views.order(exception["order_id"]) if exception else None
    current = {line["line_no"]: line for line in (order or {}).get("lines", [])}
    changes: list[dict[str, Any]] = []
    for line_no, line in current.items():
        wanted = {f: (form.get(f"{f}-{line_no}") or "").strip() for f in ("sku", "quantity", "unit_price")}
        changed = {f: v for f, v in wanted.items() if v and v != str(line[f])}
        if "unit_price" in changed and _same_amount(changed["unit_price"], line["unit_price"]):
            del changed["unit_price"]
        if changed.get("quantity", "").isdigit():  # else sent as typed: the API names the field
            changed["quantity"] = int(changed["quantity"])
        if changed:
            changes.append({"line_no": line_no, **changed})
    if kind == "price":
        prices = [{"line_no": c["line_no"], "unit_price": c["unit_price"]} for c in changes if "unit_price" in c]
        return "override", {"unit_prices": prices}
    return "edit", {"lines": changes}


def _same_amount(text: str, amount: Any) -> bool:
    try:
        return Decimal(text) == Decimal(str(amount))
    except InvalidOperation:
        return False


@router.post("/exceptions/bulk", response_class=HTMLResponse)
async def resolve_bulk(
    request: Request,
    container: ContainerDep,
    actor: Actor,
    action: Annotated[str, Form()],
    ids: Annotated[list[str], Form()],
    note: Annotated[str, Form()] = "",
) -> HTMLResponse:
    outcomes = []
    for exception_id in dict.fromkeys(ids):
        if action == "assign":
            changed = _dashboard(container).assign([exception_id], actor)
            error = None if changed else f"exception {exception_id} is not open"
        else:
            error = await _resolve(request, container, exception_id, action, note, actor)
        outcomes.append({"id": exception_id, "action": action, "error": error})
    failed = any(o["error"] for o in outcomes)
    return _fragment(request, "_outcome.html", {"outcomes": outcomes}, status_code=207 if failed else 200)


@router.post("/exceptions/{exception_id}/assign", response_class=HTMLResponse)
def assign_to_me(request: Request, exception_id: str, container: ContainerDep, actor: Actor) -> HTMLResponse:
    changed = _dashboard(container).assign([exception_id], actor)
    error = None if changed else f"exception {exception_id} is not open (or does not exist)"
    outcome = {"id": exception_id, "action": "assign", "error": error}
    return _fragment(request, "_outcome.html", {"outcomes": [outcome]}, status_code=409 if error else 200)


# --- order page and documents --------------------------------------------------------------------


@router.get("/orders/{order_id}", response_class=HTMLResponse)
def order_page(request: Request, order_id: str, container: ContainerDep) -> HTMLResponse:
    order = container.views.order(order_id)
    if order is None:
        return _page(request, "not_found.html", {"what": f"order {order_id}"}, status_code=404)
    routing = routing_decisions(container.uow, order_id)
    documents = _dashboard(container).documents(order_id, order["raw_message_id"])
    promised = _promised(order)
    shipped_at = max((s["shipped_at"] for s in documents["shipments"]), default=None)
    for entry in order["timeline"]:
        if entry["type"] == "exception":
            exc = next(x for x in order["exceptions"] if x["id"] == entry["exception_id"])
            entry["resolved_by"] = exc["resolved_by"]
            entry["resolution"] = exc["resolution"]
            entry["resolved_at"] = exc["resolved_at"]
            entry["resolution_note"] = exc["resolution_note"]
    context = {
        "page": "order",
        "order": order,
        "routing": routing,
        "documents": documents,
        "promised": promised,
        "shipped_at": shipped_at,
    }
    return _page(request, "order.html", context)


def _promised(order: dict[str, Any]) -> str | None:
    """The latest promise on a backordered line, else the ship-by the routing decision recorded."""
    promises = [line["promised_at"] for line in order["lines"] if line.get("promised_at")]
    if promises:
        return str(max(promises).strftime("%Y-%m-%d %H:%M"))
    for decision in reversed(order["decisions"]):
        inputs = decision.get("inputs") or {}
        for key in ("promised_ship_by", "ship_by", "promise"):
            if inputs.get(key):
                return str(inputs[key])
    return None


@router.get("/messages/{message_id}", response_class=HTMLResponse)
def inbound_message(request: Request, message_id: str, container: ContainerDep) -> Response:
    message = _dashboard(container).inbound_message(message_id)
    if message is None:
        return _page(request, "not_found.html", {"what": f"message {message_id}"}, status_code=404)
    body = bytes(message["body"])
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        text = body.hex(" ")
    return _page(
        request, "raw.html", {"page": "order", "title": f"Received {message_id}", "meta": message, "text": text}
    )


@router.get("/documents/{document_id}", response_class=HTMLResponse)
def outbound_document(request: Request, document_id: str, container: ContainerDep) -> Response:
    document = _dashboard(container).outbound_document(document_id)
    if document is None:
        return _page(request, "not_found.html", {"what": f"document {document_id}"}, status_code=404)
    title = f"Sent {document['kind']} {document_id}"
    return _page(request, "raw.html", {"page": "order", "title": title, "meta": document, "text": document["body"]})


# --- search --------------------------------------------------------------------------------------


@router.get("/search", response_class=HTMLResponse)
def search(request: Request, container: ContainerDep, q: Annotated[str, Query(max_length=255)] = "") -> Response:
    results = _dashboard(container).search(q)
    if len(results) == 1 and not _is_htmx(request):
        return RedirectResponse(f"/orders/{results[0]['id']}", status_code=303)
    return _page(request, "search.html", {"page": "search", "q": q, "results": results})


# --- inventory -----------------------------------------------------------------------------------


@router.get("/inventory", response_class=HTMLResponse)
def inventory_page(
    request: Request, container: ContainerDep, sku: Annotated[str, Query(max_length=64)] = ""
) -> HTMLResponse:
    context: dict[str, Any] = {"page": "inventory", "sku": sku, "item": None, "reservations": []}
    if sku:
        item = container.views.inventory(sku)
        if item is None:
            context["error"] = f"sku: no SKU {sku!r}"
            return _page(request, "inventory.html", context, status_code=404)
        context["item"] = item
        dashboard = _dashboard(container)
        context["reservations"] = dashboard.open_reservations(sku)
        context["channels"] = dashboard.channel_availability(sku)
        context["backorders"] = dashboard.backorders(sku)
        context["supply"] = dashboard.open_supply(sku)
    return _page(request, "inventory.html", context)


# --- savings and maturity ------------------------------------------------------------------------


def _savings_context(container: Container) -> dict[str, Any]:
    dashboard = _dashboard(container)
    inputs = dashboard.settings()
    counts = dashboard.work_counts(_now(container), SAVINGS_DAYS)
    work = WorkCounts(SAVINGS_DAYS, counts["orders"], counts["touched_orders"], counts["manual_exceptions"])
    known = list(inputs.known_channels) or dashboard.recent_channels()
    connected = dashboard.channels_active_since(known, _now(container) - timedelta(days=30))
    signals = MaturitySignals(
        len(known), len(connected), counts["touchless"]["rate"], counts["median_resolution_hours"]
    )
    return {
        "page": "savings",
        "inputs": inputs,
        "counts": counts,
        "cost": manual_work_cost(inputs, work),
        "maturity": assess_maturity(signals),
        "known_channels": known,
        "connected_channels": connected,
        "channels_from_orders": not inputs.known_channels,
    }


@router.get("/savings", response_class=HTMLResponse)
def savings(request: Request, container: ContainerDep) -> HTMLResponse:
    return _page(request, "savings.html", _savings_context(container))


@router.post("/savings", response_class=HTMLResponse)
def save_savings(
    request: Request,
    container: ContainerDep,
    minutes_per_manual_order: Annotated[str, Form()],
    loaded_hourly_cost: Annotated[str, Form()],
    known_channels: Annotated[str, Form()] = "",
) -> HTMLResponse:
    try:
        inputs = parse_inputs(minutes_per_manual_order, loaded_hourly_cost, known_channels)
    except InvalidSetting as error:
        context = _savings_context(container)
        context["error"] = str(error)
        context["error_field"] = error.field
        name = "_savings_body.html" if _is_htmx(request) else "savings.html"
        render = _fragment if _is_htmx(request) else _page
        return render(request, name, context, status_code=422)
    _dashboard(container).save_settings(inputs, _now(container))
    context = _savings_context(container)
    context["saved"] = True
    if _is_htmx(request):
        return _fragment(request, "_savings_body.html", context)
    return _page(request, "savings.html", context)
