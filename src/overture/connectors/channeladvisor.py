"""ChannelAdvisor's REST API v1 (OData v4): orders, their export state and shipment, product quantities
per distribution center and prices. ChannelAdvisor feeds orders from the marketplaces it is connected to
(Walmart, eBay, Amazon, ...), each order naming its ``SiteName`` / ``SiteID``.

Wire format (developer.channeladvisor.com)::

    GET  /v1/Orders?exported=false&$filter=CreatedDateUtc ge 2025-01-01T00:00:00Z
                   &$expand=Items($expand=Promotions),Fulfillments($expand=Items)
         -> {"@odata.context", "value": [Order, ...], "@odata.nextLink": "https://.../v1/Orders?...&$skip=20"}
    GET  /v1/Orders(ID)?$expand=...                          -> Order
    POST /v1/Orders(ID)/Export                               -> 204   (DELETE undoes it)
    POST /v1/Orders(ID)/Ship  {"Value": {"ShippedDateUtc", "TrackingNumber", "SellerFulfillmentID",
                               "DistributionCenterID", "DeliveryStatus": "Complete", "ShippingCarrier",
                               "ShippingClass"}}                                                -> 204
    GET  /v1/Products?$filter=Sku eq 'ABC'&$select=ID        -> {"value": [{"ID": 123}]}
    POST /v1/Products(ID)/UpdateQuantity  {"Value": {"UpdateType": "InStock", "Updates":
                               [{"DistributionCenterID": 0, "Quantity": 5}]}}                   -> 204
    PATCH /v1/Products(ID)  {"BuyItNowPrice": ...}                                              -> 204
    errors -> {"error": {"code": "...", "message": "..."}}  (OData's error body)

``exported`` is the documented way to leave out orders already imported: the export state is kept per
application, and an order is marked with ``POST .../Export`` once it is captured (connectors/
channeladvisor_source.py). Marking twice is harmless. Every call carries ``Authorization: Bearer`` with
an access token (connectors/channeladvisor_auth.py), renewed once when the API answers 401.

Errors: 429 (with Retry-After) is ``ThrottledError``, 5xx retryable, other 4xx permanent with
ChannelAdvisor's code and message; an answer missing a field read here is ``ApiDriftError`` with the raw
answer. Prices are sent as OData decimals in strings (``IEEE754Compatible=true``), never as floats.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any, TypeVar
from urllib.parse import urlsplit

import httpx
from pydantic import BaseModel, Field

from overture.connectors.contracts import Contract, expect
from overture.connectors.http import ConnectorConfig, HttpConnector
from overture.connectors.oauth_tokens import AccessTokens
from overture.domain.digits import is_digits
from overture.services.ports.connector_errors import ApiDriftError, ConnectorError, PermanentConnectorError

ORDERS = "/v1/Orders"
PRODUCTS = "/v1/Products"
ORDER_EXPAND = "Items($expand=Promotions),Fulfillments($expand=Items)"
DECIMAL_JSON = "application/json;IEEE754Compatible=true"
M = TypeVar("M", bound=BaseModel)


class _OrderHead(Contract):
    ID: int
    SiteName: str | None = None
    ShippingStatus: str


class _OrdersPage(Contract):
    value: list[_OrderHead]
    next_link: str | None = Field(default=None, alias="@odata.nextLink")


class _ProductId(Contract):
    ID: int


class _ProductsPage(Contract):
    value: list[_ProductId]


class ChannelAdvisorConnector(HttpConnector):
    """The calls Overture makes to one ChannelAdvisor account (one application's export state)."""

    def __init__(
        self,
        config: ConnectorConfig,
        *,
        tokens: AccessTokens,
        profile_id: int | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        super().__init__(config, transport=transport, headers={"Accept": "application/json"})
        self._tokens = tokens
        self._profile_id = profile_id
        self._product_ids: dict[str, int] = {}

    async def aclose(self) -> None:
        """Close the connection, and the token endpoint's when the tokens hold one."""
        await super().aclose()
        close = getattr(self._tokens, "aclose", None)
        if close is not None:
            await close()

    # ---- orders ---------------------------------------------------------------------

    async def iter_unexported_orders(self, since: datetime) -> AsyncIterator[dict[str, Any]]:
        """Every order created at or after ``since`` not yet marked exported, as ChannelAdvisor sent it,
        following ``@odata.nextLink`` until it runs out (a link seen twice is refused: it would loop)."""
        clauses = [f"CreatedDateUtc ge {iso_utc(since)}"]
        if self._profile_id is not None:
            clauses.append(f"ProfileID eq {self._profile_id}")
        params: dict[str, str | int] | None = {
            "exported": "false",
            "$filter": " and ".join(clauses),
            "$expand": ORDER_EXPAND,
        }
        path, seen = ORDERS, set[str]()
        while True:
            answer = await self._authed("GET", path, "getOrders", params=params)
            page = self._expect(_OrdersPage, answer, "getOrders")
            for order in answer["value"]:
                yield order
            if page.next_link is None:
                return
            path, params = self._next(page.next_link, seen), None

    async def get_order(self, order_id: str) -> dict[str, Any]:
        """One order with its items and fulfilments (and their items)."""
        answer = await self._authed("GET", f"{ORDERS}({_id(order_id)})", "getOrder", params={"$expand": ORDER_EXPAND})
        self._expect(_OrderHead, answer, "getOrder")
        return answer

    async def mark_exported(self, order_id: str) -> None:
        """Leave the order out of later ``exported=false`` listings (for this application)."""
        await self._authed("POST", f"{ORDERS}({_id(order_id)})/Export", "exportOrder")

    async def ship(self, order_id: str, value: dict[str, Any]) -> None:
        """Mark the whole order shipped with ``value`` (ShippedDateUtc, carrier, class, tracking...)."""
        await self._authed("POST", f"{ORDERS}({_id(order_id)})/Ship", "shipOrder", json={"Value": value})

    # ---- products ---------------------------------------------------------------------

    async def product_id(self, sku: str) -> int:
        """ChannelAdvisor's product ID for a SKU (kept once found: a product's ID never changes)."""
        if sku in self._product_ids:
            return self._product_ids[sku]
        params: dict[str, str | int] = {"$filter": f"Sku eq {odata_string(sku)}", "$select": "ID"}
        answer = await self._authed("GET", PRODUCTS, "getProducts", params=params)
        found = self._expect(_ProductsPage, answer, "getProducts").value
        if not found:
            raise self._refusal("getProducts", f"no product with SKU {sku!r} in ChannelAdvisor")
        self._product_ids[sku] = found[0].ID
        return found[0].ID

    async def update_quantity(self, product_id: int, updates: dict[int, int], *, update_type: str) -> None:
        """Quantities by distribution center ID, applied as ``update_type`` (InStock, Absolute, UnShipped...)."""
        value = {
            "UpdateType": update_type,
            "Updates": [{"DistributionCenterID": dc, "Quantity": qty} for dc, qty in sorted(updates.items())],
        }
        await self._authed("POST", f"{PRODUCTS}({product_id})/UpdateQuantity", "updateQuantity", json={"Value": value})

    async def update_price(self, product_id: int, price: Decimal) -> None:
        """The selling price (BuyItNowPrice), sent as an exact decimal."""
        body = {"BuyItNowPrice": str(price)}
        await self._authed("PATCH", f"{PRODUCTS}({product_id})", "updatePrice", json=body, decimal=True)

    # ---- one call -----------------------------------------------------------------------

    async def _authed(
        self,
        method: str,
        path: str,
        operation: str,
        *,
        params: dict[str, str | int] | None = None,
        json: Any = None,
        decimal: bool = False,
    ) -> dict[str, Any]:
        """One call with a bearer token, sent once more with a fresh token after a 401."""
        renewed = False
        while True:
            token = await self._tokens.access_token()
            headers = {"Authorization": f"Bearer {token}"}
            if decimal:
                headers["Content-Type"] = DECIMAL_JSON
            try:
                return await self._call(method, path, params=params, json=json, headers=headers, operation=operation)
            except PermanentConnectorError as error:
                if error.status != 401 or renewed:
                    raise
                self._tokens.invalidate(token)
                renewed = True

    def _status_error(self, response: httpx.Response, operation: str) -> ConnectorError:
        error = super()._status_error(response, operation)
        said = odata_error(response)
        if said:  # ChannelAdvisor's own words, not the whole body
            error.message = f"{response.reason_phrase or 'error'}: {said}"
            error.args = (error.message,)
        return error

    def _expect(self, model: type[M], answer: Any, operation: str) -> M:
        try:
            return expect(model, answer, connector=self.name, operation=operation)
        except ApiDriftError as error:
            self._count_failure(error)
            raise

    def _next(self, link: str, seen: set[str]) -> str:
        """The nextLink as a path on our base URL; refused if it points elsewhere or came back before."""
        parts, base = urlsplit(link), urlsplit(str(self._client.base_url))
        if parts.netloc and parts.netloc != base.netloc:
            raise self._refusal("getOrders", f"@odata.nextLink points away from {base.netloc}: {link}")
        if link in seen:
            raise self._refusal("getOrders", f"@odata.nextLink {link!r} came back twice")
        seen.add(link)
        return parts.path + (f"?{parts.query}" if parts.query else "")

    def _refusal(self, operation: str, message: str) -> PermanentConnectorError:
        error = PermanentConnectorError(message, connector=self.name, operation=operation)
        self._count_failure(error)
        return error


def odata_error(response: httpx.Response) -> str:
    """``code: message`` from an OData error body (``{"error": {"code", "message"}}``), "" if none."""
    try:
        body = response.json()
    except ValueError:
        return ""
    error = body.get("error") if isinstance(body, dict) else None
    if isinstance(error, dict):
        parts = [str(error.get(k) or "").strip() for k in ("code", "message")]
        return ": ".join(p for p in parts if p)
    if isinstance(error, str):  # the token endpoint's OAuth error ({"error": "invalid_grant"})
        return error
    return ""


def odata_string(value: str) -> str:
    """An OData string literal: single quotes, a quote inside doubled."""
    return "'" + value.replace("'", "''") + "'"


def iso_utc(moment: datetime) -> str:
    if moment.tzinfo is None:
        raise ValueError("since must be timezone-aware")
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _id(order_id: str) -> int:
    """ChannelAdvisor's order IDs are integers; anything else would make another URL."""
    if not is_digits(order_id):
        raise ValueError(f"{order_id!r} is not a ChannelAdvisor order ID")
    return int(order_id)
