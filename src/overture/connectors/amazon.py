"""Connector to Amazon's Selling Partner API, Orders v0: list orders and their items page by page, read
a buyer's shipping address, confirm shipments.

Wire format (SP-API Orders v0, JSON; every answer wraps its data in ``payload``)::

    GET /orders/v0/orders?CreatedAfter=ISO&MarketplaceIds=A,B[&NextToken=T]
        -> {"payload": {"Orders": [Order, ...], "NextToken": "..."}}
    GET /orders/v0/orders/{orderId}/orderItems[?NextToken=T]
        -> {"payload": {"AmazonOrderId": "...", "OrderItems": [OrderItem, ...], "NextToken": "..."}}
    GET /orders/v0/orders/{orderId}                    -> {"payload": Order}
    GET /orders/v0/orders/{orderId}/address            (restricted: an RDT as access token)
        -> {"payload": {"AmazonOrderId": "...", "ShippingAddress": Address}}
    POST /orders/v0/orders/{orderId}/shipmentConfirmation
        {"marketplaceId", "packageDetail": {"packageReferenceId", "carrierCode", "trackingNumber",
         "shipDate", "orderItems": [{"orderItemId", "quantity"}]}}  -> 204, no body
    errors  -> {"errors": [{"code": "InvalidInput", "message": "...", "details": "..."}]}

Authentication: every call carries ``x-amz-access-token``, an LWA access token from the seller's
refresh token (connectors/amazon_auth.py), renewed before it lapses and once more when SP-API answers
403 (a token revoked early). getOrders lists orders without the buyer's address (personal data): it
is read with getOrderAddress, whose access token is a Restricted Data Token asked for that one path.

Rate limits: SP-API throttles each operation with its own token bucket (getOrders 0.0167 requests
a second with a burst of 20, getOrderItems 0.5 with a burst of 30, per the API model) and reports
the seller's actual rate in the ``x-amzn-RateLimit-Limit`` header. The connector keeps one bucket
per operation, adopts the rate the header reports, and paces its calls to stay inside it.

Throttling (429): unlike the other connectors, this one retries a throttled call itself, a bounded
number of times, waiting the Retry-After (or, as SP-API rarely sends one, the bucket's refill time,
doubling each attempt). A pull walks a chain of NextTokens that a caller-level retry would have to
restart, and throttling is the ordinary rhythm of a bulk pull rather than a failure; other errors
(5xx, timeouts) are raised as usual for the caller's retry policy, and so is a 429 that outlasts
``max_throttle_retries`` or asks for a wait above ``max_throttle_wait_s``.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import httpx

from overture.connectors.amazon_auth import RDT_PATH, RdtAnswer
from overture.connectors.contracts import expect, raw_text
from overture.connectors.http import ConnectorConfig, HttpConnector, RateLimiter
from overture.connectors.oauth_tokens import AccessTokens, StaticToken
from overture.services.ports.connector_errors import (
    ApiDriftError,
    ConnectorError,
    PermanentConnectorError,
    ThrottledError,
)

GET_ORDERS = "getOrders"
GET_ORDER_ITEMS = "getOrderItems"
GET_ORDER = "getOrder"
GET_ORDER_ADDRESS = "getOrderAddress"
CONFIRM_SHIPMENT = "confirmShipment"
CREATE_RDT = "createRestrictedDataToken"
RATE_LIMIT_HEADER = "x-amzn-RateLimit-Limit"
ORDERS_PATH = "/orders/v0/orders"

Sleep = Callable[[float], Awaitable[None]]


@dataclass(frozen=True)
class OperationLimit:
    rate_per_s: float
    burst: int


@dataclass(frozen=True)
class AmazonLimits:
    """Per-operation usage plans; the defaults are the API model's. Tests pass faster ones."""

    get_orders: OperationLimit = OperationLimit(0.0167, 20)
    get_order_items: OperationLimit = OperationLimit(0.5, 30)
    get_order: OperationLimit = OperationLimit(0.5, 30)
    get_order_address: OperationLimit = OperationLimit(0.5, 30)
    confirm_shipment: OperationLimit = OperationLimit(2.0, 10)
    create_rdt: OperationLimit = OperationLimit(1.0, 10)
    max_throttle_retries: int = 5
    max_throttle_wait_s: float = 120.0
    follow_rate_header: bool = True


@dataclass(frozen=True)
class OrdersPage:
    orders: list[dict[str, Any]]
    next_token: str | None


@dataclass(frozen=True)
class OrderItemsPage:
    order_id: str
    items: list[dict[str, Any]]
    next_token: str | None


class AdaptiveRateLimiter(RateLimiter):
    """A token bucket whose rate follows what the server says, and which empties when throttled."""

    @property
    def rate_per_s(self) -> float:
        return self._rate

    def adopt_rate(self, rate_per_s: float) -> None:
        self._rate = rate_per_s

    def drain(self) -> None:
        """The server said our bucket is empty: believe it, so the next call waits a refill."""
        self._tokens = 0.0
        self._updated = self._clock()


