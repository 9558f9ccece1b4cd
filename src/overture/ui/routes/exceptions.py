"""The exception queue and its actions: resolve one or many, the edit / price / reroute forms, assign.

Actions run the same use case as POST /v1/exceptions/{id}/resolve (services/operator_actions.py),
so the workflow update, the checks and the errors are the same. A refusal is answered 409 with its
reason in words; an accepted decision is answered with what it led to (services/outcomes.py): the
row shown again, resolved, saying so ("held again: ..."), and the rows of any new hold.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import Form, Query, Request
from fastapi.responses import HTMLResponse
from pydantic import ValidationError

from overture.bootstrap import Container
from overture.domain.digits import is_digits
from overture.services import operator_actions
from overture.services.amendments import fillable_locations
from overture.services.errors import NotFound, ServiceError
from overture.services.outcomes import AfterDecision, after_decision
from overture.ui.explain import explain_after, explain_exception
from overture.ui.routes.common import fragment, is_htmx, now, page, page_router
from overture.ui.routes.queue_filter import (
    BULK_ACTIONS,
    bulk_choices,
    cursor_text,
    filter_query,
    queue_filter,
    refusal,
)
from overture.ui.session import Actor
from overture.web.deps import ContainerDep, workflow_gateway
from overture.web.htmx_errors import plain_reason
from overture.web.schemas import ResolveIn

ACTIONS = ("retry", "override", "edit", "reroute", "cancel")
PRICE_EXCEPTIONS = ("price_mismatch", "low_margin")  # an override may set the price (with a reason)
FORMS = ("edit", "price", "reroute")  # the actions that open a small form in the row

router = page_router()


def rows_shown(container: Container, found: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Queue rows as _queue_row.html shows them: explained, aged, with the actions offered (the order page too)."""
    at = now(container)
    for row in found:
        row["explanation"] = explain_exception(row)
        row["age_hours"] = (at - row["created_at"]).total_seconds() / 3600
        row["actions"] = [a for a in row["allowed_actions"] if a in ACTIONS]
        row["bulk_actions"] = [a for a in row["actions"] if a in BULK_ACTIONS]
        row["price_override"] = "override" in row["actions"] and row["type"] in PRICE_EXCEPTIONS
    return found


def _queue_page(container: Container, params: Mapping[str, str]) -> dict[str, Any]:
    """One page of the queue, where it sits among all that match (shown 51-100 of 230), and its links."""
    wanted, errors = queue_filter(params)
    at = now(container)
    reads = container.dashboard
    found = rows_shown(container, reads.queue(wanted, at))
    total = reads.queue_count(wanted, at)
    start = reads.queue_count(wanted, at, before=(found[0]["created_at"], found[0]["id"])) if found else 0
    query = filter_query(params)
    link = "/exceptions?" + (query + "&" if query else "")
    return {
        "rows": found,
        "filters": wanted,
        "errors": errors,
        "total": total,
        "first": start + 1 if found else 0,
        "last": start + len(found),
        "previous": link + urlencode({"before": cursor_text(found[0])}) if found and start > 0 else None,
        "next": link + urlencode({"after": cursor_text(found[-1])}) if found and start + len(found) < total else None,
        "bulk_choices": bulk_choices(found),
    }


@router.get("/exceptions", response_class=HTMLResponse)
def exception_queue(request: Request, container: ContainerDep) -> HTMLResponse:
    """Filters: type, channel, partner, assignee ("-": nobody), older_than_hours, younger_than_hours;
    pages: after / before a row's cursor (the next / previous links)."""
    context = {"page": "exceptions", **_queue_page(container, request.query_params)}
    context["choices"] = container.dashboard.queue_choices()
    status = 422 if context["errors"] else 200
    if is_htmx(request):
        return fragment(request, "_queue_rows.html", context, status_code=status)
    return page(request, "exceptions.html", context, status_code=status)


