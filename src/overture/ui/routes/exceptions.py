"""The exception queue and its actions: resolve one or many, the edit / price / reroute forms, assign.

Actions run the same use case as POST /v1/exceptions/{id}/resolve (services/operator_actions.py),
so the workflow update, the checks and the errors are the same.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Annotated, Any

from fastapi import Form, Query, Request
from fastapi.responses import HTMLResponse
from pydantic import ValidationError

from overture.bootstrap import Container
from overture.domain.exceptions import ExceptionType
from overture.services import operator_actions
from overture.services.amendments import fillable_locations
from overture.services.errors import NotFound, ServiceError
from overture.services.ports.dashboard import QueueFilter
from overture.ui.explain import explain_exception
from overture.ui.routes.common import fragment, is_htmx, now, page, page_router
from overture.ui.session import Actor
from overture.web.deps import ContainerDep, order_workflows_of
from overture.web.schemas import ResolveIn

ACTIONS = ("retry", "override", "edit", "reroute", "cancel")
PRICE_EXCEPTIONS = ("price_mismatch", "low_margin")  # an override may set the price (with a reason)
FORMS = ("edit", "price", "reroute")  # the actions that open a small form in the row

router = page_router()


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
    at = now(container)
    rows = container.dashboard.queue(wanted, at)
    for row in rows:
        row["explanation"] = explain_exception(row)
        row["age_hours"] = (at - row["created_at"]).total_seconds() / 3600
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
        "choices": container.dashboard.queue_choices(),
    }
    if is_htmx(request):
        return fragment(request, "_queue_rows.html", context, status_code=422 if errors else 200)
    return page(request, "exceptions.html", context, status_code=422 if errors else 200)


async def _resolve(
    request: Request,
    container: Container,
    exception_id: str,
    action: str,
    note: str,
    actor: str,
    extra: dict[str, Any] | None = None,
) -> str | None:
    """Resolve one exception as the API does; the error text when it is refused.

    ``extra``: the edit's ``lines``, the override's ``unit_prices`` or the reroute's ``location_id``."""
    try:
        body = ResolveIn.model_validate({"action": action, "actor": actor, "note": note, **(extra or {})})
    except ValidationError as error:
        return "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in error.errors())
    try:
        workflows = order_workflows_of(request)
        decision = body.decision(exception_id, actor)
        await operator_actions.resolve_exception(container.uow, container.views, workflows, decision)
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
    return fragment(request, "_outcome.html", {"outcomes": [outcome]}, status_code=409 if error else 200)


@router.get("/exceptions/{exception_id}/form", response_class=HTMLResponse)
def action_form(
    request: Request, exception_id: str, container: ContainerDep, kind: Annotated[str, Query(alias="for")]
) -> HTMLResponse:
    """The small form an edit, a price override or a reroute needs, for one row of the queue."""
    exception = container.views.exception(exception_id)
    if kind not in FORMS or exception is None:
        return fragment(request, "_outcome.html", {"outcomes": [_form_refused(exception_id, kind)]}, 404)
    order = container.views.order(exception["order_id"]) or {"lines": []}
    context: dict[str, Any] = {"exception": exception, "kind": kind, "lines": order["lines"]}
    if kind == "reroute":
        context["locations"] = _reroute_choices(container, exception["order_id"])
    return fragment(request, "_action_form.html", context)


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
    return fragment(request, "_outcome.html", {"outcomes": [outcome]}, status_code=409 if error else 200)


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
            changed = container.dashboard.assign([exception_id], actor)
            error = None if changed else f"exception {exception_id} is not open"
        else:
            error = await _resolve(request, container, exception_id, action, note, actor)
        outcomes.append({"id": exception_id, "action": action, "error": error})
    failed = any(o["error"] for o in outcomes)
    return fragment(request, "_outcome.html", {"outcomes": outcomes}, status_code=207 if failed else 200)


@router.post("/exceptions/{exception_id}/assign", response_class=HTMLResponse)
def assign_to_me(request: Request, exception_id: str, container: ContainerDep, actor: Actor) -> HTMLResponse:
    changed = container.dashboard.assign([exception_id], actor)
    error = None if changed else f"exception {exception_id} is not open (or does not exist)"
    outcome = {"id": exception_id, "action": "assign", "error": error}
    return fragment(request, "_outcome.html", {"outcomes": [outcome]}, status_code=409 if error else 200)
