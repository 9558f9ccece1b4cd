"""A simulated eBay: the OAuth token endpoint and the Sell Fulfillment API's orders and shipping
fulfillments (state: simulators/ebay_state.py).

Routes (operation names for ``POST /_faults`` and ``GET /_stats`` in brackets)::

    POST /identity/v1/oauth2/token   Basic client id:secret, form grant_type=refresh_token&refresh_token&scope
                                     [oauth2_token] -> {"access_token", "expires_in", "token_type"};
                                     400 {"error": "invalid_grant", "error_description"}, 401 invalid_client
    GET  /sell/fulfillment/v1/order?filter=&limit=&offset=          [getOrders] -> {"orders", "total", "next"?}
    GET  /sell/fulfillment/v1/order/{orderId}                       [getOrder]
    GET  /sell/fulfillment/v1/order/{orderId}/shipping_fulfillment  [getShippingFulfillments]
    POST /sell/fulfillment/v1/order/{orderId}/shipping_fulfillment  [createShippingFulfillment] -> 201 + Location
    POST /_orders {"orders": [Order]}, GET /_records, POST /_ebay/expire (revoke every access token)
    plus the control routes of :mod:`overture.simulators.common`.

Every /sell call needs ``Authorization: Bearer`` with a token the endpoint issued that has not lapsed, else
401 with eBay's errorId 1001. Errors are ``{"errors": [{"errorId", "domain", "category", "message"}]}``.
A ``rename_fields`` fault renames keys of the answers of its operation, as a drifted API would.
"""

from __future__ import annotations

import base64
import json
import secrets
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response

from overture.domain.digits import is_digits
from overture.simulators.common import SimulatorCore, install_control_routes
from overture.simulators.ebay_state import MAX_LIMIT, PAGE_LIMIT, EbayError, Seller, seed_orders

SCOPE = "https://api.ebay.com/oauth/api_scope/sell.fulfillment"
ORDERS = "/sell/fulfillment/v1/order"
_INVALID_TOKEN = {
    "errors": [
        {
            "errorId": 1001,
            "domain": "OAuth",
            "category": "REQUEST",
            "message": "Invalid access token",
            "longMessage": "Invalid access token. Check the value of the Authorization HTTP request header.",
        }
    ]
}


@dataclass
class EbayAuthority:
    """The application's keyset and the seller's refresh token, and the access tokens handed out."""

    client_id: str = "Overture-Simulat-PRD-0123456789-abcdef01"
    client_secret: str = "PRD-0123456789ab-cdef-0123-4567-89ab"
    refresh_token: str = "v^1.1#i^1#simulator-refresh-token"
    lifetime_s: int = 7200
    clock: Callable[[], float] = time.monotonic
    issued: dict[str, float] = field(default_factory=dict)
    exchanges: int = 0

    def grant(self, authorization: str | None, form: dict[str, str]) -> tuple[int, dict[str, Any]]:
        expected = base64.b64encode(f"{self.client_id}:{self.client_secret}".encode()).decode()
        if authorization != f"Basic {expected}":
            return 401, {"error": "invalid_client", "error_description": "client authentication failed"}
        if form.get("grant_type") != "refresh_token":
            return 400, {"error": "unsupported_grant_type", "error_description": "grant type unsupported"}
        if form.get("refresh_token") != self.refresh_token:
            said = "the provided authorization refresh token is invalid or was issued to another client"
            return 400, {"error": "invalid_grant", "error_description": said}
        if SCOPE not in form.get("scope", "").split():
            return 400, {"error": "invalid_scope", "error_description": "the requested scope is invalid"}
        token = "v^1.1#i^1#" + secrets.token_urlsafe(32)
        self.issued[token] = self.clock() + self.lifetime_s
        self.exchanges += 1
        return 200, {"access_token": token, "expires_in": self.lifetime_s, "token_type": "User Access Token"}

    def allows(self, authorization: str | None) -> bool:
        lapses = self.issued.get((authorization or "").removeprefix("Bearer "))
        return lapses is not None and self.clock() < lapses


Work = Callable[[Any], tuple[int, Any, dict[str, str]]]
Serve = Callable[[Request, str, Work], Awaitable[Response]]


def create_ebay_app(*, orders: list[dict[str, Any]] | None = None, authority: EbayAuthority | None = None) -> FastAPI:
    """The simulator holding ``orders`` (default: 9 seeded, paid and unshipped)."""
    seeded = list(orders) if orders is not None else seed_orders(9)
    core, seller, auth = SimulatorCore("ebay"), Seller(), authority or EbayAuthority()

    def reset() -> None:
        seller.clear()
        seller.add_orders(seeded)

    reset()
    app = FastAPI(title="Overture eBay simulator")
    app.state.core, app.state.seller, app.state.authority = core, seller, auth
    serve = _server(core, auth)
    _install_token_route(app, core, auth)
    _install_order_routes(app, seller, serve)
    _install_test_routes(app, seller, auth)
    install_control_routes(app, core, on_reset=reset)
    return app


