"""What the simulated ChannelAdvisor account holds: orders from several marketplaces with their export
state and fulfilments, products with quantities per distribution center and prices; the OData subset the
connector uses ($filter on CreatedDateUtc / ProfileID / Sku, $expand, $select, $top, $skip); and seeded
orders from Walmart, eBay and Amazon (site IDs as ChannelAdvisor numbers them).

Money is kept as ``Decimal`` and written as JSON numbers (``dumps``), as ChannelAdvisor sends it.
"""

from __future__ import annotations

import copy
import json
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from overture.domain.digits import is_digits

SITES = ((996, "Walmart Marketplace"), (576, "eBay Fixed Price US"), (640, "Amazon Seller Central - US"))
DEFAULT_SKUS = ("CA-1001", "CA-1002", "CA-1003")
DEFAULT_START = datetime(2025, 3, 1, tzinfo=UTC)
PROFILE_ID = 12345678
PAGE_SIZE = 20  # ChannelAdvisor's page (its nextLink carries $skip=20)
_PLACES = (("10001", "New York", "NY"), ("94103", "San Francisco", "CA"), ("60601", "Chicago", "IL"))
_TAX = Decimal("0.08")
_CLAUSE = re.compile(r"^\s*(\w+)\s+(eq|ge|le|gt|lt)\s+(.+?)\s*$")


class ODataError(Exception):
    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code


def dumps(value: Any) -> bytes:
    """JSON with every Decimal written as a number (``19.99``), never through a float."""
    text = json.dumps(value, default=lambda d: f"__dec__{d}__" if isinstance(d, Decimal) else str(d))
    return re.sub(r'"__dec__(-?[0-9.E+-]+)__"', r"\1", text).encode()


@dataclass
class Account:
    orders: dict[int, dict[str, Any]] = field(default_factory=dict)
    exported: set[int] = field(default_factory=set)
    products: dict[int, dict[str, Any]] = field(default_factory=dict)
    shipments: list[dict[str, Any]] = field(default_factory=list)
    page_size: int = PAGE_SIZE

    def clear(self) -> None:
        for held in (self.orders, self.exported, self.products):
            held.clear()
        self.shipments.clear()

    def mark_exported(self, order_id: int, *, exported: bool) -> None:
        self.order(order_id)
        if exported:
            self.exported.add(order_id)
        else:
            self.exported.discard(order_id)

    def add_orders(self, orders: list[dict[str, Any]]) -> None:
        for order in orders:
            self.orders[int(order["ID"])] = copy.deepcopy(order)

    def add_products(self, skus: tuple[str, ...]) -> None:
        for n, sku in enumerate(skus, start=1):
            self.products[7000 + n] = {"ID": 7000 + n, "Sku": sku, "BuyItNowPrice": None, "DCQuantities": {}}

    def listing(self, query: dict[str, str]) -> tuple[list[dict[str, Any]], int | None]:
        """The page asked for and the $skip of the next one (None: this is the last)."""
        exported = query.get("exported")
        found = [o for o in sorted(self.orders.values(), key=lambda o: o["ID"]) if _matches(o, query.get("$filter"))]
        if exported is not None:
            wanted = exported.lower() == "true"
            found = [o for o in found if (o["ID"] in self.exported) == wanted]
        skip, top = _int(query, "$skip", 0), min(_int(query, "$top", self.page_size), self.page_size)
        page = found[skip : skip + top]
        return [expanded(o, query.get("$expand", "")) for o in page], (skip + top if skip + top < len(found) else None)

    def order(self, order_id: int) -> dict[str, Any]:
        if order_id not in self.orders:
            raise ODataError(404, "", f"No order with ID {order_id} exists")
        return self.orders[order_id]

    def product_matches(self, query: dict[str, str]) -> list[dict[str, Any]]:
        found = [p for p in self.products.values() if _matches(p, query.get("$filter"))]
        if query.get("$select") == "ID":
            return [{"ID": p["ID"]} for p in found]
        return [{k: v for k, v in p.items() if k != "DCQuantities"} for p in found]

    def product(self, product_id: int) -> dict[str, Any]:
        if product_id not in self.products:
            raise ODataError(404, "", f"No product with ID {product_id} exists")
        return self.products[product_id]


def expanded(order: dict[str, Any], expand: str) -> dict[str, Any]:
    """The order with only the navigation properties $expand names (Items, Fulfillments)."""
    out = {k: v for k, v in order.items() if k not in ("Items", "Fulfillments")}
    if "Items" in expand:
        with_promotions = "Promotions" in expand
        out["Items"] = [_item(i, with_promotions) for i in order["Items"]]
    if "Fulfillments" in expand:
        with_items = re.search(r"Fulfillments\(\$expand=Items\)", expand) is not None
        out["Fulfillments"] = [
            f if with_items else {k: v for k, v in f.items() if k != "Items"} for f in order["Fulfillments"]
        ]
    return copy.deepcopy(out)


def _item(item: dict[str, Any], with_promotions: bool) -> dict[str, Any]:
    return item if with_promotions else {k: v for k, v in item.items() if k != "Promotions"}


def _matches(entity: dict[str, Any], text: str | None) -> bool:
    if not text:
        return True
    return all(_clause(entity, part) for part in re.split(r"\s+and\s+", text))


