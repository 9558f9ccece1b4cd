"""The order page as a workbench (who, where to, money, lines, shipments, documents, timeline, routing,
and what may be done now, with each result shown in place), the raw messages and documents it links
to, and search.

The open exceptions are the queue's own rows (ui/templates/_queue_row.html), so their actions, forms and
answers ("held again: ...") are the queue's; cancelling the order is this page's own action, through
the same use case as ``POST /v1/orders/{order_id}/cancel`` (services/order_actions.py).
"""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from overture.bootstrap import Container
from overture.domain.orders import EDITABLE
from overture.domain.statuses import OrderStatus
from overture.services import order_actions
from overture.services.errors import ServiceError
from overture.services.retry import read_only
from overture.services.sourcing import routing_decisions
from overture.ui.money import ledger_panel, order_money
from overture.ui.routes.common import fragment, is_htmx, page, page_router
from overture.ui.routes.exceptions import rows_shown
from overture.ui.session import Actor
from overture.web.deps import ContainerDep, workflow_gateway
from overture.web.htmx_errors import plain_reason

router = page_router()
# Lines change before release directly, after it through the warehouse (ui/routes/order_edits.py).
EDITABLE_HERE = frozenset({*EDITABLE, OrderStatus.RELEASED})


@router.get("/orders/{order_id}", response_class=HTMLResponse)
def order_page(request: Request, order_id: str, container: ContainerDep) -> HTMLResponse:
    order = container.views.order(order_id)
    if order is None:
        return page(request, "not_found.html", {"what": f"order {order_id}"}, status_code=404)
    routing = routing_decisions(container.uow, order_id)
    documents = container.dashboard.documents(order_id, order["raw_message_id"])
    promised = _promised(order)
    shipped_at = max((s["shipped_at"] for s in documents["shipments"]), default=None)
    _show_resolutions(order)
    context = {
        "page": "order",
        "order": order,
        "routing": routing,
        "documents": documents,
        "promised": promised,
        "shipped_at": shipped_at,
        "money": order_money(order),
        "ledger": read_only(container.uow, lambda uow: ledger_panel(uow, order_id)),
        "placed_at": _line_locations(order),
        **_workbench(container, order),
    }
    return page(request, "order.html", context)


def _workbench(container: Container, order: dict[str, Any]) -> dict[str, Any]:
    """What may be done now: cancelling the order, and the open exceptions as the queue shows them."""
    allowed = order_actions.allowed_actions(order)
    open_ids = [e["id"] for e in order["exceptions"] if e["status"] == "open"]
    rows = rows_shown(container, container.dashboard.queue_entries(open_ids)) if open_ids else []
    can_cancel = any(a.action == "cancel" and a.exception_id is None for a in allowed)
    can_edit = order["status"] in EDITABLE_HERE
    return {"can_cancel": can_cancel, "can_edit": can_edit, "open_rows": rows}


def _line_locations(order: dict[str, Any]) -> dict[int, list[str]]:
    """Each line's reservations as "2 at EWR (active)", for the lines table."""
    found: dict[int, list[str]] = {}
    for r in order["reservations"]:
        found.setdefault(r["line_no"], []).append(f"{r['quantity']} at {r['location_id']} ({r['status']})")
    return found


@router.post("/orders/{order_id}/cancel", response_class=HTMLResponse)
async def cancel(
    request: Request, order_id: str, container: ContainerDep, actor: Actor, reason: Annotated[str, Form()] = ""
) -> HTMLResponse:
    """Cancel from the order page: the answer says what happened, and the status tile follows it."""
    try:
        outcome = await order_actions.cancel_order(container.views, workflow_gateway(request), order_id, reason, actor)
    except ServiceError as error:
        return _cancel_answer(request, container, order_id, plain_reason(str(error)), refused=True)
    if outcome.outcome != "cancelled":
        return _cancel_answer(request, container, order_id, f"not cancelled: {outcome.detail}", refused=True)
    return _cancel_answer(request, container, order_id, f"cancelled: {outcome.detail}", refused=False)


def _cancel_answer(request: Request, container: Container, order_id: str, text: str, *, refused: bool) -> HTMLResponse:
    order = container.views.order(order_id)
    context = {"text": text, "refused": refused, "status": order["status"] if order else None}
    return fragment(request, "_order_outcome.html", context, status_code=409 if refused else 200)


def _show_resolutions(order: dict[str, Any]) -> None:
    """Each exception in the timeline gets who resolved it, how, when and why."""
    for entry in order["timeline"]:
        if entry["type"] == "exception":
            exc = next(x for x in order["exceptions"] if x["id"] == entry["exception_id"])
            entry["resolved_by"] = exc["resolved_by"]
            entry["resolution"] = exc["resolution"]
            entry["resolved_at"] = exc["resolved_at"]
            entry["resolution_note"] = exc["resolution_note"]


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
    message = container.dashboard.inbound_message(message_id)
    if message is None:
        return page(request, "not_found.html", {"what": f"message {message_id}"}, status_code=404)
    body = bytes(message["body"])
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        text = body.hex(" ")
    return page(
        request, "raw.html", {"page": "order", "title": f"Received {message_id}", "meta": message, "text": text}
    )


@router.get("/documents/{document_id}", response_class=HTMLResponse)
def outbound_document(request: Request, document_id: str, container: ContainerDep) -> Response:
    document = container.dashboard.outbound_document(document_id)
    if document is None:
        return page(request, "not_found.html", {"what": f"document {document_id}"}, status_code=404)
    title = f"Sent {document['kind']} {document_id}"
    return page(request, "raw.html", {"page": "order", "title": title, "meta": document, "text": document["body"]})


@router.get("/search", response_class=HTMLResponse)
def search(request: Request, container: ContainerDep, q: Annotated[str, Query(max_length=255)] = "") -> Response:
    """The header's search box: a reference naming exactly one order opens it; anything else (several
    orders, part of a name or an id) is the orders list searched by any part of any reference."""
    results = container.dashboard.search(q)
    if len(results) == 1 and not is_htmx(request):
        return RedirectResponse(f"/orders/{results[0]['id']}", status_code=303)
    return RedirectResponse("/orders?" + urlencode({"q": q.strip()}) if q.strip() else "/orders", status_code=303)
