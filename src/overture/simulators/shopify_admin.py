"""A simulated Shopify store's Admin GraphQL API: orders with fulfillment orders, fulfilments with
tracking, the cost bucket, and faults.

Routes (operation names for ``POST /_faults`` and ``GET /_stats`` in brackets)::

    POST /admin/api/<version>/graphql.json   X-Shopify-Access-Token
         query OrderForFulfilment(id)            [order_fulfilments]
         mutation fulfillmentCreate(fulfillment) [fulfillment_create]
    POST /_shopify/orders        seed an order: {"id": 450789469, "line_items": [{"id", "sku", "quantity", ...}]}
    GET  /_shopify/fulfillments  every fulfilment by order, with its tracking numbers and units
    POST /_shopify/bucket        {"maximum", "restore_rate", "currently_available"}: the cost bucket's figures
    POST /_shopify/lose          {"operation", "count"}: do the call's effect, then answer 504 (a lost answer)
    plus the faults of simulators/common.py by operation (5xx, 429, timeouts, ``rename_fields`` drift).

Answers follow Shopify's documented shapes: gid ids (``gid://shopify/FulfillmentOrder/1``), ``data``
beside ``extensions.cost``; a call the bucket cannot pay for is HTTP 200 with
``errors[0].extensions.code == "THROTTLED"`` and no data; a wrong or missing token is 401 with
``{"errors": "[API] Invalid API key or access token (unrecognized login or wrong password)"}``.
The queries are not parsed: the operation is recognised by its root field, its ids read from the
variables, and the full shape of what our connector asks for is returned.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response

from overture.domain.digits import is_digits
from overture.simulators.common import SimulatorCore

UNAUTHORIZED = {"errors": "[API] Invalid API key or access token (unrecognized login or wrong password)"}
COSTS = {"order_fulfilments": (25.0, 12.0), "fulfillment_create": (10.0, 10.0)}  # (requested, actual)


@dataclass
class Bucket:
    maximum: float = 1000.0
    restore_rate: float = 50.0
    available: float = 1000.0
    seen_at: float = field(default_factory=time.monotonic)

    def now_available(self) -> float:
        return min(self.maximum, self.available + (time.monotonic() - self.seen_at) * self.restore_rate)

    def take(self, requested: float, actual: float) -> bool:
        """Pay for a call; False (nothing taken) when ``requested`` is more than is available."""
        self.available, self.seen_at = self.now_available(), time.monotonic()
        if self.available < requested:
            return False
        self.available -= actual
        return True

    def status(self) -> dict[str, float]:
        return {
            "maximumAvailable": self.maximum,
            "currentlyAvailable": round(self.now_available()),
            "restoreRate": self.restore_rate,
        }


@dataclass
class FoItem:
    id: int
    line_item_id: int
    sku: str
    variant_id: int | None
    total: int
    remaining: int


@dataclass
class FulfillmentOrder:
    id: int
    order_id: int
    items: list[FoItem]

    @property
    def status(self) -> str:
        left = sum(i.remaining for i in self.items)
        if left == 0:
            return "CLOSED"
        return "OPEN" if left == sum(i.total for i in self.items) else "IN_PROGRESS"


@dataclass
class Fulfilment:
    id: int
    order_id: int
    tracking: dict[str, str | None]
    units: dict[int, int]  # fulfillment order line item id -> units
    notify_customer: bool


def gid(kind: str, number: int) -> str:
    return f"gid://shopify/{kind}/{number}"


def number_of(value: Any) -> int | None:
    text = str(value).rsplit("/", 1)[-1]
    return int(text) if is_digits(text) else None


class ShopifyAdmin:
    """The store's side of the Admin GraphQL API (one shop)."""

    def __init__(self, *, access_token: str = "shpat_simulated") -> None:
        self.access_token = access_token
        self.bucket = Bucket()
        self.orders: dict[int, list[FulfillmentOrder]] = {}
        self.fulfilments: list[Fulfilment] = []
        self.lose: dict[str, int] = {}
        self._next_id = 1000

    def _new_id(self) -> int:
        self._next_id += 1
        return self._next_id

    def add_order(self, order_id: int, line_items: list[dict[str, Any]]) -> None:
        """One fulfillment order holding every line, as Shopify makes for an order at one location."""
        items = [
            FoItem(
                self._new_id(), int(x["id"]), str(x.get("sku") or ""), x.get("variant_id"), x["quantity"], x["quantity"]
            )
            for x in line_items
        ]
        self.orders[order_id] = [FulfillmentOrder(self._new_id(), order_id, items)]

    def fulfilled(self, order_id: int) -> list[Fulfilment]:
        return [f for f in self.fulfilments if f.order_id == order_id]

    def reset(self) -> None:
        self.bucket = Bucket()
        self.orders.clear()
        self.fulfilments.clear()
        self.lose.clear()

    # ---- GraphQL ----------------------------------------------------------------------------------

    def answer(self, operation: str, variables: dict[str, Any]) -> dict[str, Any]:
        requested, actual = COSTS[operation]
        if not self.bucket.take(requested, actual):
            cost = {"requestedQueryCost": requested, "actualQueryCost": None, "throttleStatus": self.bucket.status()}
            error = {
                "message": "Throttled",
                "extensions": {"code": "THROTTLED", "documentation": "https://shopify.dev/api/usage/rate-limits"},
            }
            return {"errors": [error], "extensions": {"cost": cost}}
        data = self._order(variables) if operation == "order_fulfilments" else self._create(variables)
        cost = {"requestedQueryCost": requested, "actualQueryCost": actual, "throttleStatus": self.bucket.status()}
        return {"data": data, "extensions": {"cost": cost}}

    def _order(self, variables: dict[str, Any]) -> dict[str, Any]:
        order_id = number_of(variables.get("id"))
        if order_id is None or order_id not in self.orders:
            return {"order": None}
        return {"order": self.order_view(order_id)}

    def order_view(self, order_id: int) -> dict[str, Any]:
        fos = [
            {
                "id": gid("FulfillmentOrder", fo.id),
                "status": fo.status,
                "lineItems": {"nodes": [_item(i) for i in fo.items]},
            }
            for fo in self.orders[order_id]
        ]
        return {
            "id": gid("Order", order_id),
            "fulfillments": [_fulfilment(f) for f in self.fulfilled(order_id)],
            "fulfillmentOrders": {"nodes": fos},
        }

    def _create(self, variables: dict[str, Any]) -> dict[str, Any]:
        asked = variables.get("fulfillment") or {}
        units, errors = self._units(asked.get("lineItemsByFulfillmentOrder") or [])
        if errors:
            return {"fulfillmentCreate": {"fulfillment": None, "userErrors": errors}}
        items = {i.id: i for fos in self.orders.values() for fo in fos for i in fo.items}
        order_id = next(fo.order_id for fos in self.orders.values() for fo in fos for i in fo.items if i.id in units)
        for item_id, quantity in units.items():
            items[item_id].remaining -= quantity
        tracking = asked.get("trackingInfo") or {}
        made = Fulfilment(
            self._new_id(),
            order_id,
            {"company": tracking.get("company"), "number": tracking.get("number"), "url": tracking.get("url")},
            units,
            bool(asked.get("notifyCustomer", False)),
        )
        self.fulfilments.append(made)
        return {"fulfillmentCreate": {"fulfillment": _fulfilment(made), "userErrors": []}}

    def _units(self, pairs: list[dict[str, Any]]) -> tuple[dict[int, int], list[dict[str, Any]]]:
        by_id = {fo.id: fo for fos in self.orders.values() for fo in fos}
        units: dict[int, int] = {}
        for n, pair in enumerate(pairs):
            fo = by_id.get(number_of(pair.get("fulfillmentOrderId")) or 0)
            where = ["fulfillment", "lineItemsByFulfillmentOrder", str(n)]
            if fo is None:
                return {}, [{"field": [*where, "fulfillmentOrderId"], "message": "Fulfillment order does not exist."}]
            wanted = pair.get("fulfillmentOrderLineItems") or [
                {"id": gid("FulfillmentOrderLineItem", i.id)} for i in fo.items
            ]
            for line in wanted:
                item = next((i for i in fo.items if i.id == number_of(line.get("id"))), None)
                quantity = int(line.get("quantity", item.remaining if item else 0))
                if item is None or quantity <= 0 or quantity > item.remaining:
                    return {}, [
                        {"field": ["fulfillment"], "message": "Invalid fulfillment order line item quantity requested."}
                    ]
                units[item.id] = units.get(item.id, 0) + quantity
        if not units:
            return {}, [{"field": ["fulfillment"], "message": "Line items by fulfillment order can't be blank"}]
        return units, []

    def state(self) -> dict[str, Any]:
        return {
            str(order_id): [
                {
                    "id": gid("Fulfillment", f.id),
                    "tracking_number": f.tracking["number"],
                    "company": f.tracking["company"],
                    "notify_customer": f.notify_customer,
                    "units": {gid("FulfillmentOrderLineItem", k): v for k, v in f.units.items()},
                }
                for f in self.fulfilled(order_id)
            ]
            for order_id in self.orders
        }


