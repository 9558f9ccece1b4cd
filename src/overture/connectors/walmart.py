"""Walmart Marketplace's Orders API (US, v3) directly, for a seller not going through ChannelAdvisor.

Wire format (developer.walmart.com, Orders and Token API)::

    POST /v3/token   Authorization: Basic base64(client id:client secret), form grant_type=client_credentials
                     -> {"access_token", "token_type": "Bearer", "expires_in": 900}
    GET  /v3/orders?createdStartDate=2025-01-01T00:00:00Z&limit=100[&status=Created]
                     -> {"list": {"meta": {"totalCount", "limit", "nextCursor"}, "elements": {"order": [...]}}}
    GET  /v3/orders{nextCursor}      (the cursor is a query string: "?limit=100&hasMoreElements=true&soIndex=...")
    GET  /v3/orders/{purchaseOrderId}                        -> {"order": {...}}
    POST /v3/orders/{purchaseOrderId}/acknowledge            -> {"order": {...}}
    POST /v3/orders/{purchaseOrderId}/shipping  {"orderShipment": {"orderLines": {"orderLine": [...]}}}
    POST /v3/orders/{purchaseOrderId}/cancel    {"orderCancellation": {"orderLines": {"orderLine": [...]}}}
    POST /v3/orders/{purchaseOrderId}/refund    {"orderRefund": {"purchaseOrderId", "orderLines": {"orderLine": [
             {"lineNumber", "isFullRefund", "refunds": {"refund": [{"refundComments", "refundCharges":
             {"refundCharge": [{"refundReason", "charge": {"chargeType", "chargeName", "chargeAmount":
             {"currency", "amount"}, "tax": {"taxName", "taxAmount"}}}]}}]}}]}}}   -> {"order": {...}}
    errors -> {"errors": {"error": [{"code", "field", "description", "info", "severity", "category"}]}}

Every call carries ``WM_SEC.ACCESS_TOKEN`` (a 15-minute token, kept until a minute before it lapses and
renewed once when the API answers 401), ``WM_SVC.NAME``, a fresh ``WM_QOS.CORRELATION_ID`` and
``Accept: application/json``. A line once shipped cannot be updated, so shipping and cancelling read the
order first and send only the lines still open (a retry after a lost answer sends nothing twice).

Refunds (only of Shipped lines, amounts negative, never beyond what the line was charged, as Walmart
documents; the body in connectors/walmart_refund.py) carry our key in ``refundComments``: a refund reads
the order first and sends nothing when a line's ``refund`` already holds that key.
"""

from __future__ import annotations

import base64
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Annotated, Any

import httpx
from pydantic import BaseModel, Field, StringConstraints

from overture.connectors.contracts import Contract, expect
from overture.connectors.http import ConnectorConfig, HttpConnector
from overture.connectors.oauth_tokens import TokenCache
from overture.connectors.walmart_refund import Refund, refund_comments
from overture.services.ports.connector_errors import ApiDriftError, ConnectorError, PermanentConnectorError

SERVICE_NAME = "Walmart Marketplace"
RAW_LIMIT = 4096
ORDERS = "/v3/orders"


class _TokenAnswer(Contract):
    access_token: Annotated[str, StringConstraints(min_length=1)]
    expires_in: Annotated[int, Field(gt=0)]


class _Meta(Contract):
    next_cursor: str | None = Field(default=None, alias="nextCursor")


class _Elements(Contract):
    order: list[dict[str, Any]]


class _List(Contract):
    meta: _Meta
    elements: _Elements


class _OrdersPage(Contract):
    list: _List


class _OrderLine(Contract):
    line_number: str = Field(alias="lineNumber")


class _OrderLines(Contract):
    order_line: list[_OrderLine] = Field(alias="orderLine")


class _Order(Contract):
    purchase_order_id: str = Field(alias="purchaseOrderId")
    order_lines: _OrderLines = Field(alias="orderLines")


class _OrderAnswer(Contract):
    order: _Order


@dataclass(frozen=True)
class WalmartCredentials:
    client_id: str
    client_secret: str

    def basic(self) -> str:
        return "Basic " + base64.b64encode(f"{self.client_id}:{self.client_secret}".encode()).decode("ascii")


def walmart_headers() -> dict[str, str]:
    """The headers every Walmart call carries, with a correlation id of its own."""
    return {"WM_SVC.NAME": SERVICE_NAME, "WM_QOS.CORRELATION_ID": str(uuid.uuid4()), "Accept": "application/json"}


