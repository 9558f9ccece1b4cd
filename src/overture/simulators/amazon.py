"""A simulated Amazon Selling Partner API (Orders v0): getOrders and getOrderItems, paginated and throttled.

Routes (operation names for ``POST /_faults`` and ``GET /_stats`` in brackets)::

    GET  /orders/v0/orders?CreatedAfter=|LastUpdatedAfter=&MarketplaceIds=A,B[&NextToken=&MaxResultsPerPage=]
                                                   [getOrders]      -> {"payload": {"Orders", "NextToken"?}}
    GET  /orders/v0/orders/{orderId}/orderItems[?NextToken=]
                                                   [getOrderItems]  -> {"payload": {"AmazonOrderId", "OrderItems", ...}}
    POST /_orders   {"orders": [{"order": Order, "items": [OrderItem]}]}  add or replace orders
    POST /_config   {"page_size", "items_page_size", "limits": {"getOrders": {"rate_per_s", "burst"}}}
    GET  /_config, GET /_records (the orders held)
    plus the control routes of :mod:`overture.simulators.common`.

Like SP-API: errors are ``{"errors": [{"code", "message", "details"}]}``; every answer carries
``x-amzn-RequestId`` and ``x-amzn-RateLimit-Limit`` (the operation's rate); each operation has a
token bucket and a call finding it empty gets 429 ``QuotaExceeded`` without a Retry-After. A
NextToken pins the list the first page was cut from, so orders added meanwhile do not shift pages.
Items of a ``Pending`` order come without prices, as the API model says they do. When created
with an ``access_token``, calls without that ``x-amz-access-token`` get 403 ``Unauthorized``.
"""

from __future__ import annotations

import secrets
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, ConfigDict, Field, field_validator

from overture.simulators.amazon_seed import seed_orders, strip_prices
from overture.simulators.common import SimulatorCore, install_control_routes

GET_ORDERS = "getOrders"
GET_ORDER_ITEMS = "getOrderItems"
MAX_PAGE = 100
ORDER_REQUIRED = ("AmazonOrderId", "PurchaseDate", "LastUpdateDate", "OrderStatus")


class LimitIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    rate_per_s: float = Field(gt=0)
    burst: int = Field(ge=1)


class ConfigIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    page_size: int | None = Field(None, ge=1, le=MAX_PAGE)
    items_page_size: int | None = Field(None, ge=1, le=MAX_PAGE)
    limits: dict[str, LimitIn] = Field(default_factory=dict)

    @field_validator("limits")
    @classmethod
    def _known_operations(cls, limits: dict[str, LimitIn]) -> dict[str, LimitIn]:
        unknown = set(limits) - {GET_ORDERS, GET_ORDER_ITEMS}
        if unknown:
            raise ValueError(f"unknown operations {sorted(unknown)}")
        return limits


class SeededOrderIn(BaseModel):
    order: dict[str, Any]
    items: list[dict[str, Any]]

    @field_validator("order")
    @classmethod
    def _required_fields(cls, order: dict[str, Any]) -> dict[str, Any]:
        for name in ORDER_REQUIRED:  # the API model's required Order fields
            if not isinstance(order.get(name), str) or not order[name]:
                raise ValueError(f"the order needs the string field {name}")
        for name in ("PurchaseDate", "LastUpdateDate"):
            _parse(order[name])
        return order


class OrdersIn(BaseModel):
    orders: list[SeededOrderIn]


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
    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code


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

    def restart(self, page_size: int, items_page_size: int, limits: dict[str, tuple[float, int]]) -> None:
        """Back to a fresh state: no orders, cursors, buckets or counts."""
        self.page_size, self.items_page_size, self.limits = page_size, items_page_size, dict(limits)
        for held in (self.orders, self.cursors, self.buckets, self.throttled):
            held.clear()

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
        payload: dict[str, Any] = {"Orders": [self.orders[i]["order"] for i in ids if i in self.orders]}
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
            if created_after and _parse(order["PurchaseDate"]) < created_after:
                continue
            if updated_after and _parse(order["LastUpdateDate"]) < updated_after:
                continue
            found.append(order)
        found.sort(key=lambda o: (_parse(o["PurchaseDate"]), o["AmazonOrderId"]))
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
) -> FastAPI:
    """The simulator app holding ``orders`` (default: 12 seeded ones); limits are (rate per second, burst)."""
    seeded = list(orders) if orders is not None else seed_orders(12)
    limits = {GET_ORDERS: get_orders_limit, GET_ORDER_ITEMS: get_order_items_limit}
    core = SimulatorCore("amazon")
    market = Marketplace()

    def reset() -> None:
        market.restart(page_size, items_page_size, limits)
        market.add(seeded)

    reset()

    app = FastAPI(title="Overture Amazon SP-API simulator")
    app.state.core = core
    app.state.marketplace = market

    async def serve(request: Request, operation: str, read: Callable[[], dict[str, Any]]) -> Response:
        rate = market.limit(operation).rate_per_s
        faulted = await core.guard(request, operation)
        if faulted is not None:
            return _with_headers(faulted, rate)
        try:
            _authorise(request, access_token)
            if not market.limit(operation).try_take():
                market.throttled[operation] = market.throttled.get(operation, 0) + 1
                raise ApiError(429, "QuotaExceeded", "You exceeded your quota for the requested resource.")
            return _with_headers(JSONResponse({"payload": read()}), rate)
        except ApiError as error:
            return _with_headers(_errors(error), rate)

    @app.get("/orders/v0/orders")
    async def get_orders(request: Request) -> Response:
        query = dict(request.query_params)
        return await serve(request, GET_ORDERS, lambda: market.orders_page(query))

    @app.get("/orders/v0/orders/{order_id}/orderItems")
    async def get_order_items(request: Request, order_id: str) -> Response:
        token = request.query_params.get("NextToken")
        return await serve(request, GET_ORDER_ITEMS, lambda: market.items_page(order_id, token))

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
        return {"orders": list(market.orders.values())}

    install_control_routes(app, core, on_reset=reset, extra_stats=lambda: {"throttled": dict(market.throttled)})
    return app


def _authorise(request: Request, access_token: str | None) -> None:
    if access_token is not None and request.headers.get("x-amz-access-token") != access_token:
        raise ApiError(403, "Unauthorized", "Access to requested resource is denied.")


def _errors(error: ApiError) -> JSONResponse:
    body = {"errors": [{"code": error.code, "message": str(error), "details": ""}]}
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
    if not value.isdigit() or not 1 <= int(value) <= MAX_PAGE:
        raise ApiError(400, "InvalidInput", f"MaxResultsPerPage must be 1 - {MAX_PAGE}")
    return int(value)


def _when(query: dict[str, str], name: str) -> datetime | None:
    value = query.get(name)
    if value is None:
        return None
    try:
        return _parse(value)
    except ValueError:
        raise ApiError(400, "InvalidInput", f"{name} must be an ISO 8601 date") from None


def _parse(value: str) -> datetime:
    moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    if moment.tzinfo is None:
        raise ValueError("no time zone")
    return moment
