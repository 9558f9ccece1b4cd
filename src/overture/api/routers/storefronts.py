"""Storefront webhooks: Shopify and WooCommerce orders, signed with HMAC-SHA256.

Every delivery is checked against the shop's secret before anything else; a bad or missing
signature gets 401, and all that is kept of it is one warning on the ``overture.security``
log (source, topic and reason: never the body or the secret).

A signed delivery is stored raw first, then:

- create topics capture the order with the delivery id as idempotency key; a Shopify order rung up on
  Shopify POS (``source_name`` "pos") is a till's sale instead, recorded at its store (api/routers/pos.py),
  and a refund of one a return at that store;
- cancellations are recorded and go through the one cancel path (services/order_actions.py, the
  order's workflow), when an engine is connected;
- updates go through the one edit path (services/storefront_changes.py);
- Shopify refunds are posted to the order's ledger per line, once by refund id
  (services/storefront_refunds.py: the channel paid them out, nothing goes to our payment provider);
- every other topic is recorded as a note on the order, never re-placed.

Platforms retry whatever is not answered 2xx (Shopify for two days, then drops the
subscription), so every outcome a retry cannot change is a 2xx: a redelivery, an order already
captured, even a body that cannot be read (it is in quarantine for a person to look at). Only
a cancellation the engine could not take answers 503, so that the retry tries it again.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from functools import partial
from typing import Any

from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool

from overture.api.routers.pos import record_shopify_pos, record_shopify_pos_refund
from overture.bootstrap import Container
from overture.channels import shopify, woocommerce
from overture.channels.pos import is_shopify_pos
from overture.channels.replay import StaleDelivery, check_sent_at
from overture.channels.signatures import InvalidSignature, secret_for, verify
from overture.channels.storefront import read_update
from overture.config import Settings
from overture.domain.commands import OrderUpdate
from overture.services import order_actions, storefront_changes, storefront_refunds
from overture.services.capture import Translator, capture_order, keep_apart
from overture.services.errors import (
    DuplicateOrder,
    ErrorCode,
    IdempotencyConflict,
    PayloadError,
    PayloadRejected,
    WorkflowRefused,
)
from overture.services.ports import InboundMessage
from overture.services.storefronts import StorefrontEvent, conclude_webhook, delivery_key, record_webhook
from overture.web.deps import ContainerDep, workflow_gateway
from overture.web.errors import error_body
from overture.web.intake import inbound, wake_dispatcher
from overture.web.responses import Json
from overture.workflows.order.starter import OrderWorkflows

router = APIRouter(prefix="/v1/channels", tags=["channels"])
log = logging.getLogger(__name__)
security_log = logging.getLogger("overture.security")

INVALID_SIGNATURE = "invalid_signature"
STALE_DELIVERY = "stale_delivery"
_WOO_PING = re.compile(rb"webhook_id=\d+")


@dataclass(frozen=True, slots=True)
class Storefront:
    """How one platform names its headers and which translators read its bodies."""

    channel: str
    title: str
    signature_header: str
    source_header: str
    topic_header: str
    delivery_header: str
    create_topic: str
    translate: Translator
    describe: Callable[[str, bytes], StorefrontEvent]
    kept_headers: frozenset[str]
    secret: Callable[[Settings, str], str | None]  # (settings, source header) -> the signing secret
    sent_at_header: str | None = None  # when the platform sent the event, if it says (channels/replay.py)
    # The topic of an order the platform changed, and how its lines are read from it (None: not followed).
    update_topic: str = ""
    read_update: Callable[[bytes], OrderUpdate] | None = None
    # The topic of a refund the platform paid out, and how it is read (None: only noted).
    refund_topic: str = ""
    read_refund: Callable[[bytes], storefront_refunds.ChannelRefund] | None = None


def _shopify_secret(settings: Settings, shop_domain: str) -> str | None:
    return secret_for(shop_domain, settings.shopify_webhook_secrets, settings.shopify_webhook_secret)


def _woocommerce_secret(settings: Settings, site: str) -> str | None:
    return secret_for(site, settings.woocommerce_webhook_secrets, settings.woocommerce_webhook_secret)


def _kept(*names: str) -> frozenset[str]:
    return frozenset(("content-type", "user-agent", *names))


SHOPIFY = Storefront(
    channel=shopify.CHANNEL,
    title="Shopify",
    signature_header="x-shopify-hmac-sha256",
    source_header="x-shopify-shop-domain",
    topic_header="x-shopify-topic",
    delivery_header="x-shopify-webhook-id",
    create_topic=shopify.CREATE_TOPIC,
    translate=shopify.translate,
    describe=shopify.describe,
    update_topic=shopify.UPDATE_TOPIC,
    read_update=partial(read_update, shopify.MAPPING),
    refund_topic=shopify.REFUND_TOPIC,
    read_refund=shopify.read_refund,
    kept_headers=_kept(
        "x-shopify-topic",
        "x-shopify-shop-domain",
        "x-shopify-webhook-id",
        "x-shopify-event-id",
        "x-shopify-api-version",
        "x-shopify-triggered-at",
        "x-shopify-hmac-sha256",
    ),
    secret=_shopify_secret,
    sent_at_header="x-shopify-triggered-at",
)
WOOCOMMERCE = Storefront(
    channel=woocommerce.CHANNEL,
    title="WooCommerce",
    signature_header="x-wc-webhook-signature",
    source_header="x-wc-webhook-source",
    topic_header="x-wc-webhook-topic",
    delivery_header="x-wc-webhook-delivery-id",
    create_topic=woocommerce.CREATE_TOPIC,
    translate=woocommerce.translate,
    describe=woocommerce.describe,
    update_topic="order.updated",
    read_update=partial(read_update, woocommerce.MAPPING),
    kept_headers=_kept(
        "x-wc-webhook-source",
        "x-wc-webhook-topic",
        "x-wc-webhook-resource",
        "x-wc-webhook-event",
        "x-wc-webhook-id",
        "x-wc-webhook-delivery-id",
        "x-wc-webhook-signature",
    ),
    secret=_woocommerce_secret,
)

_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {"description": "Recorded, a redelivery, an order captured before, or a body kept in quarantine"},
    202: {"description": "A cancellation recorded but not carried out: no workflow engine is connected"},
    401: {"description": "The signature is missing or does not match the body; nothing is kept"},
    503: {"description": "A cancellation could not reach the workflow engine; the platform's retry tries again"},
}


@router.post("/shopify/webhooks", status_code=201, responses=_RESPONSES)
async def shopify_webhook(request: Request, container: ContainerDep) -> Json:
    """A Shopify webhook (orders/create, orders/updated, orders/cancelled, refunds/create, ...)."""
    return await _receive(request, container, SHOPIFY)


@router.post("/woocommerce/webhooks", status_code=201, responses=_RESPONSES)
async def woocommerce_webhook(request: Request, container: ContainerDep) -> Json:
    """A WooCommerce webhook (order.created, order.updated, order.deleted, ...), or its creation ping."""
    body = await request.body()
    # WooCommerce pings a new webhook's URL with an unsigned form body; it must answer 2xx or the
    # webhook cannot be saved. It carries nothing, so nothing is stored.
    if request.headers.get(WOOCOMMERCE.signature_header) is None and _WOO_PING.fullmatch(body.strip()):
        return Json({"outcome": "ping"}, status_code=200)
    return await _receive(request, container, WOOCOMMERCE)


async def _receive(request: Request, container: Container, shop: Storefront) -> Json:
    body = await request.body()
    headers = request.headers
    source, topic = headers.get(shop.source_header, ""), headers.get(shop.topic_header, "")
    try:
        verify(body, signature=headers.get(shop.signature_header), secret=shop.secret(container.settings, source))
    except InvalidSignature as error:
        return _unauthorized(request, shop, source, topic, error.reason)
    message = inbound(request, body, shop.channel, container.clock, kept_headers=shop.kept_headers)
    if shop.sent_at_header is not None:
        try:
            max_age = timedelta(seconds=container.settings.webhook_max_age_s)
            sent_at = headers.get(shop.sent_at_header)
            check_sent_at(sent_at, now=container.clock(), max_age=max_age, header=shop.sent_at_header)
        except StaleDelivery as stale:
            return await _keep_stale(container, shop, message, stale)
    key = delivery_key(shop.channel, headers.get(shop.delivery_header))
    try:
        if topic == shop.create_topic and shop is SHOPIFY and is_shopify_pos(body):
            return await record_shopify_pos(container, message)  # a till's sale, not an order to ship
        if topic == shop.create_topic:
            return await _capture(request, container, shop, message, key)
        if topic == shop.refund_topic and shop is SHOPIFY:
            returned = await record_shopify_pos_refund(container, message)  # None: not a POS order's refund
            if returned is not None:
                return returned
        return await _record(request, container, shop, message, topic, key)
    except PayloadRejected as error:
        log.warning("%s %r webhook kept in quarantine as %s: %s", shop.title, topic, error.message_id, error.kind)
        fields = [{"field": e.field, "code": e.code.value, "reason": e.reason} for e in error.errors]
        return Json({"outcome": "quarantined", "message_id": error.message_id, "errors": fields}, status_code=200)


async def _keep_stale(container: Container, shop: Storefront, message: InboundMessage, stale: StaleDelivery) -> Json:
    """Signed but sent outside the window: kept in quarantine for a person to look at, never acted on.
    Answered 200, so the platform does not send it again."""
    message_id = await run_in_threadpool(keep_apart, container.uow, message, reason=STALE_DELIVERY)
    security_log.warning("%s webhook kept in quarantine as %s: %s", shop.title, message_id, stale.reason)
    error = {"field": shop.sent_at_header, "code": STALE_DELIVERY, "reason": stale.reason}
    return Json({"outcome": "quarantined", "message_id": message_id, "errors": [error]}, status_code=200)


def _unauthorized(request: Request, shop: Storefront, source: str, topic: str, reason: str) -> Json:
    client = request.client.host if request.client else "-"
    # %r: header values are the sender's words; quoting them keeps a forged one from forging log lines.
    security_log.warning(
        "rejected %s webhook: %s (source=%r, topic=%r, client=%s)", shop.title, reason, source[:255], topic[:64], client
    )
    body = error_body(INVALID_SIGNATURE, "the webhook signature could not be verified; nothing was kept")
    return Json(body, status_code=401)


async def _capture(
    request: Request, container: Container, shop: Storefront, message: InboundMessage, key: str | None
) -> Json:
    try:
        result = await run_in_threadpool(
            capture_order,
            message,
            shop.translate,
            idempotency_key=key,
            uow_factory=container.uow,
            geocoder=container.geocoder,
            clock=container.clock,
        )
    except DuplicateOrder as error:
        return _duplicate(error.order_id, "external_id")
    except IdempotencyConflict:
        # The same delivery id with a different order: nothing a retry could fix, so not an error to the platform.
        log.warning("%s delivery %r reused for a different order body", shop.title, key)
        return _duplicate(None, "delivery_id_reused")  # that other body's order is not the sender's to learn
    if not result.created:
        return _duplicate(result.order.id, "delivery_id")
    wake_dispatcher(request)
    order = result.order
    body = {
        "outcome": "created",
        "order_id": order.id,
        "status": order.status,
        "exceptions": list(order.exception_types),
        "links": {"order": f"/v1/orders/{order.id}"},
    }
    return Json(body, status_code=201, headers={"Location": f"/v1/orders/{order.id}"})


def _duplicate(order_id: str | None, reason: str) -> Json:
    return Json({"outcome": "duplicate", "order_id": order_id, "reason": reason}, status_code=200)


async def _record(
    request: Request, container: Container, shop: Storefront, message: InboundMessage, topic: str, key: str | None
) -> Json:
    receipt = await run_in_threadpool(
        record_webhook, container.uow, message, partial(shop.describe, topic), key=key, clock=container.clock
    )
    if topic == shop.refund_topic and receipt.order_id is not None:
        # Also on a redelivery: a refund noted but never posted (a crash in between) is posted now; once by refund id.
        posted = await _post_refund(container, shop, message, receipt.message_id, receipt.order_id)
        return Json(
            {"outcome": "recorded", "order_id": receipt.order_id, "message_id": receipt.message_id, "refund": posted}
        )
    if receipt.duplicate:
        return _duplicate(receipt.order_id, "delivery_id")
    if receipt.event is not None and receipt.event.cancel and receipt.order_id is not None:
        return await _cancel(request, container, shop, message, key, receipt.order_id, receipt.event)
    if receipt.event is not None and receipt.event.external_id is None:
        log.info("%s webhook with topic %r stored as %s; nothing else to do", shop.title, topic, receipt.message_id)
    if topic == shop.update_topic and shop.read_update is not None and receipt.order_id is not None:
        changed = await _follow_update(request, container, shop, message, receipt.order_id)
        return Json(
            {"outcome": "recorded", "order_id": receipt.order_id, "message_id": receipt.message_id, "edit": changed}
        )
    return Json({"outcome": "recorded", "order_id": receipt.order_id, "message_id": receipt.message_id})


async def _post_refund(
    container: Container, shop: Storefront, message: InboundMessage, message_id: str, order_id: str
) -> str:
    """The platform refunded the customer itself: the ledger records it per line (services/storefront_refunds.py)."""
    assert shop.read_refund is not None
    try:
        refund = shop.read_refund(message.body)
    except PayloadError as error:
        return f"the refund could not be read ({error}); nothing posted"
    return await run_in_threadpool(
        storefront_refunds.apply_refund,
        container.uow,
        order_id,
        refund,
        message_id=message_id,
        raw=message.body,
        clock=container.clock,
    )


async def _follow_update(
    request: Request, container: Container, shop: Storefront, message: InboundMessage, order_id: str
) -> str:
    """The platform edited the order: its lines go through the one edit path (services/storefront_changes.py)."""
    assert shop.read_update is not None
    try:
        update = shop.read_update(message.body)
    except PayloadError as error:
        return f"the update's lines could not be read ({error}); nothing changed"
    return await storefront_changes.apply_update(
        container.uow,
        workflow_gateway(request),
        order_id,
        update,
        channel=shop.title,
        geocoder=container.geocoder,
        clock=container.clock,
    )


async def _cancel(
    request: Request,
    container: Container,
    shop: Storefront,
    message: InboundMessage,
    key: str | None,
    order_id: str,
    event: StorefrontEvent,
) -> Json:
    workflows: OrderWorkflows | None = getattr(request.app.state, "order_workflows", None)
    if workflows is None:
        # An API process without a workflow engine (tests, an API-only deployment): the cancellation
        # is on the order's timeline for a person to carry out, but nothing is cancelled here.
        outcome, note, status = "recorded", f"{shop.title} cancellation not carried out: no workflow engine", 202
    else:
        answered = await _ask_to_cancel(request, container, shop, order_id, event)
        if answered is None:
            body = error_body(ErrorCode.ENGINE_UNAVAILABLE, "the cancellation could not be passed on; retry later")
            return Json(body, status_code=503)
        (outcome, note), status = answered, 200
    await run_in_threadpool(
        conclude_webhook, container.uow, message, key=key, order_id=order_id, note=note, clock=container.clock
    )
    return Json({"outcome": outcome, "order_id": order_id, "detail": note}, status_code=status)


async def _ask_to_cancel(
    request: Request, container: Container, shop: Storefront, order_id: str, event: StorefrontEvent
) -> tuple[str, str] | None:
    """(outcome, note) of the one cancel path's answer (services/order_actions.py, as an operator's
    cancel), or None when the engine could not be asked."""
    try:
        answer = await order_actions.cancel_order(
            container.views, workflow_gateway(request), order_id, event.cancel_reason or f"{shop.title}", shop.channel
        )
    except WorkflowRefused as error:
        return "cancel_refused", f"{shop.title} cancellation refused: {error}"
    except Exception:
        # Unreachable or failed: the delivery stays unclaimed, so the platform's retry asks again.
        log.exception("%s cancellation of order %s could not reach the workflow engine", shop.title, order_id)
        return None
    outcome = "cancelled" if answer.outcome == "cancelled" else "cancel_refused"
    return outcome, f"{shop.title} cancellation {answer.outcome}: {answer.detail}"
