"""A simulated Amazon Selling Partner API (Orders v0): getOrders and getOrderItems, paginated and throttled.

Routes (operation names for ``POST /_faults`` and ``GET /_stats`` in brackets)::

    GET  /orders/v0/orders?CreatedAfter=|LastUpdatedAfter=&MarketplaceIds=A,B[&NextToken=&MaxResultsPerPage=]
                                                   [getOrders]      -> {"payload": {"Orders", "NextToken"?}}
    GET  /orders/v0/orders/{orderId}/orderItems[?NextToken=]
                                                   [getOrderItems]  -> {"payload": {"AmazonOrderId", "OrderItems", ...}}
    GET  /orders/v0/orders/{orderId}/address       [getOrderAddress] -> {"payload": {"AmazonOrderId", ...}}
    POST /orders/v0/orders/{orderId}/shipmentConfirmation  [confirmShipment] -> 204
    POST /auth/o2/token, POST /tokens/2021-03-01/restrictedDataToken   with ``lwa`` (simulators/amazon_auth.py)
    POST /_orders   {"orders": [{"order": Order, "items": [OrderItem]}]}  add or replace orders
    POST /_config   {"page_size", "items_page_size", "limits": {"getOrders": {"rate_per_s", "burst"}}}
    GET  /_config, GET /_records (the orders held)
    plus the control routes of :mod:`overture.simulators.common`.

Like SP-API: errors are ``{"errors": [{"code", "message", "details"}]}``; every answer carries
``x-amzn-RequestId`` and ``x-amzn-RateLimit-Limit`` (the operation's rate); each operation has a
token bucket and a call finding it empty gets 429 ``QuotaExceeded`` without a Retry-After. A
NextToken pins the list the first page was cut from, so orders added meanwhile do not shift pages.
Items of a ``Pending`` order come without prices, as the API model says they do. When created
with an ``access_token``, calls without that ``x-amz-access-token`` get 403 ``Unauthorized``; created
with an ``lwa`` authority, only the access tokens it issued (and not yet lapsed) may call, and
getOrderAddress wants a Restricted Data Token for its path. ``restricted_addresses`` lists orders with
only the public part of their address, as SP-API does for a caller without an RDT.
"""

from __future__ import annotations

import copy
import json
import secrets
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response

from overture.domain.digits import is_digits
from overture.simulators.amazon_auth import DENIED, LwaAuthority, install_auth_routes
from overture.simulators.amazon_models import (
    CONFIRM_SHIPMENT,
    GET_ORDER,
    GET_ORDER_ADDRESS,
    GET_ORDER_ITEMS,
    GET_ORDERS,
    MAX_PAGE,
    ConfigIn,
    OrdersIn,
    parse_time,
)
from overture.simulators.amazon_seed import seed_orders, strip_prices
from overture.simulators.amazon_shipping import Refused, address_payload, confirm, listed
from overture.simulators.common import SimulatorCore, install_control_routes


class TokenBucket:
    """SP-API's throttling: ``burst`` calls at once, refilled at ``rate_per_s``; never waits, only refuses."""

    def __init__(self, rate_per_s: float, burst: int, *, clock: Callable[[], float] = time.monotonic) -> None:
        self.rate_per_s = rate_per_s
        self.burst = burst
        self._clock = clock
        self._tokens = float(burst)
        self._updated = clock()

    def try_take(self) -> bool:
        now = self._clock()
        self._tokens = min(float(self.burst), self._tokens + (now - self._updated) * self.rate_per_s)
        self._updated = now
        if self._tokens >= 1.0:
            self._tokens -= 1.0
            return True
        return False


class ApiError(Exception):
    def __init__(self, status: int, code: str, message: str, details: str = "") -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.details = details


@dataclass
class _Cursor:
    """What a NextToken stands for: the rest of a list fixed when its first page was served."""

    entries: list[Any]
    offset: int
    page_size: int


