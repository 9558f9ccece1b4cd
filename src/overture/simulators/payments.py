"""A simulated Stripe: PaymentIntents (manual capture, multicapture), Refunds and signed webhook Events.

Routes (operation names for ``POST /_faults`` and ``GET /_stats`` in brackets)::

    POST /v1/payment_intents               [create_intent]
    POST /v1/payment_intents/{id}/capture  [capture]
    POST /v1/payment_intents/{id}/cancel   [cancel]
    GET  /v1/payment_intents/{id}          [retrieve]
    POST /v1/refunds                       [refund]
    POST /_clock {"advance_s": N}          moves the test clock on; lapsed authorisations expire
    GET  /_records                         every intent (amount_received, amount_refunded) and refund
    GET  /_events                          every Event raised, sent or not
    plus the control routes of :mod:`overture.simulators.common`.

Requests are form-encoded with Stripe's brackets and need ``Authorization: Bearer <api_key>`` (or
Basic with the key as user). Stripe's idempotency differs from :class:`SimulatorCore.handle`'s, so
this app keeps its own: a key is account-wide, not per operation; the first answer is replayed with
its own status, refusals (402, 400) included, with ``Idempotent-Replayed: true``; the same key on
another endpoint or with other parameters is a 400 ``idempotency_error``; what fails before the
endpoint runs (authentication, bad parameters, the fault plan's answers: the simulated load balancer)
is not kept, so a retry after them can succeed. The core still counts calls and applies faults.

Webhooks: each Event is POSTed as JSON to ``webhook_url`` with ``Stripe-Signature`` (signed at
delivery time with the wall clock, as Stripe signs each attempt anew), retried on 5xx and
connection errors; the fault plan's ``duplicate_webhooks`` delivers each twice.
"""

from __future__ import annotations

import base64
import hashlib
import itertools
import json
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl

import httpx
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, ConfigDict

from overture.connectors.stripe import STRIPE_VERSION
from overture.simulators.common import SimulatorCore, install_control_routes
from overture.simulators.payments_state import PaymentsBook, StripeError, intent_json, refund_json
from overture.simulators.payments_webhooks import EventSender

DEFAULT_API_KEY = "sk_test_overture_simulator"
DEFAULT_WEBHOOK_SECRET = "whsec_overture_simulator"
Effect = Callable[[dict[str, Any], int], dict[str, Any]]


def parse_form(pairs: list[tuple[str, str]]) -> dict[str, Any]:
    """Stripe's bracket notation -> nested values: ``metadata[order_id]=1`` -> ``{"metadata": {"order_id": "1"}}``,
    ``expand[]=a`` -> ``{"expand": ["a"]}``."""
    result: dict[str, Any] = {}
    for name, value in pairs:
        head, _, rest = name.partition("[")
        keys = [head, *(part.rstrip("]") for part in rest.split("["))] if rest else [head]
        node: Any = result
        for key, following in itertools.pairwise(keys):
            default: Any = [] if following == "" else {}
            node = node.setdefault(key, default) if isinstance(node, dict) else _appended(node, default)
        last = keys[-1]
        if isinstance(node, list):
            node.append(value)
        elif last == "":
            continue  # a stray "[]" on a mapping: ignore, as a lenient parser would
        else:
            node[last] = value
    return result


def _appended(node: list[Any], value: Any) -> Any:
    node.append(value)
    return value


@dataclass(frozen=True)
class _Kept:
    endpoint: str
    fingerprint: str
    status: int
    body: dict[str, Any]


class ClockIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    advance_s: int


