"""Changing an order's lines from its page: new quantities (0 deletes a line) with a reason, previewed
or applied through the one edit path (services/order_edits.py), as ``POST /v1/orders/{id}/edits`` does:
before release directly, after release through the warehouse (asked first; refused if it cannot).
The answer says what it would do or did, in the money the order owes, where the order's other
actions answer."""

from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData

from overture.bootstrap import Container
from overture.domain.digits import is_digits
from overture.domain.money import from_minor
from overture.domain.orders import LineEdit
from overture.services import order_edits
from overture.services.amendments import Amendment
from overture.services.errors import ServiceError
from overture.services.order_edits import EditPreview
from overture.ui.routes.common import fragment, page_router
from overture.ui.session import Actor
from overture.web.deps import ContainerDep, workflow_gateway
from overture.web.htmx_errors import plain_reason

router = page_router()


@router.post("/orders/{order_id}/lines", response_class=HTMLResponse)
async def change_lines(request: Request, order_id: str, container: ContainerDep, actor: Actor) -> HTMLResponse:
    form = await request.form()
    order = container.views.order(order_id)
    if order is None:
        return _answer(request, "no such order", refused=True)
    edits = _edits(order["lines"], form)
    reason = str(form.get("reason") or "").strip()
    if not edits:
        return _answer(request, "nothing to change: every quantity is as it is", refused=True)
    if not reason:
        return _answer(request, "say why the lines change (the reason is kept on the timeline)", refused=True)
    preview = form.get("mode") == "preview"
    try:
        text = await _carry_out(request, container, order_id, edits, actor or "dashboard", reason, preview=preview)
    except ServiceError as error:
        return _answer(request, plain_reason(str(error)), refused=True)
    return _answer(request, text, refused=False)


def _edits(lines: list[dict[str, Any]], form: FormData) -> list[LineEdit]:
    """A field ``qty_<line_no>`` per line: its new quantity (0 deletes it); unchanged lines are left out."""
    edits = []
    for line in lines:
        raw = str(form.get(f"qty_{line['line_no']}") or "").strip()
        if not is_digits(raw) or int(raw) == line["quantity"]:
            continue
        n = int(line["line_no"])
        edits.append(LineEdit(n, remove=True) if int(raw) == 0 else LineEdit(n, quantity=int(raw)))
    return edits


async def _carry_out(
    request: Request,
    container: Container,
    order_id: str,
    edits: list[LineEdit],
    actor: str,
    reason: str,
    *,
    preview: bool,
) -> str:
    if not preview and order_edits.is_released(container.uow, order_id):
        outcome = await order_edits.edit_released(
            container.uow, workflow_gateway(request), order_id, edits, actor=actor, reason=reason
        )
        return f"applied through the warehouse: {outcome.detail}"
    amendment = Amendment(actor, reason, "edit", tuple(edits))
    run = order_edits.preview_edit if preview else order_edits.apply_edit
    result: EditPreview = await run_in_threadpool(
        run, container.uow, order_id, amendment, geocoder=container.geocoder, clock=container.clock
    )
    return _described(result, preview=preview)


def _described(result: EditPreview, *, preview: bool) -> str:
    def money(minor: int) -> str:
        return f"{from_minor(minor, result.currency)} {result.currency}"

    where = ", ".join(f"line {n}: {q} at {loc}" for n, loc, q in result.reservations) or "no stock held"
    change = money(result.difference) if result.difference < 0 else "+" + money(result.difference)
    owes = f"owes {money(result.due_after)} ({change})"
    return (
        f"would leave it {result.status}, {owes}; {where}" if preview else f"applied: {result.status}, {owes}; {where}"
    )


def _answer(request: Request, text: str, *, refused: bool) -> HTMLResponse:
    return fragment(
        request,
        "_order_outcome.html",
        {"text": text, "refused": refused, "status": None},
        status_code=409 if refused else 200,
    )