class WalmartTokens(TokenCache[WalmartCredentials]):
    """Client-credentials access tokens, kept until a minute before they lapse."""

    async def _fetch(self) -> tuple[str, float]:
        headers = {**walmart_headers(), "Authorization": self._credentials.basic()}
        form = [("grant_type", "client_credentials")]
        answer = await self._read(_TokenAnswer, "POST", "/v3/token", form=form, headers=headers, operation="token")
        return answer.access_token, answer.expires_in


class WalmartOrdersConnector(HttpConnector):
    """Orders of one Walmart seller account: list, read, acknowledge, ship and cancel their lines."""

    def __init__(
        self, config: ConnectorConfig, *, tokens: WalmartTokens, transport: httpx.AsyncBaseTransport | None = None
    ) -> None:
        super().__init__(config, transport=transport)
        self._tokens = tokens

    async def aclose(self) -> None:
        await super().aclose()
        await self._tokens.aclose()

    async def iter_orders(
        self, created_after: datetime, *, status: str | None = None, limit: int = 100
    ) -> AsyncIterator[dict[str, Any]]:
        """Every order created at or after ``created_after``, following ``nextCursor`` until it runs out."""
        query = f"?createdStartDate={iso_utc(created_after)}&limit={limit}" + (f"&status={status}" if status else "")
        seen: set[str] = set()
        while True:
            answer = await self._authed("GET", ORDERS + query, "getAllOrders")
            page = self._expect(_OrdersPage, answer, "getAllOrders")
            for order in page.list.elements.order:
                yield order
            cursor = page.list.meta.next_cursor
            if not cursor:
                return
            if cursor in seen:
                raise PermanentConnectorError(
                    f"nextCursor {cursor!r} came back twice", connector=self.name, operation="getAllOrders"
                )
            seen.add(cursor)
            query = cursor if cursor.startswith("?") else f"?{cursor}"

    async def get_order(self, purchase_order_id: str) -> dict[str, Any]:
        return await self._order("GET", f"{ORDERS}/{purchase_order_id}", "getAnOrder")

    async def acknowledge(self, purchase_order_id: str) -> dict[str, Any]:
        """Tell Walmart the seller takes the order (before shipping it, as Walmart asks)."""
        return await self._order("POST", f"{ORDERS}/{purchase_order_id}/acknowledge", "acknowledgeOrders")

    async def ship(self, purchase_order_id: str, shipment: Shipment) -> dict[str, Any] | None:
        """Ship the lines Walmart still has open (Created or Acknowledged); None when none is left."""
        open_lines = _open_lines(await self.get_order(purchase_order_id), dict(shipment.lines))
        if not open_lines:
            return None
        body = {"orderShipment": {"orderLines": {"orderLine": [shipment.line(n, q) for n, q in open_lines]}}}
        return await self._order("POST", f"{ORDERS}/{purchase_order_id}/shipping", "shippingUpdates", json=body)

    async def cancel(self, purchase_order_id: str, lines: dict[str, int], *, reason: str) -> dict[str, Any] | None:
        """Cancel the lines still open, with Walmart's reason code; None when none is left."""
        open_lines = _open_lines(await self.get_order(purchase_order_id), lines)
        if not open_lines:
            return None
        body = {"orderCancellation": {"orderLines": {"orderLine": [_cancelled(n, q, reason) for n, q in open_lines]}}}
        return await self._order("POST", f"{ORDERS}/{purchase_order_id}/cancel", "cancelOrderLines", json=body)

    async def refund(
        self, purchase_order_id: str, refund: Refund, *, order: dict[str, Any] | None = None
    ) -> dict[str, Any] | None:
        """Refund the lines as given, once: None when the order (``order`` if already read) holds this
        refund's key in a line's refund comments, as it does after a send whose answer was lost."""
        held = order if order is not None else await self.get_order(purchase_order_id)
        if refund.marker in refund_comments(held):
            return None
        path = f"{ORDERS}/{purchase_order_id}/refund"
        return await self._order("POST", path, "refundOrderLines", json=refund.body(purchase_order_id))

    async def _order(self, method: str, path: str, operation: str, *, json: Any = None) -> dict[str, Any]:
        answer = await self._authed(method, path, operation, json=json)
        self._expect(_OrderAnswer, answer, operation)
        order: dict[str, Any] = answer["order"]
        return order

    async def _authed(self, method: str, path: str, operation: str, *, json: Any = None) -> dict[str, Any]:
        renewed = False
        while True:
            token = await self._tokens.access_token()
            headers = {**walmart_headers(), "WM_SEC.ACCESS_TOKEN": token}
            try:
                return await self._call(method, path, json=json, headers=headers, operation=operation)
            except PermanentConnectorError as error:
                if error.status != 401 or renewed or isinstance(error, ApiDriftError):
                    raise
                self._tokens.invalidate(token)
                renewed = True

    def _status_error(self, response: httpx.Response, operation: str) -> ConnectorError:
        error = super()._status_error(response, operation)
        said = walmart_errors(response)
        if said:
            error.message = f"{response.reason_phrase or 'error'}: {said}"
            error.args = (error.message,)
        if type(error) is PermanentConnectorError:  # a refusal: its body kept for the person who reads it
            return WalmartRefused(
                error.message,
                connector=error.connector,
                operation=operation,
                status=error.status,
                raw=response.text[:RAW_LIMIT],
            )
        return error

    def _expect(self, model: type[BaseModel], answer: Any, operation: str) -> Any:
        try:
            return expect(model, answer, connector=self.name, operation=operation)
        except ApiDriftError as error:
            self._count_failure(error)
            raise