def _item(item: FoItem) -> dict[str, Any]:
    variant = {"id": gid("ProductVariant", item.variant_id)} if item.variant_id else None
    line = {"id": gid("LineItem", item.line_item_id), "sku": item.sku or None, "variant": variant}
    return {
        "id": gid("FulfillmentOrderLineItem", item.id),
        "sku": item.sku or None,
        "remainingQuantity": item.remaining,
        "totalQuantity": item.total,
        "lineItem": line,
    }


def _fulfilment(made: Fulfilment) -> dict[str, Any]:
    return {"id": gid("Fulfillment", made.id), "status": "SUCCESS", "trackingInfo": [made.tracking]}


def operation_of(query: str) -> str | None:
    if "fulfillmentCreate(" in query:
        return "fulfillment_create"
    if "fulfillmentOrders" in query and "order(" in query:
        return "order_fulfilments"
    return None


def install_admin_graphql(app: FastAPI, core: SimulatorCore, admin: ShopifyAdmin) -> Callable[[], None]:
    """Add the GraphQL route and its control routes to the Shopify simulator; returns its reset."""

    @app.post("/admin/api/{version}/graphql.json")
    async def graphql(version: str, request: Request) -> Response:
        try:
            body = json.loads(await request.body())
        except ValueError:
            return JSONResponse({"errors": [{"message": "Invalid JSON"}]}, status_code=400)
        operation = operation_of(str(body.get("query", ""))) if isinstance(body, dict) else None
        faulted = await core.guard(request, operation or "graphql")
        if faulted is not None:
            return faulted
        if request.headers.get("X-Shopify-Access-Token") != admin.access_token:
            return JSONResponse(UNAUTHORIZED, status_code=401)
        if operation is None:
            error = {"message": "the simulator answers only the connector's own operations"}
            return JSONResponse({"errors": [error]})
        answer = core.faults.drifted(operation, admin.answer(operation, dict(body.get("variables") or {})))
        if admin.lose.get(operation, 0) > 0:
            admin.lose[operation] -= 1
            return JSONResponse({"errors": "Gateway Timeout"}, status_code=504)
        core.ledger.remember(operation, None, "", answer)
        return JSONResponse(answer)

    @app.post("/_shopify/orders")
    async def seed(body: dict[str, Any]) -> dict[str, Any]:
        admin.add_order(int(body["id"]), list(body["line_items"]))
        return {"order": admin.order_view(int(body["id"]))}

    @app.get("/_shopify/fulfillments")
    async def fulfilments() -> dict[str, Any]:
        return admin.state()

    @app.post("/_shopify/bucket")
    async def bucket(body: dict[str, float]) -> dict[str, float]:
        admin.bucket = Bucket(
            body.get("maximum", 1000.0), body.get("restore_rate", 50.0), body.get("currently_available", 1000.0)
        )
        return admin.bucket.status()

    @app.post("/_shopify/lose")
    async def lose(body: dict[str, Any]) -> dict[str, int]:
        admin.lose[str(body["operation"])] = int(body.get("count", 1))
        return admin.lose

    return admin.reset