class AmazonOrdersConnector(HttpConnector):
    """getOrders and getOrderItems, with NextToken iteration, per-operation pacing and 429 retries."""

    def __init__(
        self,
        config: ConnectorConfig,
        *,
        tokens: AccessTokens | None = None,
        access_token: str | None = None,
        limits: AmazonLimits | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        """``tokens``: LWA tokens (amazon_auth.LwaTokens); ``access_token``: a fixed one (sandbox, tests)."""
        super().__init__(config, transport=transport)
        if (tokens is None) == (access_token is None):
            raise ValueError("give either LWA tokens or an access token")
        self._tokens = tokens or StaticToken(access_token or "")
        self.limits = limits or AmazonLimits()
        self._sleep = sleep
        lim = self.limits
        self._limiters = {
            GET_ORDERS: _limiter(lim.get_orders),
            GET_ORDER_ITEMS: _limiter(lim.get_order_items),
            GET_ORDER: _limiter(lim.get_order),
            GET_ORDER_ADDRESS: _limiter(lim.get_order_address),
            CONFIRM_SHIPMENT: _limiter(lim.confirm_shipment),
            CREATE_RDT: _limiter(lim.create_rdt),
        }

    def rate_of(self, operation: str) -> float:
        """The rate an operation is paced at now (the configured one until the server reports its own)."""
        return self._limiters[operation].rate_per_s

    async def get_orders(
        self, created_after: datetime, marketplace_ids: list[str], next_token: str | None = None
    ) -> OrdersPage:
        """One page of orders created at or after ``created_after`` in the given marketplaces."""
        if not marketplace_ids:
            raise ValueError("at least one marketplace id is needed")
        params: dict[str, str | int] = {
            "CreatedAfter": iso_utc(created_after),
            "MarketplaceIds": ",".join(marketplace_ids),
        }
        if next_token:
            params["NextToken"] = next_token
        payload = await self._get(GET_ORDERS, ORDERS_PATH, params)
        return OrdersPage(self._list(payload, "Orders", GET_ORDERS), _token(payload))

    async def get_order_items(self, order_id: str, next_token: str | None = None) -> OrderItemsPage:
        """One page of an order's items."""
        params: dict[str, str | int] = {"NextToken": next_token} if next_token else {}
        payload = await self._get(GET_ORDER_ITEMS, f"{ORDERS_PATH}/{order_id}/orderItems", params)
        items = self._list(payload, "OrderItems", GET_ORDER_ITEMS)
        return OrderItemsPage(str(payload.get("AmazonOrderId") or order_id), items, _token(payload))

    async def get_order(self, order_id: str) -> dict[str, Any]:
        """One order as getOrders would list it (its status and marketplace)."""
        return await self._get(GET_ORDER, f"{ORDERS_PATH}/{order_id}", {})

    async def get_order_address(self, order_id: str) -> dict[str, Any] | None:
        """The buyer's shipping address (``ShippingAddress`` as Amazon sends it), read with an RDT; None
        when Amazon has none for the order (the API model makes it optional)."""
        path = f"{ORDERS_PATH}/{order_id}/address"
        answer = await self._paced(CREATE_RDT, "POST", RDT_PATH, json=_rdt_request(path))
        rdt = expect(RdtAnswer, answer, connector=self.name, operation=CREATE_RDT).token
        payload = self._payload(await self._paced(GET_ORDER_ADDRESS, "GET", path, token=rdt), GET_ORDER_ADDRESS)
        address = payload.get("ShippingAddress")
        if address is not None and not isinstance(address, dict):
            raise self._drift(GET_ORDER_ADDRESS, payload, "payload.ShippingAddress: not an object")
        return address

    async def confirm_shipment(self, order_id: str, body: dict[str, Any]) -> None:
        """Tell Amazon a package left (``body`` a ConfirmShipmentRequest); Amazon answers 204."""
        await self._paced(CONFIRM_SHIPMENT, "POST", f"{ORDERS_PATH}/{order_id}/shipmentConfirmation", json=body)

    async def iter_orders(self, created_after: datetime, marketplace_ids: list[str]) -> AsyncIterator[dict[str, Any]]:
        """Every order created at or after ``created_after``, following NextToken until it runs out."""
        token: str | None = None
        seen: set[str] = set()
        while True:
            page = await self.get_orders(created_after, marketplace_ids, token)
            for order in page.orders:
                yield order
            token = self._next(page.next_token, seen, GET_ORDERS)
            if token is None:
                return

    async def all_order_items(self, order_id: str) -> list[dict[str, Any]]:
        """Every item of an order, across all its pages, in the order Amazon lists them."""
        items: list[dict[str, Any]] = []
        token: str | None = None
        seen: set[str] = set()
        while True:
            page = await self.get_order_items(order_id, token)
            items.extend(page.items)
            token = self._next(page.next_token, seen, GET_ORDER_ITEMS)
            if token is None:
                return items

    # ---- one call, paced and retried when throttled ---------------------------------

    async def _get(self, operation: str, path: str, params: dict[str, str | int]) -> dict[str, Any]:
        return self._payload(await self._paced(operation, "GET", path, params=params), operation)

    async def _paced(
        self,
        operation: str,
        method: str,
        path: str,
        *,
        params: dict[str, str | int] | None = None,
        json: Any = None,
        token: str | None = None,
    ) -> dict[str, Any]:
        """One call in its operation's bucket, retried while throttled, and once with a fresh access token
        after a 403 (an RDT given as ``token`` is not renewed: it was asked for this very call)."""
        limiter = self._limiters[operation]
        attempt, renewed = 0, token is not None
        while True:
            await limiter.acquire()
            access = token or await self._tokens.access_token()
            try:
                headers = {"x-amz-access-token": access}
                return await self._call(method, path, params=params, json=json, headers=headers, operation=operation)
            except ThrottledError as error:
                attempt += 1
                limiter.drain()
                wait = self._throttle_wait(error, attempt, limiter.rate_per_s)
                if wait is None:
                    raise
                await self._sleep(wait)
            except PermanentConnectorError as error:
                if error.status != 403 or renewed:
                    raise
                self._tokens.invalidate(access)
                renewed = True

    def _throttle_wait(self, error: ThrottledError, attempt: int, rate_per_s: float) -> float | None:
        """Seconds to wait before trying again, on top of the drained bucket's pacing; None: give up."""
        if attempt > self.limits.max_throttle_retries:
            return None
        # Without a Retry-After: the drained bucket already waits one refill; add 0, 1, 3, 7... more.
        backoff = (2 ** (attempt - 1) - 1) / rate_per_s
        wait = error.retry_after if error.retry_after is not None else backoff
        return wait if wait <= self.limits.max_throttle_wait_s else None

    def _decode(self, response: httpx.Response, operation: str) -> dict[str, Any]:
        self._observe_rate(response, operation)
        return super()._decode(response, operation)

    def _status_error(self, response: httpx.Response, operation: str) -> ConnectorError:
        self._observe_rate(response, operation)
        return super()._status_error(response, operation)

    def _observe_rate(self, response: httpx.Response, operation: str) -> None:
        rate = parse_rate_limit(response.headers.get(RATE_LIMIT_HEADER))
        limiter = self._limiters.get(operation)
        if rate is not None and limiter is not None and self.limits.follow_rate_header:
            limiter.adopt_rate(rate)

    # ---- reading answers -------------------------------------------------------------

    def _payload(self, answer: dict[str, Any], operation: str) -> dict[str, Any]:
        payload = answer.get("payload")
        if not isinstance(payload, dict):
            raise self._drift(operation, answer, "payload: missing or not an object")
        return payload

    def _drift(self, operation: str, answer: Any, problem: str) -> ApiDriftError:
        error = ApiDriftError(
            f"api drift: the answer does not fit what we read ({problem})",
            connector=self.name,
            operation=operation,
            problems=(problem,),
            raw=raw_text(answer),
        )
        self._count_failure(error)
        return error

    def _list(self, payload: dict[str, Any], key: str, operation: str) -> list[dict[str, Any]]:
        value = payload.get(key)
        if not isinstance(value, list) or not all(isinstance(entry, dict) for entry in value):
            raise self._malformed(operation, f"payload lacks the list of objects {key!r}")
        return value

    def _next(self, token: str | None, seen: set[str], operation: str) -> str | None:
        """The token to follow, refusing one seen before: a server repeating itself would loop forever."""
        if token is None:
            return None
        if token in seen:
            raise self._malformed(operation, f"NextToken {token!r} came back twice")
        seen.add(token)
        return token


def iso_utc(moment: datetime) -> str:
    """ISO 8601 in UTC, as SP-API wants its dates; a naive datetime is refused (whose midnight?)."""
    if moment.tzinfo is None:
        raise ValueError("created_after must be timezone-aware")
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_rate_limit(value: str | None) -> float | None:
    """Requests a second from an ``x-amzn-RateLimit-Limit`` header; None when absent or unreadable."""
    if value is None:
        return None
    try:
        rate = float(value.strip())
    except ValueError:
        return None
    return rate if rate > 0 and rate != float("inf") else None


def _rdt_request(path: str) -> dict[str, Any]:
    return {"restrictedResources": [{"method": "GET", "path": path}]}


def _limiter(limit: OperationLimit) -> AdaptiveRateLimiter:
    return AdaptiveRateLimiter(limit.rate_per_s, limit.burst)


def _token(payload: dict[str, Any]) -> str | None:
    token = payload.get("NextToken")
    # "When present and not empty, pass this string token in the next request" (the API model).
    return token if isinstance(token, str) and token else None
