"""What the simulated eBay seller account holds: orders in the Sell Fulfillment API's shape (money as
``{"value": "12.34", "currency"}`` strings), their shipping fulfillments, the getOrders filter subset the
connector uses (``creationdate:[from..]``, ``orderfulfillmentstatus:{A|B}``, limit, offset), and seeded
paid, unshipped orders."""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

DEFAULT_SKUS = ("EB-1001", "EB-1002", "EB-1003")
DEFAULT_START = datetime(2025, 3, 1, tzinfo=UTC)
PAGE_LIMIT, MAX_LIMIT = 50, 200
_PLACES = (("10001", "New York", "NY"), ("94103", "San Francisco", "CA"), ("60601", "Chicago", "IL"))
_TAX = Decimal("0.08")
_CREATED = re.compile(r"creationdate:\[([^\]]*?)\.\.([^\]]*)\]")
_STATUSES = re.compile(r"orderfulfillmentstatus:\{([A-Z_|]+)\}")
_TRACKING = re.compile(r"^[A-Za-z0-9]+$")


class EbayError(Exception):
    def __init__(self, status: int, error_id: int, message: str, *, long_message: str = "") -> None:
        super().__init__(message)
        self.status = status
        self.error_id = error_id
        self.long_message = long_message

    def body(self) -> dict[str, Any]:
        error: dict[str, Any] = {
            "errorId": self.error_id, "domain": "API_FULFILLMENT", "category": "REQUEST",
            "message": str(self), "parameters": [],
        }  # fmt: skip
        if self.long_message:
            error["longMessage"] = self.long_message
        return {"errors": [error]}


@dataclass
class Seller:
    orders: dict[str, dict[str, Any]] = field(default_factory=dict)
    fulfillments: dict[str, list[dict[str, Any]]] = field(default_factory=dict)

    def clear(self) -> None:
        self.orders.clear()
        self.fulfillments.clear()

    def add_orders(self, orders: list[dict[str, Any]]) -> None:
        for order in orders:
            self.orders[str(order["orderId"])] = copy.deepcopy(order)

    def order(self, order_id: str) -> dict[str, Any]:
        if order_id not in self.orders:
            raise EbayError(404, 32100, f"Invalid order ID: {order_id}")
        return self.orders[order_id]

    def listing(self, filter_text: str, limit: int, offset: int) -> tuple[list[dict[str, Any]], int]:
        found = sorted(self.orders.values(), key=lambda o: (o["creationDate"], o["orderId"]))
        created = _CREATED.search(filter_text)
        if created is not None:
            start = _time(created.group(1))
            found = [o for o in found if _time(o["creationDate"]) >= start]
        statuses = _STATUSES.search(filter_text)
        if statuses is not None:
            wanted = set(statuses.group(1).split("|"))
            found = [o for o in found if o["orderFulfillmentStatus"] in wanted]
        return [copy.deepcopy(o) for o in found[offset : offset + limit]], len(found)

    def fulfil(self, order_id: str, body: dict[str, Any]) -> str:
        """Record a shipping fulfillment (eBay's checks), its id being the tracking number when one is given."""
        order = self.order(order_id)
        if order.get("cancelStatus", {}).get("cancelState") == "CANCELED":
            raise EbayError(409, 32600, "Invalid input data", long_message="the order is cancelled")
        tracking, carrier = body.get("trackingNumber"), body.get("shippingCarrierCode")
        if bool(tracking) != bool(carrier) or (tracking and not _TRACKING.match(str(tracking))):
            raise EbayError(400, 32300, "Invalid shipment tracking number or carrier")
        lines = body.get("lineItems")
        if not isinstance(lines, list) or not lines:
            raise EbayError(400, 32600, "Invalid input data", long_message="lineItems is required")
        self._take(order, lines)
        done = self.fulfillments.setdefault(order_id, [])
        fulfillment_id = str(tracking) if tracking else str(999 + len(done))
        done.append({
            "fulfillmentId": fulfillment_id, "shippedDate": body.get("shippedDate"), "shippingCarrierCode": carrier,
            "shipmentTrackingNumber": tracking, "lineItems": [dict(x) for x in lines],
        })  # fmt: skip
        return fulfillment_id

    def _take(self, order: dict[str, Any], lines: list[dict[str, Any]]) -> None:
        left = {i["lineItemId"]: i["quantity"] for i in order["lineItems"]}
        for done in self.fulfillments.get(order["orderId"], []):
            for unit in done["lineItems"]:
                left[unit["lineItemId"]] -= unit["quantity"]
        for unit in lines:
            item_id, quantity = unit.get("lineItemId"), unit.get("quantity")
            if item_id not in left:
                raise EbayError(400, 32200, f"Invalid line item id: {item_id}")
            if not isinstance(quantity, int) or not 0 < quantity <= left[item_id]:
                raise EbayError(400, 32600, "Invalid input data", long_message=f"quantity of {item_id}")
            left[item_id] -= quantity
        for item in order["lineItems"]:
            item["lineItemFulfillmentStatus"] = "FULFILLED" if left[item["lineItemId"]] == 0 else "IN_PROGRESS"
        complete = all(n == 0 for n in left.values())
        order["orderFulfillmentStatus"] = "FULFILLED" if complete else "IN_PROGRESS"


