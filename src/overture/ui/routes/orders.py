"""The order page, the raw messages and documents it links to, and search."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from overture.services.sourcing import routing_decisions
from overture.ui.routes.common import is_htmx, page, page_router
from overture.web.deps import ContainerDep

router = page_router()


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
    }
    return page(request, "order.html", context)


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
    results = container.dashboard.search(q)
    if len(results) == 1 and not is_htmx(request):
        return RedirectResponse(f"/orders/{results[0]['id']}", status_code=303)
    return page(request, "search.html", {"page": "search", "q": q, "results": results})
