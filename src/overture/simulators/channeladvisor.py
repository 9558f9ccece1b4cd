"""A simulated ChannelAdvisor REST API v1: the token endpoint, orders with export state, shipping,
product quantities per distribution center and prices (state: simulators/channeladvisor_state.py).

Routes (operation names for ``POST /_faults`` and ``GET /_stats`` in brackets)::

    POST  /oauth2/token   Basic app id:secret, form grant_type=refresh_token&refresh_token  [oauth2_token]
                          -> {"access_token", "token_type": "bearer", "expires_in"}; 400 {"error": "invalid_grant"}
    GET   /v1/Orders?exported=&$filter=&$expand=&$top=&$skip=     [getOrders]   -> {"value", "@odata.nextLink"?}
    GET   /v1/Orders(ID)?$expand=                                  [getOrder]
    POST  /v1/Orders(ID)/Export, DELETE /v1/Orders(ID)/Export      [exportOrder] -> 204
    POST  /v1/Orders(ID)/Ship   {"Value": {...}}                   [shipOrder]   -> 204
    GET   /v1/Products?$filter=Sku eq '..'&$select=ID              [getProducts]
    POST  /v1/Products(ID)/UpdateQuantity {"Value": {"UpdateType", "Updates"}}   [updateQuantity] -> 204
    PATCH /v1/Products(ID)  {"BuyItNowPrice": ...}                 [updatePrice] -> 204
    POST  /_orders {"orders": [Order]}, GET /_records, POST /_ca/expire (revoke every access token)
    plus the control routes of :mod:`overture.simulators.common`.

Every /v1 call needs ``Authorization: Bearer`` with a token the endpoint issued and that has not lapsed,
else 401. Errors are OData's ``{"error": {"code", "message"}}``. A ``rename_fields`` fault renames keys of
the answers of its operation, as a drifted API would.
"""

from __future__ import annotations

import base64
import json
import secrets
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any
from urllib.parse import parse_qs

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response

from overture.simulators.channeladvisor_state import (
    DEFAULT_SKUS,
    PAGE_SIZE,
    Account,
    ODataError,
    dumps,
    expanded,
    seed_orders,
)
from overture.simulators.common import SimulatorCore, install_control_routes

UPDATE_TYPES = frozenset({"Absolute", "Relative", "Available", "InStock", "UnShipped"})


@dataclass
class CaAuthority:
    """The REST application and the account's refresh token, and the access tokens handed out."""

    application_id: str = "simulator-application-id"
    shared_secret: str = "simulator-shared-secret"
    refresh_token: str = "simulator-refresh-token"
    lifetime_s: int = 3600
    clock: Callable[[], float] = time.monotonic
    issued: dict[str, float] = field(default_factory=dict)
    exchanges: int = 0

    def grant(self, authorization: str | None, form: dict[str, str]) -> tuple[int, dict[str, Any]]:
        expected = base64.b64encode(f"{self.application_id}:{self.shared_secret}".encode()).decode()
        if authorization != f"Basic {expected}":
            return 400, {"error": "invalid_client"}
        if form.get("grant_type") != "refresh_token":
            return 400, {"error": "unsupported_grant_type"}
        if form.get("refresh_token") != self.refresh_token:
            return 400, {"error": "invalid_grant"}
        token = secrets.token_urlsafe(32)
        self.issued[token] = self.clock() + self.lifetime_s
        self.exchanges += 1
        return 200, {"access_token": token, "token_type": "bearer", "expires_in": self.lifetime_s}

    def allows(self, authorization: str | None) -> bool:
        token = (authorization or "").removeprefix("Bearer ")
        lapses = self.issued.get(token)
        return lapses is not None and self.clock() < lapses


Serve = Callable[[Request, str, Callable[[Any], Any | None]], Awaitable[Response]]