@dataclass
class Marketplace:
    """The orders the simulated seller has, the pagination cursors handed out, and the buckets."""

    page_size: int = MAX_PAGE
    items_page_size: int = MAX_PAGE
    limits: dict[str, tuple[float, int]] = field(default_factory=dict)
    orders: dict[str, dict[str, Any]] = field(default_factory=dict)
    cursors: dict[str, _Cursor] = field(default_factory=dict)
    buckets: dict[str, TokenBucket] = field(default_factory=dict)
    throttled: dict[str, int] = field(default_factory=dict)
    restricted_addresses: bool = False
    confirmations: list[dict[str, Any]] = field(default_factory=list)

    def restart(self, page_size: int, items_page_size: int, limits: dict[str, tuple[float, int]]) -> None:
        """Back to a fresh state: no orders, cursors, buckets or counts."""
        self.page_size, self.items_page_size, self.limits = page_size, items_page_size, dict(limits)
        for held in (self.orders, self.cursors, self.buckets, self.throttled):
            held.clear()
        self.confirmations.clear()

    def add(self, orders: list[dict[str, Any]]) -> None:
        for entry in orders:
            self.orders[str(entry["order"]["AmazonOrderId"])] = {"order": entry["order"], "items": entry["items"]}

    def limit(self, operation: str) -> TokenBucket:
        if operation not in self.buckets:
            rate, burst = self.limits[operation]
            self.buckets[operation] = TokenBucket(rate, burst)
        return self.buckets[operation]

    def orders_page(self, query: dict[str, str]) -> dict[str, Any]:
        token = query.get("NextToken")
        if token:
            cursor = self._cursor(token)
        else:
            size = _page_size(query.get("MaxResultsPerPage"), self.page_size)
            cursor = _Cursor(self._matching(query), 0, size)
        ids, next_token = self._cut(cursor)
        restricted = self.restricted_addresses
        payload: dict[str, Any] = {
            "Orders": [listed(self.orders[i]["order"], restricted=restricted) for i in ids if i in self.orders]
        }
        if next_token:
            payload["NextToken"] = next_token
        return payload

    def items_page(self, order_id: str, token: str | None) -> dict[str, Any]:
        entry = self.orders.get(order_id)
        if entry is None:
            raise ApiError(404, "NotFound", f"order {order_id} was not found")
        if token:
            cursor = self._cursor(token)
        else:
            pending = entry["order"].get("OrderStatus") == "Pending"
            cursor = _Cursor([strip_prices(i) if pending else i for i in entry["items"]], 0, self.items_page_size)
        items, next_token = self._cut(cursor)
        payload: dict[str, Any] = {"AmazonOrderId": order_id, "OrderItems": items}
        if next_token:
            payload["NextToken"] = next_token
        return payload

    def entry(self, order_id: str) -> dict[str, Any]:
        entry = self.orders.get(order_id)
        if entry is None:
            raise ApiError(404, "NotFound", f"order {order_id} was not found")
        return entry

    def _matching(self, query: dict[str, str]) -> list[str]:
        markets = {m for m in query.get("MarketplaceIds", "").split(",") if m}
        if not markets:
            raise ApiError(400, "InvalidInput", "MarketplaceIds is required")
        created_after = _when(query, "CreatedAfter")
        updated_after = _when(query, "LastUpdatedAfter")
        if created_after is None and updated_after is None:
            raise ApiError(400, "InvalidInput", "either CreatedAfter or LastUpdatedAfter is required")
        found = []
        for entry in self.orders.values():
            order = entry["order"]
            if order.get("MarketplaceId") not in markets:
                continue
            if created_after and parse_time(order["PurchaseDate"]) < created_after:
                continue
            if updated_after and parse_time(order["LastUpdateDate"]) < updated_after:
                continue
            found.append(order)
        found.sort(key=lambda o: (parse_time(o["PurchaseDate"]), o["AmazonOrderId"]))
        return [o["AmazonOrderId"] for o in found]

    def _cursor(self, token: str) -> _Cursor:
        cursor = self.cursors.get(token)
        if cursor is None:
            raise ApiError(400, "InvalidInput", "Invalid NextToken")
        return cursor

    def _cut(self, cursor: _Cursor) -> tuple[list[Any], str | None]:
        end = cursor.offset + cursor.page_size
        page = cursor.entries[cursor.offset : end]
        if end >= len(cursor.entries):
            return page, None
        token = secrets.token_urlsafe(18)
        self.cursors[token] = _Cursor(cursor.entries, end, cursor.page_size)
        return page, token


