"""Orders for the Amazon simulator, in the shapes of SP-API's Orders v0 sandbox examples.

Each seeded order is ``{"order": Order, "items": [OrderItem, ...]}`` with the fields the sandbox
examples carry (``ordersV0_getOrders`` / ``getOrderItems``) plus a ``ShippingAddress`` and
``BuyerInfo`` as getOrders returns them to an application allowed to see them. Amounts add up:
``OrderTotal`` = item prices + shipping + taxes - discounts, so the mapping can be checked.
Everything is derived from ``seed``, so the same arguments give the same orders.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any

US_MARKETPLACE = "ATVPDKIKX0DER"
DEFAULT_SKUS = ("AMZ-1001", "AMZ-1002", "AMZ-1003")
DEFAULT_START = datetime(2025, 1, 1, tzinfo=UTC)
# Real places (postal code, city, state), so routing has distances to compare.
_PLACES = (
    ("98121-2778", "SEATTLE", "WA"),
    ("10001", "NEW YORK", "NY"),
    ("60607", "CHICAGO", "IL"),
    ("30303", "ATLANTA", "GA"),
    ("75201", "DALLAS", "TX"),
)
_UNIT_PRICES = ("10.00", "12.49", "19.99", "7.25", "33.33")
_TAX_RATE = Decimal("0.0825")
_NAMES = ("Ana Silva", "Ben Okafor", "Chen Wei", "Dana Cohen", "Emil Novak")
_STREETS = ("Main St", "Oak Ave", "Pine Rd", "Maple Dr", "Cedar Ln")
_CENT = Decimal("0.01")
# Every tenth order, counting from these offsets, is in a status that should not be imported.
_STATUS_EVERY_TENTH = {3: "Pending", 6: "Canceled", 9: "Shipped"}


def seed_orders(
    count: int,
    *,
    skus: tuple[str, ...] = DEFAULT_SKUS,
    start: datetime = DEFAULT_START,
    marketplace_id: str = US_MARKETPLACE,
    seed: int = 7,
    statuses: bool = True,
) -> list[dict[str, Any]]:
    """``count`` orders a minute apart from ``start``; with ``statuses`` some are Pending/Canceled/Shipped."""
    rng = random.Random(seed)
    orders = []
    for n in range(count):
        status = _STATUS_EVERY_TENTH.get(n % 10, "Unshipped") if statuses else "Unshipped"
        orders.append(
            make_order(rng, n, skus=skus, at=start + timedelta(minutes=n), market=marketplace_id, status=status)
        )
    return orders


def make_order(
    rng: random.Random, n: int, *, skus: tuple[str, ...], at: datetime, market: str, status: str
) -> dict[str, Any]:
    order_id = f"{902 + n % 90:03d}-{rng.randrange(10**7):07d}-{rng.randrange(10**7):07d}"
    chosen = rng.sample(skus, k=rng.randint(1, min(2, len(skus))))
    items = [_item(rng, sku) for sku in chosen]
    order = _order(order_id, at, market, status, len(items))
    if status == "Pending":
        # As in the sandbox's Pending example: no total and no address before payment is authorised.
        return {"order": order, "items": [strip_prices(item) for item in items]}
    order["OrderTotal"] = _money(sum((_line_total(item) for item in items), Decimal(0)))
    order["ShippingAddress"] = _address(rng)
    order["BuyerInfo"] = {"BuyerEmail": f"{order_id.replace('-', '')}@marketplace.amazon.com"}
    if status == "Shipped":
        order["FulfillmentChannel"] = "AFN"
        order["NumberOfItemsShipped"], order["NumberOfItemsUnshipped"] = len(items), 0
    return {"order": order, "items": items}


PRICE_FIELDS = (
    "ItemPrice",
    "ShippingPrice",
    "ItemTax",
    "ShippingTax",
    "ShippingDiscount",
    "ShippingDiscountTax",
    "PromotionDiscount",
    "PromotionDiscountTax",
    "CODFee",
    "CODFeeDiscount",
    "IsGift",
)


def strip_prices(item: dict[str, Any]) -> dict[str, Any]:
    """An item as getOrderItems gives it for a Pending order: no prices, taxes, shipping or gift status."""
    return {key: value for key, value in item.items() if key not in PRICE_FIELDS}


def _order(order_id: str, at: datetime, market: str, status: str, item_count: int) -> dict[str, Any]:
    stamp = at.strftime("%Y-%m-%dT%H:%M:%SZ")
    return {
        "AmazonOrderId": order_id,
        "PurchaseDate": stamp,
        "LastUpdateDate": stamp,
        "OrderStatus": status,
        "FulfillmentChannel": "MFN",
        "SalesChannel": "Amazon.com",
        "ShipServiceLevel": "Std US D2D Dom",
        "NumberOfItemsShipped": 0,
        "NumberOfItemsUnshipped": item_count,
        "PaymentMethod": "Other",
        "PaymentMethodDetails": ["Standard"],
        "IsReplacementOrder": False,
        "MarketplaceId": market,
        "ShipmentServiceLevelCategory": "Standard",
        "OrderType": "StandardOrder",
        "EarliestShipDate": (at + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "LatestShipDate": (at + timedelta(days=2)).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "IsBusinessOrder": False,
        "IsPrime": False,
        "IsGlobalExpressEnabled": False,
        "IsPremiumOrder": False,
        "IsSoldByAB": False,
        "IsIBA": False,
        "IsISPU": False,
        "IsAccessPointOrder": False,
        "EasyShipShipmentStatus": "PendingPickUp",
        "ElectronicInvoiceStatus": "NotRequired",
    }


def _item(rng: random.Random, sku: str) -> dict[str, Any]:
    quantity = rng.randint(1, 3)
    price = Decimal(rng.choice(_UNIT_PRICES)) * quantity
    shipping = Decimal("4.99") if rng.random() < 0.5 else Decimal(0)
    free_shipping = bool(shipping) and rng.random() < 0.5
    promotion = Decimal("1.00") if rng.random() < 0.3 else Decimal(0)
    item: dict[str, Any] = {
        "ASIN": f"B0{rng.randrange(10**8):08d}",
        "OrderItemId": f"{rng.randrange(10**14):014d}",
        "SellerSKU": sku,
        "Title": f"{sku} [Simulated]",
        "QuantityOrdered": quantity,
        "QuantityShipped": 0,
        "ProductInfo": {"NumberOfItems": "1"},
        "ItemPrice": _money(price),
        "ItemTax": _money(_tax(price - promotion)),
        "PromotionDiscount": _money(promotion),
        "IsGift": "false",
        "ConditionId": "New",
        "ConditionSubtypeId": "New",
        "IsTransparency": False,
        "SerialNumberRequired": False,
    }
    if shipping:
        item["ShippingPrice"] = _money(shipping)
        item["ShippingTax"] = _money(Decimal(0) if free_shipping else _tax(shipping))
        item["ShippingDiscount"] = _money(shipping if free_shipping else Decimal(0))
    return item


def _line_total(item: dict[str, Any]) -> Decimal:
    def amount(name: str) -> Decimal:
        money = item.get(name)
        return Decimal(money["Amount"]) if money else Decimal(0)

    added = amount("ItemPrice") + amount("ItemTax") + amount("ShippingPrice") + amount("ShippingTax")
    return added - amount("PromotionDiscount") - amount("ShippingDiscount")


def _tax(amount: Decimal) -> Decimal:
    return (amount * _TAX_RATE).quantize(_CENT, rounding=ROUND_HALF_EVEN)


def _money(amount: Decimal) -> dict[str, str]:
    return {"CurrencyCode": "USD", "Amount": str(amount.quantize(_CENT))}


def _address(rng: random.Random) -> dict[str, str]:
    postal, city, state = rng.choice(_PLACES)
    return {
        "Name": rng.choice(_NAMES),
        "AddressLine1": f"{rng.randrange(1, 9999)} {rng.choice(_STREETS)}",
        "City": city,
        "StateOrRegion": state,
        "PostalCode": postal,
        "CountryCode": "US",
        "AddressType": "Residential",
    }