def create_channeladvisor_app(
    *,
    orders: list[dict[str, Any]] | None = None,
    skus: tuple[str, ...] = DEFAULT_SKUS,
    page_size: int = PAGE_SIZE,
    authority: CaAuthority | None = None,
) -> FastAPI:
    """The simulator holding ``orders`` (default: 9 seeded ones from Walmart, eBay and Amazon)."""
    seeded = list(orders) if orders is not None else seed_orders(9)
    core, account, auth = SimulatorCore("channeladvisor"), Account(page_size=page_size), authority or CaAuthority()

    def reset() -> None:
        account.clear()
        account.add_orders(seeded)
        account.add_products(skus)

    reset()
    app = FastAPI(title="Overture ChannelAdvisor simulator")
    app.state.core, app.state.account, app.state.authority = core, account, auth
    serve = _server(core, auth)
    _install_token_route(app, core, auth)
    _install_order_routes(app, account, serve)
    _install_product_routes(app, account, serve)
    _install_test_routes(app, account, auth)
    install_control_routes(app, core, on_reset=reset)
    return app


def _server(core: SimulatorCore, auth: CaAuthority) -> Serve:
    """One /v1 call: faults first, then the bearer token, then the work; its answer drifted if asked."""

    async def serve(request: Request, operation: str, work: Callable[[Any], Any | None]) -> Response:
        faulted = await core.guard(request, operation)
        if faulted is not None:
            return faulted
        if not auth.allows(request.headers.get("Authorization")):
            return _error(401, "", "Authorization has been denied for this request.")
        try:
            answer = work(_body(await request.body()))
        except ODataError as error:
            return _error(error.status, error.code, str(error))
        if answer is None:
            return Response(status_code=204)
        return Response(dumps(core.faults.drifted(operation, answer)), media_type="application/json")

    return serve


def _install_token_route(app: FastAPI, core: SimulatorCore, auth: CaAuthority) -> None:
    @app.post("/oauth2/token")
    async def token(request: Request) -> Response:
        faulted = await core.guard(request, "oauth2_token")
        if faulted is not None:
            return faulted
        form = {k: v[0] for k, v in parse_qs((await request.body()).decode("utf-8", "replace")).items()}
        status, body = auth.grant(request.headers.get("Authorization"), form)
        return JSONResponse(core.faults.drifted("oauth2_token", body) if status == 200 else body, status_code=status)


def _install_order_routes(app: FastAPI, account: Account, serve: Serve) -> None:
    @app.get("/v1/Orders")
    async def get_orders(request: Request) -> Response:
        query = dict(request.query_params)
        return await serve(request, "getOrders", lambda _: _listing(request, account, query))

    @app.get("/v1/Orders({order_id:int})")
    async def get_order(request: Request, order_id: int) -> Response:
        expand = request.query_params.get("$expand", "")
        return await serve(request, "getOrder", lambda _: expanded(account.order(order_id), expand))

    @app.post("/v1/Orders({order_id:int})/Export")
    async def export(request: Request, order_id: int) -> Response:
        return await serve(request, "exportOrder", lambda _: account.mark_exported(order_id, exported=True))

    @app.delete("/v1/Orders({order_id:int})/Export")
    async def unexport(request: Request, order_id: int) -> Response:
        return await serve(request, "exportOrder", lambda _: account.mark_exported(order_id, exported=False))

    @app.post("/v1/Orders({order_id:int})/Ship")
    async def ship(request: Request, order_id: int) -> Response:
        return await serve(request, "shipOrder", lambda body: _ship(account, order_id, body))


def _install_product_routes(app: FastAPI, account: Account, serve: Serve) -> None:
    @app.get("/v1/Products")
    async def products(request: Request) -> Response:
        query = dict(request.query_params)
        return await serve(request, "getProducts", lambda _: {"value": account.product_matches(query)})

    @app.post("/v1/Products({product_id:int})/UpdateQuantity")
    async def quantity(request: Request, product_id: int) -> Response:
        return await serve(request, "updateQuantity", lambda body: _quantity(account, product_id, body))

    @app.patch("/v1/Products({product_id:int})")
    async def price(request: Request, product_id: int) -> Response:
        decimal = "IEEE754Compatible=true" in request.headers.get("Content-Type", "")
        return await serve(request, "updatePrice", lambda body: _price(account, product_id, body, decimal))