class PaymentsSimulator:
    """The app's parts, so the routes stay one line each."""

    def __init__(
        self,
        *,
        api_key: str,
        webhook_url: str | None,
        webhook_secret: str,
        auth_window_s: int,
        webhook_transport: httpx.AsyncBaseTransport | None,
    ) -> None:
        self.core = SimulatorCore("payments")
        self.book = PaymentsBook(auth_window_s=auth_window_s)
        self.sender = EventSender(self.core.faults, secret=webhook_secret, transport=webhook_transport)
        self.api_key = api_key
        self.webhook_url = webhook_url
        self.offset_s = 0
        self.kept: dict[str, _Kept] = {}
        self.raised: list[dict[str, Any]] = []
        self._ids = itertools.count(1)

    def now(self) -> int:
        return int(time.time()) + self.offset_s

    def reset(self) -> None:
        self.book = PaymentsBook(auth_window_s=self.book.auth_window_s)
        self.sender.reset()
        self.offset_s = 0
        self.kept.clear()
        self.raised.clear()

    async def post(self, request: Request, operation: str, effect: Effect) -> Response:
        refused = await self._admit(request, operation)
        if refused is not None:
            return refused
        params = parse_form(parse_qsl((await request.body()).decode("utf-8", "replace"), keep_blank_values=True))
        key = request.headers.get("Idempotency-Key")
        endpoint = f"{request.method} {request.url.path}"
        fingerprint = hashlib.sha256(json.dumps(params, sort_keys=True).encode()).hexdigest()
        if key is not None and key in self.kept:
            return self._replay(self.kept[key], key, endpoint, fingerprint)
        try:
            status, body = 200, effect(params, self.now())
        except StripeError as error:
            if not error.executed:
                return _error(error.status, error.body)
            status, body = error.status, {"error": error.body}
        self.core.ledger.remember(operation, None, fingerprint, body)
        if key is not None:
            self.kept[key] = _Kept(endpoint, fingerprint, status, body)
        self._flush(key)
        return JSONResponse(body, status_code=status, headers={"Request-Id": self._request_id()})

    async def get(self, request: Request, operation: str, intent_id: str) -> Response:
        refused = await self._admit(request, operation)
        if refused is not None:
            return refused
        params = parse_form(list(request.query_params.multi_items()))
        try:
            self.book.expire_due(self.now())
            intent = self.book.intent(intent_id)
        except StripeError as error:
            return _error(error.status, error.body)
        finally:
            self._flush(None)
        return JSONResponse(intent_json(intent, expand="latest_charge" in params.get("expand", [])))

    def advance(self, seconds: int) -> dict[str, int]:
        self.offset_s += seconds
        self.book.expire_due(self.now())
        self._flush(None)
        return {"now": self.now()}

    async def _admit(self, request: Request, operation: str) -> Response | None:
        """The fault plan first (it stands for the network and load balancer), then the API key."""
        faulted = await self.core.guard(request, operation)
        if faulted is not None:
            return _stripe_fault(faulted)
        given = _api_key(request.headers.get("Authorization", ""))
        if given is None:
            message = (
                "You did not provide an API key. You need to provide your API key in the Authorization header, "
                "using Bearer auth (e.g. 'Authorization: Bearer YOUR_SECRET_KEY')."
            )
            return _error(401, {"message": message, "type": "invalid_request_error"})
        if given != self.api_key:
            return _error(
                401, {"message": f"Invalid API Key provided: {given[:8]}****", "type": "invalid_request_error"}
            )
        return None

    def _replay(self, kept: _Kept, key: str, endpoint: str, fingerprint: str) -> Response:
        if kept.endpoint != endpoint or kept.fingerprint != fingerprint:
            message = (
                "Keys for idempotent requests can only be used with the same parameters they were first used with. "
                f"Try using a key other than '{key}' if you meant to execute a different request."
            )
            return _error(400, {"message": message, "type": "idempotency_error"})
        headers = {"Idempotent-Replayed": "true", "Request-Id": self._request_id()}
        return JSONResponse(kept.body, status_code=kept.status, headers=headers)

    def _flush(self, key: str | None) -> None:
        """Wrap what the book raised as Events and hand them to the sender."""
        raised, self.book.events = self.book.events, []
        for kind, obj in raised:
            event = {
                "id": f"evt_sim{len(self.raised) + 1:08d}",
                "object": "event",
                "api_version": STRIPE_VERSION,
                "created": self.now(),
                "data": {"object": obj},
                "livemode": False,
                "pending_webhooks": 1 if self.webhook_url else 0,
                "request": {"id": None, "idempotency_key": key},
                "type": kind,
            }
            self.raised.append(event)
            if self.webhook_url:
                self.sender.send(self.webhook_url, event)

    def _request_id(self) -> str:
        return f"req_sim{next(self._ids):08d}"


