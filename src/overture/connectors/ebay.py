"""eBay's Sell Fulfillment API v1: the seller's orders and their shipping fulfillments.

Wire format (developer.ebay.com/api-docs/sell/fulfillment, OpenAPI ``sell_fulfillment_v1_oas3.json``)::

    GET  /sell/fulfillment/v1/order?filter=creationdate:[2025-01-01T00:00:00.000Z..],
                                    orderfulfillmentstatus:{NOT_STARTED|IN_PROGRESS}&limit=50&offset=0
         -> {"href", "total", "limit", "offset", "orders": [Order, ...], "next": "https://.../order?...&offset=50"}
    GET  /sell/fulfillment/v1/order/{orderId}                                   -> Order
    GET  /sell/fulfillment/v1/order/{orderId}/shipping_fulfillment
         -> {"fulfillments": [{"fulfillmentId", "lineItems": [{"lineItemId", "quantity"}],
                               "shipmentTrackingNumber", "shippingCarrierCode", "shippedDate"}], "total"}
    POST /sell/fulfillment/v1/order/{orderId}/shipping_fulfillment
         {"lineItems": [{"lineItemId", "quantity"}], "shippedDate", "shippingCarrierCode", "trackingNumber"}
         -> 201, Location: {api}/sell/fulfillment/v1/order/{orderId}/shipping_fulfillment/{fulfillmentId}
    errors -> {"errors": [{"errorId", "domain", "category", "message", "longMessage", "parameters"}]}

Every call carries ``Authorization: Bearer`` with a User access token (connectors/ebay_auth.py), renewed
once when the API answers 401. A listing page's ``next`` is followed until it runs out (a link that points
away from our base URL, or comes back twice, is refused: it would leak the token or loop).

Errors: 429 (with Retry-After) is ``ThrottledError``, 5xx retryable, other 4xx permanent with eBay's
errorId and message; an answer missing a field read here is ``ApiDriftError`` with the raw answer.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime
from typing import Annotated, Any
from urllib.parse import urlsplit

import httpx
from pydantic import BaseModel, ConfigDict, Field, StringConstraints
from pydantic.alias_generators import to_camel

from overture.connectors.contracts import Contract, expect
from overture.connectors.http import ConnectorConfig, HttpConnector
from overture.connectors.oauth_tokens import AccessTokens
from overture.services.ports.connector_errors import ConnectorError, PermanentConnectorError

ORDERS = "/sell/fulfillment/v1/order"
PAGE_LIMIT = 50  # eBay's default; at most 200
LISTED_STATUSES = "NOT_STARTED|IN_PROGRESS"  # the documented combination for orders not yet fully shipped
_ORDER_ID = re.compile(r"^[A-Za-z0-9-]{1,64}$")


class _Ebay(Contract):
    """eBay's answers: each field read by its camelCase name."""

    model_config = ConfigDict(alias_generator=to_camel)


class _LineHead(_Ebay):
    line_item_id: str
    sku: str | None = None
    quantity: int


class _Cancel(_Ebay):
    cancel_state: str


class OrderHead(_Ebay):
    """What the connector and its users read of an Order."""

    order_id: str
    order_fulfillment_status: str
    order_payment_status: str
    cancel_status: _Cancel | None = None
    line_items: list[_LineHead]


class _OrdersPage(_Ebay):
    orders: list[OrderHead]
    total: int
    next: str | None = None


class FulfilledLine(_Ebay):
    line_item_id: str
    quantity: int


class Fulfillment(_Ebay):
    fulfillment_id: str
    shipment_tracking_number: str | None = None
    line_items: list[FulfilledLine] = Field(default_factory=list)


class _Fulfillments(_Ebay):
    fulfillments: list[Fulfillment]


class _Created(_Ebay):
    location: Annotated[str, StringConstraints(min_length=1)]


