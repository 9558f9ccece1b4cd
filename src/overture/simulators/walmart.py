"""A simulated Walmart Marketplace Orders API (US, v3): the token endpoint, orders with per-line statuses,
cursor paging, acknowledge, ship and cancel (operation names for ``POST /_faults`` in brackets)::

    POST /v3/token                               [token]   Basic client id:secret, grant_type=client_credentials
    GET  /v3/orders?createdStartDate=&limit=&status=&soIndex=   [getAllOrders]  -> {"list": {"meta", "elements"}}
    GET  /v3/orders/{purchaseOrderId}            [getAnOrder]       -> {"order"}
    POST /v3/orders/{purchaseOrderId}/acknowledge [acknowledgeOrders]
    POST /v3/orders/{purchaseOrderId}/shipping   [shippingUpdates]  a line once Shipped cannot be updated
    POST /v3/orders/{purchaseOrderId}/cancel     [cancelOrderLines]
    POST /v3/orders/{purchaseOrderId}/refund     [refundOrderLines] Shipped lines only, amounts negative, a
         documented refundReason, never more than the line was charged (simulators/walmart_refunds.py)
    POST /_orders {"orders": [...]}, GET /_records, POST /_wm/expire, POST /_wm/lose {"operation", "count"}
    (the call is done, its answer lost: a 504), plus simulators/common.py's control routes

Every call needs ``WM_SVC.NAME`` and ``WM_QOS.CORRELATION_ID`` (400 without), and every /v3/orders call a
``WM_SEC.ACCESS_TOKEN`` the token endpoint issued and that has not lapsed (401). Errors are Walmart's
``{"errors": {"error": [{"code", "description", ...}]}}``.
"""

from __future__ import annotations

import base64
import copy
import json
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any
from urllib.parse import parse_qs

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response

from overture.simulators.channeladvisor_state import dumps
from overture.simulators.common import SimulatorCore, install_control_routes
from overture.simulators.walmart_refunds import RefundRefused, refund_lines

OPEN = ("Created", "Acknowledged")


class WalmartError(Exception):
    def __init__(self, status: int, code: str, description: str) -> None:
        super().__init__(description)
        self.status, self.code = status, code


@dataclass
class Seller:
    client_id: str = "simulator-client-id"
    client_secret: str = "simulator-client-secret"
    lifetime_s: int = 900
    clock: Callable[[], float] = time.monotonic
    issued: dict[str, float] = field(default_factory=dict)
    orders: dict[str, dict[str, Any]] = field(default_factory=dict)
    requests: list[dict[str, Any]] = field(default_factory=list)
    # Answers lost after the work is done (operation -> how many): the caller sees a 504, Walmart kept it.
    lose: dict[str, int] = field(default_factory=dict)

    def grant(self, authorization: str | None, form: dict[str, str]) -> tuple[int, dict[str, Any]]:
        expected = "Basic " + base64.b64encode(f"{self.client_id}:{self.client_secret}".encode()).decode()
        if authorization != expected:
            return 401, {"error": "invalid_client", "error_description": "Client authentication failed"}
        if form.get("grant_type") != "client_credentials":
            return 400, {"error": "unsupported_grant_type", "error_description": "grant_type is not supported"}
        token = secrets.token_urlsafe(32)
        self.issued[token] = self.clock() + self.lifetime_s
        return 200, {"access_token": token, "token_type": "Bearer", "expires_in": self.lifetime_s}

    def allows(self, token: str | None) -> bool:
        lapses = self.issued.get(token or "")
        return lapses is not None and self.clock() < lapses

    def order(self, po: str) -> dict[str, Any]:
        if po not in self.orders:
            raise WalmartError(404, "CONTENT_NOT_FOUND.GMP_ORDER_API", f"purchaseOrderId {po} not found")
        return self.orders[po]

    def page(self, query: dict[str, str]) -> dict[str, Any]:
        start = _when(query.get("createdStartDate"))
        status = query.get("status")
        found = [o for o in sorted(self.orders.values(), key=lambda o: (o["orderDate"], o["purchaseOrderId"]))]
        found = [o for o in found if o["orderDate"] >= start and (status is None or _status(o) == status)]
        limit, index = int(query.get("limit", "100")), int(query.get("soIndex", "0"))
        page, rest = found[index : index + limit], index + limit < len(found)
        cursor = None
        if rest:
            cursor = f"?limit={limit}&hasMoreElements=true&soIndex={index + limit}"
            cursor += f"&createdStartDate={query.get('createdStartDate')}" + (f"&status={status}" if status else "")
        meta = {"totalCount": len(found), "limit": limit, "nextCursor": cursor}
        return {"list": {"meta": meta, "elements": {"order": copy.deepcopy(page)}}}

    def move(self, po: str, body: Any, key: str, to: str, *, allowed: tuple[str, ...]) -> dict[str, Any]:
        order = self.order(po)
        lines = ((body or {}).get(key) or {}).get("orderLines", {}).get("orderLine")
        if not isinstance(lines, list) or not lines:
            raise WalmartError(400, "INVALID_REQUEST_CONTENT.GMP_ORDER_API", f"{key}.orderLines is required")
        by_number = {line["lineNumber"]: line for line in order["orderLines"]["orderLine"]}
        for sent in lines:
            line = by_number.get(str(sent.get("lineNumber")))
            if line is None:
                raise WalmartError(400, "INVALID_REQUEST_CONTENT.GMP_ORDER_API", f"no line {sent.get('lineNumber')}")
            [status] = line["orderLineStatuses"]["orderLineStatus"]
            if status["status"] not in allowed:
                raise WalmartError(
                    400,
                    "INVALID_REQUEST_CONTENT.GMP_ORDER_API",
                    f"line {line['lineNumber']} is {status['status']}: it cannot be updated",
                )
            [new] = sent["orderLineStatuses"]["orderLineStatus"]
            status.update(
                status=to, trackingInfo=new.get("trackingInfo"), cancellationReason=new.get("cancellationReason")
            )
        self.requests.append({"purchaseOrderId": po, key: body[key]})
        return {"order": copy.deepcopy(order)}