def _clause(entity: dict[str, Any], text: str) -> bool:
    found = _CLAUSE.match(text)
    if found is None:
        raise ODataError(400, "", f"The query specified in the URI is not valid: {text!r}")
    name, op, literal = found.groups()
    if name not in entity:
        raise ODataError(400, "", f"Could not find a property named '{name}'")
    left, right = _comparable(entity[name], literal)
    results: dict[str, bool] = {"eq": left == right, "ge": left >= right, "le": left <= right}
    results |= {"gt": left > right, "lt": left < right}
    return results[op]


def _comparable(value: Any, literal: str) -> tuple[Any, Any]:
    if literal.startswith("'") and literal.endswith("'"):
        return str(value), literal[1:-1].replace("''", "'")
    if isinstance(value, int):
        return value, int(literal)
    return _time(str(value)), _time(literal)


def _time(text: str) -> datetime:
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise ODataError(400, "", f"{text!r} is not a DateTimeOffset") from None


def _int(query: dict[str, str], name: str, default: int) -> int:
    value = query.get(name)
    if value is None:
        return default
    if not is_digits(value):
        raise ODataError(400, "", f"{name} must be a non-negative integer")
    return int(value)


# ---- seeded orders ------------------------------------------------------------------


def seed_orders(count: int, *, start: datetime = DEFAULT_START, first_id: int = 4001) -> list[dict[str, Any]]:
    """``count`` unshipped, paid orders cycling through Walmart, eBay and Amazon."""
    return [seed_order(first_id + n, n, created=start + timedelta(hours=n)) for n in range(count)]


def seed_order(order_id: int, n: int, *, created: datetime) -> dict[str, Any]:
    site_id, site_name = SITES[n % len(SITES)]
    postal, city, region = _PLACES[n % len(_PLACES)]
    items = [_seed_item(order_id, n, k) for k in range(1 + n % 2)]
    total = sum((_item_total(i) for i in items), Decimal(0))
    return {
        "ID": order_id, "ProfileID": PROFILE_ID, "SiteID": site_id, "SiteName": site_name,
        "SiteOrderID": f"{site_name.split()[0].upper()}-{108000 + order_id}", "SecondarySiteOrderID": None,
        "SellerOrderID": None, "Currency": "USD", "CreatedDateUtc": created.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "TotalPrice": total, "TotalTaxPrice": sum((i["TaxPrice"] + i["ShippingTaxPrice"] for i in items), Decimal(0)),
        "TotalShippingPrice": sum((i["ShippingPrice"] for i in items), Decimal(0)),
        "AdditionalCostOrDiscount": Decimal(0),
        "CheckoutStatus": "Completed", "PaymentStatus": "Cleared", "ShippingStatus": "Unshipped",
        "BuyerEmailAddress": f"buyer{order_id}@relay.example.com", "ShippingFirstName": "Pat",
        "ShippingLastName": f"Buyer{n}", "ShippingCompanyName": None, "ShippingAddressLine1": f"{100 + n} Main St",
        "ShippingAddressLine2": None, "ShippingCity": city, "ShippingStateOrProvince": region,
        "ShippingPostalCode": postal, "ShippingCountry": "US", "Items": items,
        "Fulfillments": [_fulfilment(order_id, items)],
    }  # fmt: skip


def _seed_item(order_id: int, n: int, k: int) -> dict[str, Any]:
    price = Decimal("19.99") + Decimal(n % 3) * Decimal("5.00") + Decimal(k)
    quantity = 1 + (n + k) % 2
    discount = Decimal("-2.00") if n % 4 == 1 else Decimal(0)
    promotions = [{"ID": order_id * 10 + k, "Code": "SPRING", "Amount": discount, "ShippingAmount": Decimal(0)}]
    return {
        "ID": order_id * 10 + k, "ProfileID": PROFILE_ID, "OrderID": order_id, "ProductID": 7001 + (n + k) % 3,
        "SiteOrderItemID": f"{order_id}-{k}", "Sku": DEFAULT_SKUS[(n + k) % 3], "Title": "Widget",
        "Quantity": quantity, "UnitPrice": price, "TaxPrice": (price * quantity * _TAX).quantize(Decimal("0.01")),
        "ShippingPrice": Decimal("4.99"), "ShippingTaxPrice": Decimal("0.40"), "RecyclingFee": Decimal(0),
        "GiftPrice": Decimal(0), "GiftTaxPrice": Decimal(0), "Promotions": promotions if discount else [],
    }  # fmt: skip


def _item_total(item: dict[str, Any]) -> Decimal:
    promotions = sum((p["Amount"] + p["ShippingAmount"] for p in item["Promotions"]), Decimal(0))
    parts = ("TaxPrice", "ShippingPrice", "ShippingTaxPrice", "RecyclingFee", "GiftPrice", "GiftTaxPrice")
    total: Decimal = item["UnitPrice"] * item["Quantity"] + sum((item[p] for p in parts), Decimal(0)) + promotions
    return total


def _fulfilment(order_id: int, items: list[dict[str, Any]]) -> dict[str, Any]:
    units = [
        {"ID": i["ID"], "OrderItemID": i["ID"], "ProductID": i["ProductID"], "Quantity": i["Quantity"]} for i in items
    ]
    return {
        "ID": order_id * 100, "OrderID": order_id, "Type": "Ship", "DeliveryStatus": "NoChange",
        "TrackingNumber": None, "ShippingCarrier": "UPS", "ShippingClass": "Ground", "DistributionCenterID": 0,
        "ShippedDateUtc": None, "SellerFulfillmentID": None, "Items": units,
    }  # fmt: skip