def _server(core: SimulatorCore, auth: EbayAuthority) -> Serve:
    """One /sell call: faults first, then the bearer token, then the work; its answer drifted if asked."""

    async def serve(request: Request, operation: str, work: Work) -> Response:
        faulted = await core.guard(request, operation)
        if faulted is not None:
            return faulted
        if not auth.allows(request.headers.get("Authorization")):
            return JSONResponse(_INVALID_TOKEN, status_code=401)
        try:
            status, answer, headers = work(_body(await request.body()))
        except EbayError as error:
            return JSONResponse(error.body(), status_code=error.status)
        body = json.dumps(core.faults.drifted(operation, answer))
        return Response(body, status_code=status, headers=headers, media_type="application/json")

    return serve


def _install_token_route(app: FastAPI, core: SimulatorCore, auth: EbayAuthority) -> None:
    @app.post("/identity/v1/oauth2/token")
    async def token(request: Request) -> Response:
        faulted = await core.guard(request, "oauth2_token")
        if faulted is not None:
            return faulted
        form = {k: v[0] for k, v in parse_qs((await request.body()).decode("utf-8", "replace")).items()}
        status, body = auth.grant(request.headers.get("Authorization"), form)
        return JSONResponse(core.faults.drifted("oauth2_token", body) if status == 200 else body, status_code=status)


def _install_order_routes(app: FastAPI, seller: Seller, serve: Serve) -> None:
    @app.get(ORDERS)
    async def get_orders(request: Request) -> Response:
        return await serve(request, "getOrders", lambda _: (200, _listing(request, seller), {}))

    @app.get(ORDERS + "/{order_id}")
    async def get_order(request: Request, order_id: str) -> Response:
        return await serve(request, "getOrder", lambda _: (200, seller.order(order_id), {}))

    @app.get(ORDERS + "/{order_id}/shipping_fulfillment")
    async def fulfillments(request: Request, order_id: str) -> Response:
        def work(_: Any) -> tuple[int, Any, dict[str, str]]:
            seller.order(order_id)
            found = seller.fulfillments.get(order_id, [])
            return 200, {"fulfillments": found, "total": len(found)}, {}

        return await serve(request, "getShippingFulfillments", work)

    @app.post(ORDERS + "/{order_id}/shipping_fulfillment")
    async def create(request: Request, order_id: str) -> Response:
        def work(body: Any) -> tuple[int, Any, dict[str, str]]:
            if not isinstance(body, dict):
                raise EbayError(400, 32600, "Invalid input data", long_message="the body must be a JSON object")
            fulfillment_id = seller.fulfil(order_id, body)
            location = f"{str(request.base_url).rstrip('/')}{ORDERS}/{order_id}/shipping_fulfillment/{fulfillment_id}"
            return 201, {}, {"Location": location}

        return await serve(request, "createShippingFulfillment", work)


def _listing(request: Request, seller: Seller) -> dict[str, Any]:
    limit, offset = _int(request, "limit", PAGE_LIMIT), _int(request, "offset", 0)
    if not 0 < limit <= MAX_LIMIT:
        raise EbayError(400, 31100, f"Invalid limit: {limit}")
    orders, total = seller.listing(request.query_params.get("filter", ""), limit, offset)
    answer: dict[str, Any] = {"href": str(request.url), "total": total, "limit": limit, "offset": offset}
    answer["orders"] = orders
    if offset + limit < total:
        answer["next"] = str(
            request.url.replace_query_params(**{**request.query_params, "offset": str(offset + limit)})
        )
    return answer


def _int(request: Request, name: str, default: int) -> int:
    value = request.query_params.get(name)
    if value is None:
        return default
    if not is_digits(value):
        raise EbayError(400, 31000 if name == "offset" else 31100, f"Invalid {name}: {value}")
    return int(value)


def _install_test_routes(app: FastAPI, seller: Seller, auth: EbayAuthority) -> None:
    @app.post("/_orders")
    async def add_orders(request: Request) -> dict[str, int]:
        seller.add_orders(json.loads(await request.body())["orders"])
        return {"orders": len(seller.orders)}

    @app.get("/_records")
    async def records() -> dict[str, Any]:
        return {"orders": list(seller.orders.values()), "fulfillments": seller.fulfillments}

    @app.post("/_ebay/expire")
    async def expire() -> dict[str, int]:
        auth.issued.clear()
        return {"exchanges": auth.exchanges}


def _body(raw: bytes) -> Any:
    try:
        return json.loads(raw) if raw else None
    except ValueError:
        raise EbayError(400, 32600, "Invalid input data", long_message="the body is not JSON") from None