async def _resolve(
    request: Request,
    container: Container,
    exception_id: str,
    action: str,
    note: str,
    actor: str,
    extra: dict[str, Any] | None = None,
) -> tuple[str | None, str | None]:
    """Resolve one exception as the API does: (the error in plain words, None) when it is refused,
    else (None, the order's id). ``extra``: the edit's ``lines``, the override's ``unit_prices`` or the
    reroute's ``location_id``."""
    try:
        body = ResolveIn.model_validate({"action": action, "actor": actor, "note": note, **(extra or {})})
    except ValidationError as error:
        return "; ".join(f"{'.'.join(map(str, e['loc']))}: {plain_reason(e['msg'])}" for e in error.errors()), None
    exception = container.views.exception(exception_id)
    refused = refusal(action, exception) if exception else None
    if refused:  # said before the workflow is asked (which would refuse it too)
        return refused, None
    try:
        workflows = workflow_gateway(request)
        decision = body.decision(exception_id, actor)
        order_id = await operator_actions.resolve_exception(
            container.uow, container.views, workflows, decision, clock=container.clock
        )
    except ServiceError as error:
        return plain_reason(str(error)), None
    return None, order_id


async def _answer(request: Request, container: Container, exception_id: str, action: str, outcome: Any) -> HTMLResponse:
    """A refusal goes where the row's answers go; what an accepted decision led to replaces the row,
    followed by the rows of any new hold on the order."""
    error, order_id = outcome
    if error or order_id is None:
        refused = {"id": exception_id, "action": action, "error": error}
        return fragment(request, "_outcome.html", {"outcomes": [refused]}, status_code=409)
    after = await after_decision(container.dashboard, exception_id, order_id)
    context = {"rows": _after_rows(container, after, action), "oob": False}
    answer = fragment(request, "_queue_after.html", context)
    answer.headers["HX-Retarget"] = f"#exc-{exception_id}"
    answer.headers["HX-Reswap"] = "outerHTML"
    return answer


def _after_rows(container: Container, after: AfterDecision, action: str) -> list[dict[str, Any]]:
    ids = [after.exception_id, *(str(h["id"]) for h in after.new_holds)]
    found = {r["id"]: r for r in rows_shown(container, container.dashboard.queue_entries(ids))}
    decided = found.get(after.exception_id, {"id": after.exception_id})
    decided["happened"] = explain_after(after, action)
    return [decided, *(found[i] for i in ids[1:] if i in found)]


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
    outcome = await _resolve(request, container, exception_id, action, note, actor)
    return await _answer(request, container, exception_id, action, outcome)


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
    outcome = await _resolve(request, container, exception_id, action, note, actor, extra)
    return await _answer(request, container, exception_id, action, outcome)


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
        if is_digits(changed.get("quantity", "")):  # else sent as typed: the API names the field
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
    """Each selected exception decided alone (one refused does not stop the others), each said in words;
    the rows decided are shown again, out of band, with what happened."""
    outcomes, decided = [], []
    for exception_id in dict.fromkeys(ids):
        if action == "assign":
            changed = container.dashboard.assign([exception_id], actor)
            error = None if changed else f"exception {exception_id} is not open"
            outcomes.append({"id": exception_id, "action": action, "error": error, "happened": "assigned to you"})
            continue
        error, order_id = await _resolve(request, container, exception_id, action, note, actor)
        outcomes.append({"id": exception_id, "action": action, "error": error})
        if order_id is not None:
            decided.append((exception_id, order_id))
    afters = await asyncio.gather(*(after_decision(container.dashboard, e, o, wait_s=3.0) for e, o in decided))
    rows = []
    for after in afters:
        rows.extend(_after_rows(container, after, action)[:1])
        next(o for o in outcomes if o["id"] == after.exception_id)["happened"] = rows[-1]["happened"]
    failed = any(o["error"] for o in outcomes)
    context = {"outcomes": outcomes, "rows": rows}
    return fragment(request, "_bulk_outcome.html", context, status_code=207 if failed else 200)


@router.post("/exceptions/{exception_id}/assign", response_class=HTMLResponse)
def assign_to_me(request: Request, exception_id: str, container: ContainerDep, actor: Actor) -> HTMLResponse:
    changed = container.dashboard.assign([exception_id], actor)
    error = None if changed else f"exception {exception_id} is not open (or does not exist)"
    outcome = {"id": exception_id, "action": "assign", "error": error, "happened": "assigned to you"}
    return fragment(request, "_outcome.html", {"outcomes": [outcome]}, status_code=409 if error else 200)
