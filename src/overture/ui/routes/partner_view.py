"""One trading partner's exchanges: the files it sent us (with what we answered and the orders they
made) and the documents we sent it (with its 997 / 999 / TA1: accepted, accepted with errors,
rejected, waiting, or overdue past its ``ack_window_hours``), newest first, each list paged by its
own key; and each document opened: its parsed view (``overture edi inspect``'s report) beside its
raw text.

Plain links and a GET form, no htmx: nothing here changes anything."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import Query, Request
from fastapi.responses import HTMLResponse

from overture.channels.x12.inspect import inspect
from overture.domain.partners import PartnerProfile, profile_from_document
from overture.services.ports.exchanges import OVERDUE_CAP, PageKey
from overture.ui.routes.common import page, page_router
from overture.web.deps import ContainerDep

router = page_router()
Key = Annotated[str | None, Query(max_length=80)]


@router.get("/partners/{partner_id}", response_class=HTMLResponse)
def partner_view(
    request: Request,
    partner_id: str,
    container: ContainerDep,
    overdue: bool = False,
    out_before: Key = None,
    in_before: Key = None,
) -> HTMLResponse:
    reads = container.dashboard
    partner = reads.partner_header(partner_id)
    if partner is None:
        return page(request, "not_found.html", {"what": f"trading partner {partner_id!r}"}, status_code=404)
    now, window = container.clock(), timedelta(hours=partner["ack_window_hours"])
    sent, sent_next = reads.documents_out(
        partner_id, now=now, window=window, before=PageKey.decode(out_before), overdue_only=overdue
    )
    received, received_next = reads.files_in(partner_id, before=PageKey.decode(in_before))
    here = {"overdue": "1" if overdue else None, "out_before": out_before, "in_before": in_before}
    context = {
        "page": "settings",
        "partner": partner,
        "overdue_only": overdue,
        "overdue": reads.overdue_count(partner_id, now=now, window=window),
        "overdue_cap": OVERDUE_CAP,
        "sent": sent,
        "received": received,
        "older_sent": _link(partner_id, here, out_before=sent_next.encode()) if sent_next else None,
        "older_received": _link(partner_id, here, in_before=received_next.encode()) if received_next else None,
        "all_link": _link(partner_id, {}),
        "overdue_link": _link(partner_id, {"overdue": "1"}),
    }
    return page(request, "partner_view.html", context)


def _link(partner_id: str, query: dict[str, str | None], **changes: str | None) -> str:
    """This page's address with ``changes`` applied to its query (None drops a parameter)."""
    merged = {k: v for k, v in {**query, **changes}.items() if v}
    base = f"/partners/{partner_id}"
    return f"{base}?{urlencode(merged)}" if merged else base


@router.get("/partners/{partner_id}/sent/{document_id}", response_class=HTMLResponse)
def sent_document(request: Request, partner_id: str, document_id: str, container: ContainerDep) -> HTMLResponse:
    """A document we sent: the partner's acknowledgements of it, its parsed view and its raw text."""
    reads = container.dashboard
    partner = reads.partner_header(partner_id)
    if partner is None:
        return page(request, "not_found.html", {"what": f"trading partner {partner_id!r}"}, status_code=404)
    window = timedelta(hours=partner["ack_window_hours"])
    document = reads.sent_document(partner_id, document_id, now=container.clock(), window=window)
    if document is None:
        return page(request, "not_found.html", {"what": f"document {document_id}"}, status_code=404)
    text = str(document["body"])
    context = {
        "page": "settings",
        "partner": partner,
        "direction": "sent",
        "document": document,
        "title": f"Sent {document['kind']} {document_id}",
        "text": text,
        "report": _report(text.encode(), partner),
    }
    return page(request, "partner_document.html", context)


@router.get("/partners/{partner_id}/received/{message_id}", response_class=HTMLResponse)
def received_file(request: Request, partner_id: str, message_id: str, container: ContainerDep) -> HTMLResponse:
    """A file the partner sent: what we answered it with, its parsed view and its raw text."""
    reads = container.dashboard
    partner = reads.partner_header(partner_id)
    received = reads.received_file(partner_id, message_id) if partner is not None else None
    if partner is None or received is None or received["message"] is None:
        return page(request, "not_found.html", {"what": f"message {message_id}"}, status_code=404)
    body = bytes(received["message"]["body"])
    context = {
        "page": "settings",
        "partner": partner,
        "direction": "received",
        "document": received,
        "title": f"Received {message_id}",
        "text": _text(body),
        "report": _report(body, partner),
    }
    return page(request, "partner_document.html", context)


def _text(body: bytes) -> str:
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError:
        return body.decode("latin-1")


def _report(body: bytes, partner: dict[str, Any]) -> dict[str, Any] | None:
    """What ``overture edi inspect`` reports on an X12 file, read with the partner's profile; None for
    anything else (EDIFACT has its own reader, and the raw text beside it)."""
    if not body.lstrip().startswith(b"ISA"):
        return None
    profile = profile_from_document(partner["id"], partner["name"], partner["profile"])

    def profile_for(_: object) -> PartnerProfile:
        return profile

    report, _ = inspect(body, profile_for, strict=profile.strict)
    return report