def create_walmart_app(*, orders: list[dict[str, Any]] | None = None, seller: Seller | None = None) -> FastAPI:
    held = list(orders) if orders is not None else seed_orders(5)
    core, account = SimulatorCore("walmart"), seller or Seller()

    def reset() -> None:
        account.orders.clear()
        account.requests.clear()
        account.lose.clear()
        account.orders.update({o["purchaseOrderId"]: copy.deepcopy(o) for o in held})

    reset()
    app = FastAPI(title="Overture Walmart Marketplace simulator")
    app.state.core, app.state.seller = core, account

    async def serve(
        request: Request, operation: str, work: Callable[[Any], dict[str, Any]], *, token: bool = True
    ) -> Response:
        faulted = await core.guard(request, operation)
        if faulted is not None:
            return faulted
        try:
            if not request.headers.get("WM_SVC.NAME") or not request.headers.get("WM_QOS.CORRELATION_ID"):
                raise WalmartError(
                    400, "MISSING_HEADER.GMP_GATEWAY_API", "WM_SVC.NAME and WM_QOS.CORRELATION_ID are required"
                )
            if token and not account.allows(request.headers.get("WM_SEC.ACCESS_TOKEN")):
                raise WalmartError(401, "UNAUTHORIZED.GMP_GATEWAY_API", "Unauthorized token or invalid token")
            raw = await request.body()
            is_json = raw and "json" in request.headers.get("Content-Type", "")
            answer = work(json.loads(raw, parse_float=Decimal) if is_json else None)
        except WalmartError as error:
            body = {
                "errors": {
                    "error": [{"code": error.code, "description": str(error), "severity": "ERROR", "category": "DATA"}]
                }
            }
            return JSONResponse(body, status_code=error.status)
        if account.lose.get(operation, 0) > 0:
            account.lose[operation] -= 1
            return JSONResponse({"errors": {"error": [{"code": "GATEWAY_TIMEOUT"}]}}, status_code=504)
        return Response(dumps(core.faults.drifted(operation, answer)), media_type="application/json")

    @app.post("/v3/token")
    async def token(request: Request) -> Response:
        form = {k: v[0] for k, v in parse_qs((await request.body()).decode()).items()}

        def grant(_: Any) -> dict[str, Any]:
            status, body = account.grant(request.headers.get("Authorization"), form)
            if status != 200:
                raise WalmartError(status, body["error"], body["error_description"])
            return body

        return await serve(request, "token", grant, token=False)

    @app.get("/v3/orders")
    async def orders_page(request: Request) -> Response:
        return await serve(request, "getAllOrders", lambda _: account.page(dict(request.query_params)))

    @app.get("/v3/orders/{po}")
    async def one(request: Request, po: str) -> Response:
        return await serve(request, "getAnOrder", lambda _: {"order": copy.deepcopy(account.order(po))})

    @app.post("/v3/orders/{po}/acknowledge")
    async def acknowledge(request: Request, po: str) -> Response:
        return await serve(request, "acknowledgeOrders", lambda _: _acknowledge(account, po))

    @app.post("/v3/orders/{po}/shipping")
    async def ship(request: Request, po: str) -> Response:
        return await serve(
            request, "shippingUpdates", lambda body: account.move(po, body, "orderShipment", "Shipped", allowed=OPEN)
        )

    @app.post("/v3/orders/{po}/cancel")
    async def cancel(request: Request, po: str) -> Response:
        return await serve(
            request,
            "cancelOrderLines",
            lambda body: account.move(po, body, "orderCancellation", "Cancelled", allowed=OPEN),
        )

    @app.post("/v3/orders/{po}/refund")
    async def refund(request: Request, po: str) -> Response:
        return await serve(request, "refundOrderLines", lambda body: _refund(account, po, body))

    @app.get("/_records")
    async def records() -> Response:
        return Response(
            dumps({"orders": list(account.orders.values()), "requests": account.requests}),
            media_type="application/json",
        )

    @app.post("/_wm/lose")
    async def lose(request: Request) -> dict[str, int]:
        """``{"operation": "refundOrderLines", "count": 1}``: do the next such call, then lose its answer."""
        asked = await request.json()
        account.lose[str(asked["operation"])] = int(asked.get("count", 1))
        return dict(account.lose)

    @app.post("/_wm/expire")
    async def expire() -> dict[str, int]:
        account.issued.clear()
        return {}

    install_control_routes(app, core, on_reset=reset)
    return app