def create_amazon_app(
    *,
    orders: list[dict[str, Any]] | None = None,
    page_size: int = MAX_PAGE,
    items_page_size: int = MAX_PAGE,
    get_orders_limit: tuple[float, int] = (0.0167, 20),
    get_order_items_limit: tuple[float, int] = (0.5, 30),
    access_token: str | None = None,
    lwa: LwaAuthority | None = None,
    restricted_addresses: bool = False,
) -> FastAPI:
    """The simulator app holding ``orders`` (default: 12 seeded ones); limits are (rate per second, burst)."""
    seeded = list(orders) if orders is not None else seed_orders(12)
    limits = {
        GET_ORDERS: get_orders_limit,
        GET_ORDER_ITEMS: get_order_items_limit,
        GET_ORDER: (0.5, 30),
        GET_ORDER_ADDRESS: (0.5, 30),
        CONFIRM_SHIPMENT: (2.0, 10),
    }
    core = SimulatorCore("amazon")
    market = Marketplace()
    authority = lwa or LwaAuthority(static_token=access_token, open_access=access_token is None)

    def reset() -> None:
        market.restart(page_size, items_page_size, limits)
        market.restricted_addresses = restricted_addresses
        market.add(copy.deepcopy(seeded))  # confirmations change items: a reset starts them unshipped

    reset()

    app = FastAPI(title="Overture Amazon SP-API simulator")
    app.state.core = core
    app.state.marketplace = market

    async def serve(
        request: Request, operation: str, read: Callable[[], dict[str, Any] | None], *, rdt_for: str = ""
    ) -> Response:
        rate = market.limit(operation).rate_per_s
        faulted = await core.guard(request, operation)
        if faulted is not None:
            return _with_headers(faulted, rate)
        try:
            _authorise(request, access_token, lwa, rdt_for, authority)
            if not market.limit(operation).try_take():
                market.throttled[operation] = market.throttled.get(operation, 0) + 1
                raise ApiError(429, "QuotaExceeded", "You exceeded your quota for the requested resource.")
            payload = read()
            drifted = core.faults.drifted(operation, {"payload": payload})
            answer = Response(status_code=204) if payload is None else JSONResponse(drifted)
            return _with_headers(answer, rate)
        except ApiError as error:
            return _with_headers(_errors(error), rate)
        except Refused as error:
            return _with_headers(_errors(ApiError(400, error.code, str(error), error.details)), rate)

    @app.get("/orders/v0/orders")
    async def get_orders(request: Request) -> Response:
        query = dict(request.query_params)
        return await serve(request, GET_ORDERS, lambda: market.orders_page(query))

    @app.get("/orders/v0/orders/{order_id}/orderItems")
    async def get_order_items(request: Request, order_id: str) -> Response:
        token = request.query_params.get("NextToken")
        return await serve(request, GET_ORDER_ITEMS, lambda: market.items_page(order_id, token))

    @app.get("/orders/v0/orders/{order_id}")
    async def get_order(request: Request, order_id: str) -> Response:
        restricted = market.restricted_addresses
        return await serve(request, GET_ORDER, lambda: listed(market.entry(order_id)["order"], restricted=restricted))

    @app.get("/orders/v0/orders/{order_id}/address")
    async def get_order_address(request: Request, order_id: str) -> Response:
        path = request.url.path
        return await serve(
            request, GET_ORDER_ADDRESS, lambda: address_payload(order_id, market.entry(order_id)["order"]), rdt_for=path
        )

    @app.post("/orders/v0/orders/{order_id}/shipmentConfirmation")
    async def confirm_shipment(request: Request, order_id: str) -> Response:
        try:
            body = json.loads(await request.body() or b"null")
        except ValueError:
            body = None  # refused by the checks below, as any body without a packageDetail
        return await serve(
            request, CONFIRM_SHIPMENT, lambda: confirm(market.entry(order_id), body, market.confirmations)
        )

    install_auth_routes(app, core, authority)

    @app.post("/_orders")
    async def add_orders(body: OrdersIn) -> dict[str, int]:
        market.add([entry.model_dump() for entry in body.orders])
        return {"orders": len(market.orders)}

    @app.post("/_config")
    async def configure(config: ConfigIn) -> dict[str, Any]:
        market.page_size = config.page_size or market.page_size
        market.items_page_size = config.items_page_size or market.items_page_size
        for operation, limit in config.limits.items():
            market.limits[operation] = (limit.rate_per_s, limit.burst)
            market.buckets.pop(operation, None)
        return _config(market)

    @app.get("/_config")
    async def get_config() -> dict[str, Any]:
        return _config(market)

    @app.get("/_records")
    async def records() -> dict[str, Any]:
        return {"orders": list(market.orders.values()), "confirmations": market.confirmations}

    install_control_routes(app, core, on_reset=reset, extra_stats=lambda: {"throttled": dict(market.throttled)})
    return app


def _authorise(
    request: Request, access_token: str | None, lwa: LwaAuthority | None, rdt_for: str, authority: LwaAuthority
) -> None:
    token = request.headers.get("x-amz-access-token")
    if rdt_for:  # a restricted operation: only an RDT issued for its path will do
        if not authority.allows(token, rdt_for):
            raise ApiError(403, "Unauthorized", DENIED, "This operation requires a Restricted Data Token.")
        return
    refused = lwa.check(token) if lwa is not None else None
    if refused:
        raise ApiError(403, "Unauthorized", DENIED, refused)
    if lwa is None and access_token is not None and token != access_token:
        raise ApiError(403, "Unauthorized", DENIED)


def _errors(error: ApiError) -> JSONResponse:
    body = {"errors": [{"code": error.code, "message": str(error), "details": error.details}]}
    return JSONResponse(body, status_code=error.status)


def _with_headers(response: Response, rate: float) -> Response:
    response.headers["x-amzn-RequestId"] = str(uuid.uuid4())
    response.headers["x-amzn-RateLimit-Limit"] = f"{rate:g}"
    return response


def _config(market: Marketplace) -> dict[str, Any]:
    return {
        "page_size": market.page_size,
        "items_page_size": market.items_page_size,
        "limits": {op: {"rate_per_s": rate, "burst": burst} for op, (rate, burst) in market.limits.items()},
    }


def _page_size(value: str | None, default: int) -> int:
    if value is None:
        return default
    if not is_digits(value) or not 1 <= int(value) <= MAX_PAGE:
        raise ApiError(400, "InvalidInput", f"MaxResultsPerPage must be 1 - {MAX_PAGE}")
    return int(value)


def _when(query: dict[str, str], name: str) -> datetime | None:
    value = query.get(name)
    if value is None:
        return None
    try:
        return parse_time(value)
    except ValueError:
        raise ApiError(400, "InvalidInput", f"{name} must be an ISO 8601 date") from None
