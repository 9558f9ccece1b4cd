"""AS2 intake (RFC 4130): a partner's signed, encrypted X12 in, its MDN out, our 997 and 855s back over AS2.

The partner authenticates by its signature (checked against the certificate in its AS2 settings), not
by an API key, so the route's policy is ``signed`` (web/auth.py). The synchronous MDN is the answer;
an asynchronous one is posted to the partner's URL once the answer is sent, as are our documents.
"""

from __future__ import annotations

import logging

import httpx
from fastapi import APIRouter, BackgroundTasks, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from overture.bootstrap import Container, edi_sender
from overture.channels.transports import as2
from overture.channels.transports.as2_intake import receive_as2
from overture.channels.transports.as2_outbound import post_mdn, send_documents
from overture.channels.x12.intake import EdiReceipt
from overture.web.deps import ContainerDep
from overture.web.intake import wake_dispatcher

router = APIRouter(prefix="/v1/edi", tags=["channels"])
log = logging.getLogger(__name__)
TIMEOUT_S = 30.0


def _client(request: Request) -> httpx.Client:
    """The HTTP client partners are called with; ``app.state.as2_transport`` replaces the network."""
    transport: httpx.BaseTransport | None = getattr(request.app.state, "as2_transport", None)
    return httpx.Client(transport=transport, timeout=TIMEOUT_S)


def _post_mdn(request: Request, url: str, mdn: as2.Wire) -> None:
    try:
        with _client(request) as client:
            status = post_mdn(url, mdn, client=client)
        if status >= 300:
            log.warning("the asynchronous MDN posted to %s was answered %s", url, status)
    except httpx.HTTPError:  # the partner resends a message whose MDN never came
        log.warning("could not post the asynchronous MDN to %s", url, exc_info=True)


def _send_replies(request: Request, container: Container, partner_id: str, receipt: EdiReceipt) -> None:
    documents = receipt.replies()  # TA1, 997 / 999, 855s, 865s
    try:
        with _client(request) as client:
            deliveries = send_documents(container.uow, partner_id, documents, clock=container.clock, client=client)
    except Exception:  # each document stays in outbound_documents; the log says which send failed
        log.warning("could not send %s its documents over AS2", partner_id, exc_info=True)
        return
    for delivery in deliveries:
        log.info("AS2 %s %s to %s: %s", delivery.kind, delivery.message_id, partner_id, delivery.disposition)


@router.post(
    "/as2",
    response_class=Response,  # an MDN (RFC 4130 / RFC 3798) or nothing: never JSON
    responses={
        200: {
            "description": "The MDN (synchronous), or an empty answer when it is posted later or not asked for",
            "content": {"multipart/signed": {}, "multipart/report": {}},
        }
    },
)
async def receive_as2_message(request: Request, container: ContainerDep, background: BackgroundTasks) -> Response:
    """Post an AS2 message (or an asynchronous MDN for one we sent). It is stored raw before it is read."""
    wire = as2.Wire(dict(request.headers), await request.body())
    answer = await run_in_threadpool(
        receive_as2,
        container.uow,
        wire,
        geocoder=container.geocoder,
        clock=container.clock,
        us=edi_sender(container.settings),
    )
    if answer.receipt is not None and any(t.order_id and not t.duplicate for t in answer.receipt.transactions):
        wake_dispatcher(request)
    if answer.mdn is not None and answer.mdn_url:
        background.add_task(_post_mdn, request, answer.mdn_url, answer.mdn)
    if answer.receipt is not None and answer.partner_id:
        background.add_task(_send_replies, request, container, answer.partner_id, answer.receipt)
    if answer.mdn is None or answer.mdn_url:
        return Response(status_code=200)
    return Response(content=answer.mdn.body, headers=answer.mdn.headers, status_code=200)