def _acknowledge(account: Seller, po: str) -> dict[str, Any]:
    order = account.order(po)
    for line in order["orderLines"]["orderLine"]:
        for status in line["orderLineStatuses"]["orderLineStatus"]:
            if status["status"] == "Created":
                status["status"] = "Acknowledged"
    return {"order": copy.deepcopy(order)}


def _refund(account: Seller, po: str, body: Any) -> dict[str, Any]:
    order = account.order(po)
    try:
        refund_lines(order, body)
    except RefundRefused as refused:
        raise WalmartError(400, refused.code, str(refused)) from None
    account.requests.append({"purchaseOrderId": po, "orderRefund": body["orderRefund"]})
    return {"order": copy.deepcopy(order)}


def _status(order: dict[str, Any]) -> str:
    return str(order["orderLines"]["orderLine"][0]["orderLineStatuses"]["orderLineStatus"][0]["status"])


def _when(text: str | None) -> int:
    if not text:
        raise WalmartError(400, "INVALID_REQUEST_PARAM.GMP_ORDER_API", "createdStartDate is required")
    moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return int((moment if moment.tzinfo else moment.replace(tzinfo=UTC)).timestamp() * 1000)


def seed_orders(count: int, *, start: datetime = datetime(2025, 3, 1, tzinfo=UTC)) -> list[dict[str, Any]]:
    """``count`` Created orders, two lines each, shaped as the Orders API answers them."""
    return [_seed(n, start + timedelta(hours=n)) for n in range(count)]


def _seed(n: int, created: datetime) -> dict[str, Any]:
    lines = [_seed_line(str(k + 1), f"WM-10{k + 1}", Decimal("19.99") + k, 1 + k) for k in range(2)]
    address = {"name": f"Pat Buyer{n}", "address1": f"{100 + n} Main St", "address2": None, "city": "Bentonville",
               "state": "AR", "postalCode": "72712", "country": "USA", "addressType": "RESIDENTIAL"}  # fmt: skip
    return {
        "purchaseOrderId": str(1796277083000 + n), "customerOrderId": str(4021604321000 + n),
        "customerEmailId": f"{n:032X}@relay.walmart.com", "orderDate": int(created.timestamp() * 1000),
        "shippingInfo": {"phone": "2025551234", "methodCode": "Value", "postalAddress": address},
        "orderLines": {"orderLine": lines},
    }  # fmt: skip


def _seed_line(number: str, sku: str, price: Decimal, quantity: int) -> dict[str, Any]:
    tax = {
        "taxName": "Tax1",
        "taxAmount": {"currency": "USD", "amount": (price * Decimal("0.08")).quantize(Decimal("0.01"))},
    }
    charge = {
        "chargeType": "PRODUCT",
        "chargeName": "ItemPrice",
        "chargeAmount": {"currency": "USD", "amount": price},
        "tax": tax,
    }
    each = {"unitOfMeasurement": "EACH", "amount": str(quantity)}
    return {
        "lineNumber": number, "item": {"productName": "Widget", "sku": sku}, "charges": {"charge": [charge]},
        "orderLineQuantity": each,
        "orderLineStatuses": {"orderLineStatus": [{"status": "Created", "statusQuantity": each}]},
    }  # fmt: skip