def _listing(request: Request, account: Account, query: dict[str, str]) -> dict[str, Any]:
    page, next_skip = account.listing(query)
    answer: dict[str, Any] = {"@odata.context": f"{request.base_url}v1/$metadata#Orders", "value": page}
    if next_skip is not None:
        kept = {k: v for k, v in request.query_params.items() if k != "$skip"}
        link = request.url.replace_query_params(**kept, **{"$skip": str(next_skip)})
        answer["@odata.nextLink"] = str(link)
    return answer


def _ship(account: Account, order_id: int, body: Any) -> None:
    order = account.order(order_id)
    value = body.get("Value") if isinstance(body, dict) else None
    if not isinstance(value, dict) or value.get("DeliveryStatus") != "Complete":
        raise ODataError(400, "", "Value with DeliveryStatus Complete is required to mark an order shipped")
    if order["ShippingStatus"] == "Canceled":
        raise ODataError(400, "", f"Order {order_id} is canceled and cannot be shipped")
    for fulfilment in order["Fulfillments"]:
        if fulfilment["DeliveryStatus"] != "Complete":
            fulfilment.update({k: value.get(k) for k in ("TrackingNumber", "ShippingCarrier", "SellerFulfillmentID")})
            fulfilment["ShippingClass"] = value.get("ShippingClass") or fulfilment["ShippingClass"]
            fulfilment.update(DeliveryStatus="Complete", ShippedDateUtc=value.get("ShippedDateUtc"))
    order["ShippingStatus"] = "Shipped"
    account.shipments.append({"order_id": order_id, **value})


def _quantity(account: Account, product_id: int, body: Any) -> None:
    product = account.product(product_id)
    value = body.get("Value") if isinstance(body, dict) else None
    if not isinstance(value, dict) or not isinstance(value.get("Updates"), list):
        raise ODataError(400, "", "Value.Updates is required")
    if value.get("UpdateType") not in UPDATE_TYPES:
        raise ODataError(400, "", f"Value.UpdateType must be one of {', '.join(sorted(UPDATE_TYPES))}")
    updates: list[dict[str, Any]] = value["Updates"]
    for update in updates:
        dc, quantity = update.get("DistributionCenterID"), update.get("Quantity")
        if not isinstance(dc, int) or not isinstance(quantity, int):
            raise ODataError(400, "", "each update needs an integer DistributionCenterID and Quantity")
        product["DCQuantities"][dc] = {"Quantity": quantity, "UpdateType": value["UpdateType"]}


def _price(account: Account, product_id: int, body: Any, decimal: bool) -> None:
    product = account.product(product_id)
    raw = body.get("BuyItNowPrice") if isinstance(body, dict) else None
    if isinstance(raw, str) and not decimal:
        raise ODataError(400, "", "a decimal sent as a string needs IEEE754Compatible=true")
    try:
        product["BuyItNowPrice"] = Decimal(str(raw))
    except InvalidOperation:
        raise ODataError(400, "", f"BuyItNowPrice {raw!r} is not a decimal") from None


def _install_test_routes(app: FastAPI, account: Account, auth: CaAuthority) -> None:
    @app.post("/_orders")
    async def add_orders(request: Request) -> dict[str, int]:
        account.add_orders(json.loads(await request.body(), parse_float=Decimal)["orders"])
        return {"orders": len(account.orders)}

    @app.get("/_records")
    async def records() -> Response:
        held = {"orders": list(account.orders.values()), "exported": sorted(account.exported)}
        products = {
            p["Sku"]: {**p, "DCQuantities": {str(k): v for k, v in p["DCQuantities"].items()}}
            for p in account.products.values()
        }
        return Response(
            dumps({**held, "products": products, "shipments": account.shipments}), media_type="application/json"
        )

    @app.post("/_ca/expire")
    async def expire() -> dict[str, int]:
        auth.issued.clear()
        return {"exchanges": auth.exchanges}


def _body(raw: bytes) -> Any:
    try:
        return json.loads(raw, parse_float=Decimal) if raw else None
    except ValueError:
        raise ODataError(400, "", "The request body is not valid JSON") from None


def _error(status: int, code: str, message: str) -> JSONResponse:
    return JSONResponse({"error": {"code": code, "message": message}}, status_code=status)