def create_payments_app(
    *,
    webhook_url: str | None = None,
    webhook_secret: str = DEFAULT_WEBHOOK_SECRET,
    auth_window_s: int = 7 * 24 * 3600,
    api_key: str = DEFAULT_API_KEY,
    webhook_transport: httpx.AsyncBaseTransport | None = None,
) -> FastAPI:
    sim = PaymentsSimulator(
        api_key=api_key,
        webhook_url=webhook_url,
        webhook_secret=webhook_secret,
        auth_window_s=auth_window_s,
        webhook_transport=webhook_transport,
    )

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        yield
        await sim.sender.aclose()

    app = FastAPI(title="Overture payments (Stripe) simulator", lifespan=lifespan)
    app.state.sim = sim

    @app.post("/v1/payment_intents")
    async def create_intent(request: Request) -> Response:
        return await sim.post(request, "create_intent", lambda p, now: _intent(sim.book.create(p, now), p))

    @app.post("/v1/payment_intents/{intent_id}/capture")
    async def capture(request: Request, intent_id: str) -> Response:
        return await sim.post(request, "capture", lambda p, now: _intent(sim.book.capture(intent_id, p, now), p))

    @app.post("/v1/payment_intents/{intent_id}/cancel")
    async def cancel(request: Request, intent_id: str) -> Response:
        return await sim.post(request, "cancel", lambda p, now: _intent(sim.book.cancel(intent_id, p, now), p))

    @app.get("/v1/payment_intents/{intent_id}")
    async def retrieve(request: Request, intent_id: str) -> Response:
        return await sim.get(request, "retrieve", intent_id)

    @app.post("/v1/refunds")
    async def refund(request: Request) -> Response:
        return await sim.post(request, "refund", lambda p, now: refund_json(sim.book.refund(p, now)))

    @app.post("/_clock")
    async def clock(body: ClockIn) -> dict[str, int]:
        return sim.advance(body.advance_s)

    @app.get("/_records")
    async def records() -> dict[str, Any]:
        return sim.book.records()

    @app.get("/_events")
    async def events() -> list[dict[str, Any]]:
        return list(sim.raised)

    install_control_routes(
        app, sim.core, on_reset=sim.reset, extra_stats=lambda: {"webhooks": sim.sender.stats.snapshot()}
    )
    return app


def _intent(intent: Any, params: dict[str, Any]) -> dict[str, Any]:
    return intent_json(intent, expand="latest_charge" in (params.get("expand") or []))


def _api_key(header: str) -> str | None:
    scheme, _, value = header.strip().partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip()
    if scheme.lower() == "basic" and value.strip():
        try:
            user = base64.b64decode(value.strip()).decode().partition(":")[0]
        except (ValueError, UnicodeDecodeError):
            return None
        return user or None
    return None


def _error(status: int, error: dict[str, Any]) -> JSONResponse:
    return JSONResponse({"error": error}, status_code=status)


def _stripe_fault(faulted: Response) -> Response:
    """The fault plan's answer in Stripe's error shape, its status and Retry-After kept."""
    headers = {k: v for k, v in faulted.headers.items() if k.lower() == "retry-after"}
    if faulted.status_code == 429:
        error = {"type": "invalid_request_error", "code": "rate_limit", "message": "Request rate limit exceeded."}
    else:
        error = {"type": "api_error", "message": f"simulated fault (HTTP {faulted.status_code})"}
    return JSONResponse({"error": error}, status_code=faulted.status_code, headers=headers)