class WalmartRefused(PermanentConnectorError):
    """Walmart refused the call (a 4xx): ``raw`` is its error body as sent."""

    def __init__(self, message: str, *, connector: str, operation: str, status: int | None, raw: str) -> None:
        super().__init__(message, connector=connector, operation=operation, status=status)
        self.raw = raw


@dataclass(frozen=True)
class Shipment:
    """Units by Walmart line number, with the carrier (Walmart's name for it), method and tracking."""

    lines: tuple[tuple[str, int], ...]
    carrier: str
    tracking_number: str
    method_code: str = "Standard"
    tracking_url: str = ""
    shipped_at: datetime | None = None

    def line(self, line_number: str, quantity: int) -> dict[str, Any]:
        moment = self.shipped_at or datetime.now(UTC)
        tracking: dict[str, Any] = {
            "shipDateTime": int(moment.timestamp() * 1000),
            "carrierName": {"carrier": self.carrier},
            "methodCode": self.method_code,
            "trackingNumber": self.tracking_number,
        }
        if self.tracking_url:
            tracking["trackingURL"] = self.tracking_url
        status = {"status": "Shipped", "statusQuantity": _each(quantity), "trackingInfo": tracking}
        return {"lineNumber": line_number, "orderLineStatuses": {"orderLineStatus": [status]}}


def _cancelled(line_number: str, quantity: int, reason: str) -> dict[str, Any]:
    status = {"status": "Cancelled", "cancellationReason": reason, "statusQuantity": _each(quantity)}
    return {"lineNumber": line_number, "orderLineStatuses": {"orderLineStatus": [status]}}


def _each(quantity: int) -> dict[str, str]:
    return {"unitOfMeasurement": "EACH", "amount": str(quantity)}


def _open_lines(order: dict[str, Any], wanted: dict[str, int]) -> list[tuple[str, int]]:
    """The wanted lines whose units Walmart still counts as Created or Acknowledged, at most that many."""
    found: list[tuple[str, int]] = []
    for line in order["orderLines"]["orderLine"]:
        number = str(line["lineNumber"])
        if number not in wanted:
            continue
        statuses = (line.get("orderLineStatuses") or {}).get("orderLineStatus") or []
        left = sum(
            int(s["statusQuantity"]["amount"]) for s in statuses if s.get("status") in ("Created", "Acknowledged")
        )
        if min(left, wanted[number]) > 0:
            found.append((number, min(left, wanted[number])))
    return found


def walmart_errors(response: httpx.Response) -> str:
    """``code: description`` of each error in Walmart's error body, "" when there is none."""
    try:
        body = response.json()
    except ValueError:
        return ""
    errors = body.get("errors") if isinstance(body, dict) else None
    listed = errors.get("error") if isinstance(errors, dict) else errors
    if not isinstance(listed, list):
        return str(body.get("error_description") or body.get("error") or "") if isinstance(body, dict) else ""
    said = [
        ": ".join(str(e.get(k)) for k in ("code", "description") if e.get(k)) for e in listed if isinstance(e, dict)
    ]
    return "; ".join(s for s in said if s)


def iso_utc(moment: datetime) -> str:
    if moment.tzinfo is None:
        raise ValueError("created_after must be timezone-aware")
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