class EbayConnector(HttpConnector):
    """The calls Overture makes to one eBay seller account."""

    def __init__(
        self,
        config: ConnectorConfig,
        *,
        tokens: AccessTokens,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        super().__init__(config, transport=transport, headers={"Accept": "application/json"})
        self._tokens = tokens

    async def aclose(self) -> None:
        """Close the connection, and the token endpoint's when the tokens hold one."""
        await super().aclose()
        close = getattr(self._tokens, "aclose", None)
        if close is not None:
            await close()

    async def iter_orders(self, since: datetime) -> AsyncIterator[dict[str, Any]]:
        """Every order created at or after ``since`` not yet fully shipped, as eBay sent it, page by page."""
        params: dict[str, str | int] | None = {
            "filter": f"creationdate:[{iso_ms(since)}..],orderfulfillmentstatus:{{{LISTED_STATUSES}}}",
            "limit": PAGE_LIMIT,
            "offset": 0,
        }
        path, seen = ORDERS, set[str]()
        while True:
            answer = await self._authed(_OrdersPage, "GET", path, "getOrders", params=params)
            for order in answer["orders"]:
                yield order
            link = answer.get("next")
            if not link:
                return
            path, params = self._next(str(link), seen), None

    async def get_order(self, order_id: str) -> OrderHead:
        answer = await self._authed(OrderHead, "GET", f"{ORDERS}/{_id(order_id)}", "getOrder")
        return OrderHead.model_validate(answer)

    async def shipping_fulfillments(self, order_id: str) -> list[Fulfillment]:
        path = f"{ORDERS}/{_id(order_id)}/shipping_fulfillment"
        answer = await self._authed(_Fulfillments, "GET", path, "getShippingFulfillments")
        return _Fulfillments.model_validate(answer).fulfillments

    async def create_shipping_fulfillment(self, order_id: str, body: dict[str, Any]) -> str:
        """A fulfillment for ``body``'s line items; its id (the last part of the answer's Location)."""
        path = f"{ORDERS}/{_id(order_id)}/shipping_fulfillment"
        answer = await self._authed(_Created, "POST", path, "createShippingFulfillment", json=body)
        return str(answer["location"]).rstrip("/").rsplit("/", 1)[-1]

    # ---- one call -----------------------------------------------------------------------

    async def _authed(
        self,
        model: type[BaseModel],
        method: str,
        path: str,
        operation: str,
        *,
        params: dict[str, str | int] | None = None,
        json: Any = None,
    ) -> dict[str, Any]:
        """One call with a bearer token (sent once more with a fresh token after a 401), its answer checked
        against ``model`` and handed back as eBay sent it."""
        renewed = False
        while True:
            token = await self._tokens.access_token()
            headers = {"Authorization": f"Bearer {token}"}
            if json is not None:
                headers["Content-Type"] = "application/json"
            try:
                return await self._send(
                    method, path, operation, self._checked(model, operation),
                    json=json, key=None, params=params, form=None, headers=headers,
                )  # fmt: skip
            except PermanentConnectorError as error:
                if error.status != 401 or renewed:
                    raise
                self._tokens.invalidate(token)
                renewed = True

    def _checked(self, model: type[BaseModel], operation: str) -> Callable[[dict[str, Any]], dict[str, Any]]:
        def read(answer: dict[str, Any]) -> dict[str, Any]:
            expect(model, answer, connector=self.name, operation=operation)
            return answer

        return read

    def _decode(self, response: httpx.Response, operation: str) -> dict[str, Any]:
        """As the base class; a 201 (createShippingFulfillment) is read as its Location header."""
        if response.status_code == 201:
            decoded = super()._decode(response, operation) if response.content.strip() else {}
            return {**decoded, "location": response.headers.get("Location", "")}
        return super()._decode(response, operation)

    def _status_error(self, response: httpx.Response, operation: str) -> ConnectorError:
        error = super()._status_error(response, operation)
        said = ebay_error(response)
        if said:  # eBay's own words, not the whole body
            error.message = f"{response.reason_phrase or 'error'}: {said}"
            error.args = (error.message,)
        return error

    def _next(self, link: str, seen: set[str]) -> str:
        """``next`` as a path on our base URL; refused if it points elsewhere or came back before."""
        parts, base = urlsplit(link), urlsplit(str(self._client.base_url))
        if parts.netloc and parts.netloc != base.netloc:
            raise self._refusal("getOrders", f"next points away from {base.netloc}: {link}")
        if link in seen:
            raise self._refusal("getOrders", f"next {link!r} came back twice")
        seen.add(link)
        return parts.path + (f"?{parts.query}" if parts.query else "")

    def _refusal(self, operation: str, message: str) -> PermanentConnectorError:
        error = PermanentConnectorError(message, connector=self.name, operation=operation)
        self._count_failure(error)
        return error


def ebay_error(response: httpx.Response) -> str:
    """``errorId message: longMessage`` of the first error of eBay's body, or OAuth's ``error: description``."""
    try:
        body = response.json()
    except ValueError:
        return ""
    if not isinstance(body, dict):
        return ""
    errors = body.get("errors")
    if isinstance(errors, list) and errors and isinstance(errors[0], dict):
        first = errors[0]
        head = " ".join(str(first.get(k) or "").strip() for k in ("errorId", "message")).strip()
        long = str(first.get("longMessage") or "").strip()
        return f"{head}: {long}" if long and long != str(first.get("message")) else head
    if isinstance(body.get("error"), str):
        description = str(body.get("error_description") or "").strip()
        return f"{body['error']}: {description}" if description else str(body["error"])
    return ""


def iso_ms(moment: datetime) -> str:
    """eBay's timestamps: UTC with milliseconds, ``2025-01-01T00:00:00.000Z``."""
    if moment.tzinfo is None:
        raise ValueError("the moment must be timezone-aware")
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def _id(order_id: str) -> str:
    """eBay's order IDs are letters, digits and hyphens (``03-14798-73169``); anything else makes another URL."""
    if not _ORDER_ID.match(order_id):
        raise ValueError(f"{order_id!r} is not an eBay order ID")
    return order_id