def _time(text: str) -> datetime:
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise EbayError(400, 30810, "Invalid date format") from None


def money(amount: Decimal) -> dict[str, str]:
    return {"value": str(amount), "currency": "USD"}


# ---- seeded orders ------------------------------------------------------------------


def seed_orders(count: int, *, start: datetime = DEFAULT_START) -> list[dict[str, Any]]:
    """``count`` paid, unshipped orders, one or two line items each, totals adding up to the cent."""
    return [seed_order(n, created=start + timedelta(hours=n)) for n in range(count)]


def seed_order(n: int, *, created: datetime) -> dict[str, Any]:
    order_id = f"{10 + n:02d}-{14000 + n:05d}-{70000 + n:05d}"
    postal, city, region = _PLACES[n % len(_PLACES)]
    items = [_seed_item(order_id, n, k) for k in range(1 + n % 2)]
    subtotal = sum((Decimal(i["lineItemCost"]["value"]) for i in items), Decimal(0))
    delivery = sum((Decimal(i["deliveryCost"]["shippingCost"]["value"]) for i in items), Decimal(0))
    tax = sum((Decimal(t["amount"]["value"]) for i in items for t in i["taxes"]), Decimal(0))
    discount = sum((Decimal(p["discountAmount"]["value"]) for i in items for p in i["appliedPromotions"]), Decimal(0))
    ship_to = {
        "fullName": f"Pat Buyer{n}", "email": f"buyer{n}@members.ebay.com",
        "contactAddress": {"addressLine1": f"{100 + n} Main St", "city": city, "stateOrProvince": region,
                           "postalCode": postal, "countryCode": "US"},
    }  # fmt: skip
    pricing = {"priceSubtotal": money(subtotal), "deliveryCost": money(delivery), "tax": money(tax)}
    if discount:
        pricing["priceDiscount"] = money(-discount)
    pricing["total"] = money(subtotal + delivery + tax - discount)
    return {
        "orderId": order_id, "legacyOrderId": order_id, "creationDate": created.strftime("%Y-%m-%dT%H:%M:%S.000Z"),
        "lastModifiedDate": created.strftime("%Y-%m-%dT%H:%M:%S.000Z"), "orderFulfillmentStatus": "NOT_STARTED",
        "orderPaymentStatus": "PAID", "sellerId": "overture-seller", "buyer": {"username": f"buyer-{n}"},
        "pricingSummary": pricing, "cancelStatus": {"cancelState": "NONE_REQUESTED", "cancelRequests": []},
        "fulfillmentStartInstructions": [{
            "fulfillmentInstructionsType": "SHIP_TO", "ebaySupportedFulfillment": False,
            "shippingStep": {"shipTo": ship_to, "shippingCarrierCode": "UPS", "shippingServiceCode": "UPSGround"},
        }],
        "fulfillmentHrefs": [], "lineItems": items, "ebayCollectAndRemitTax": True,
        "salesRecordReference": str(17600 + n),
    }  # fmt: skip


def _seed_item(order_id: str, n: int, k: int) -> dict[str, Any]:
    unit = Decimal("19.99") + Decimal(n % 3) * Decimal("5.00") + Decimal(k)
    quantity = 1 + (n + k) % 2
    cost = unit * quantity
    tax = (cost * _TAX).quantize(Decimal("0.01"))
    shipping = Decimal("4.99")
    promotions = [{"promotionId": "5550001", "description": "SPRING", "discountAmount": money(Decimal("2.00"))}]
    promotion = promotions if n % 4 == 1 else []
    taxes = [{"amount": money(tax), "taxType": "STATE_SALES_TAX"}]
    return {
        "lineItemId": f"{10080000000000 + n * 10 + k}", "legacyItemId": f"{267450000000 + n}",
        "sku": DEFAULT_SKUS[(n + k) % 3], "title": "Widget", "lineItemCost": money(cost), "quantity": quantity,
        "soldFormat": "FIXED_PRICE", "listingMarketplaceId": "EBAY_US", "purchaseMarketplaceId": "EBAY_US",
        "lineItemFulfillmentStatus": "NOT_STARTED",
        "total": money(cost + shipping + tax - (Decimal("2.00") if promotion else Decimal(0))),
        "deliveryCost": {"shippingCost": money(shipping)}, "appliedPromotions": promotion, "taxes": taxes,
        "ebayCollectAndRemitTaxes": [{"taxType": "STATE_SALES_TAX", "amount": money(tax), "collectionMethod": "NET"}],
        "properties": {"buyerProtection": True},
    }  # fmt: skip
