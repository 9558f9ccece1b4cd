"""The Amazon channel: one SP-API order with its items -> PlaceOrder.

The message is ``{"order": Order, "items": [OrderItem, ...], "address": Address}``: an ``Order`` as
getOrders lists it, every ``OrderItem`` getOrderItems returned for it and, when the listing held only
the public part of the address, the ``ShippingAddress`` of getOrderAddress (used before the listed
one), all as Amazon sent them (Orders v0 shapes). The sandbox's static answers read as they are.

Money: in SP-API an item's ``ItemPrice`` is the price of the whole line (unit price x quantity),
so the unit price is ``ItemPrice / QuantityOrdered``. When that does not divide exactly, the unit
price is cut to six places and the few millionths left over become a ``fee`` charge on the line
coded ``ItemPrice rounding``, so the line's money stays exactly Amazon's. Every other amount
becomes a charge on its line (its ``code`` is the Amazon field name):

==========================================  =================  ======
ShippingPrice                               shipping
ItemTax, ShippingTax, GiftWrapTax           tax
PromotionDiscount, ShippingDiscount         discount           negative
PromotionDiscountTax, ShippingDiscountTax   tax                negative (tax given back on a discount)
CODFee, GiftWrapPrice                       fee
CODFeeDiscount                              discount           negative
==========================================  =================  ======

Amazon writes discounts as positive amounts; their sign is taken off, so a discount always
lowers the total. Prices are read as tax-exclusive (as in the US marketplace and the sandbox
examples). ``OrderTotal`` is carried as the order's declared total: lines and charges that do not
add up to it within the hub's tolerance (a tax-inclusive marketplace, a half-filled payload) hold
the order with a ``total_mismatch`` exception and both figures, rather than capture it to ship at a
total that differs from what the buyer paid, or refuse an order the buyer has paid for.

Items with ``QuantityOrdered`` 0 (cancelled lines) are left out with their charges.
"""

from __future__ import annotations

from decimal import ROUND_DOWN, Decimal, InvalidOperation
from typing import Annotated, NoReturn

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator
from pydantic_core import PydanticCustomError

from overture.channels.validation import CountryCode as Country
from overture.channels.validation import PostalCode, parse_json
from overture.domain.commands import Charge, ChargeKind, LineRequest, PlaceOrder, Reference
from overture.domain.money import Money, is_currency
from overture.domain.parties import Address, Customer
from overture.services.errors import ErrorCode, FieldError, PayloadError

CHANNEL = "amazon"
SYSTEM = "amazon"
_UNIT_PLACES = Decimal("0.000001")  # the store keeps six decimal places

Text = Annotated[str, StringConstraints(strip_whitespace=True, max_length=255)]
Code = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64)]


class _Amazon(BaseModel):
    # Amazon adds fields over time; only the ones read here are checked.
    model_config = ConfigDict(extra="ignore")


class MoneyIn(_Amazon):
    CurrencyCode: Annotated[str, StringConstraints(strip_whitespace=True, to_upper=True)]
    Amount: Annotated[Decimal, Field(max_digits=18, decimal_places=6, allow_inf_nan=False)]

    @field_validator("CurrencyCode")
    @classmethod
    def _iso_currency(cls, value: str) -> str:
        if not is_currency(value):
            raise PydanticCustomError(
                "unknown_currency", "{value} is not an active ISO 4217 currency code", {"value": value}
            )
        return value


class AddressIn(_Amazon):
    Name: Text = ""
    AddressLine1: Text = ""
    AddressLine2: Text = ""
    AddressLine3: Text = ""
    City: Text = ""
    StateOrRegion: Text = ""
    PostalCode: PostalCode
    CountryCode: Country


class BuyerInfoIn(_Amazon):
    BuyerEmail: Text = ""
    BuyerName: Text = ""


class ItemBuyerInfoIn(_Amazon):
    GiftWrapPrice: MoneyIn | None = None
    GiftWrapTax: MoneyIn | None = None


class OrderIn(_Amazon):
    AmazonOrderId: Code
    OrderStatus: Code
    MarketplaceId: Text = ""
    FulfillmentChannel: Text = ""
    OrderTotal: MoneyIn | None = None
    ShippingAddress: AddressIn | None = None
    BuyerInfo: BuyerInfoIn = Field(default_factory=BuyerInfoIn)


class ItemIn(_Amazon):
    SellerSKU: Code
    QuantityOrdered: Annotated[int, Field(strict=True, ge=0, le=1_000_000)]
    ItemPrice: MoneyIn | None = None
    ShippingPrice: MoneyIn | None = None
    ItemTax: MoneyIn | None = None
    ShippingTax: MoneyIn | None = None
    ShippingDiscount: MoneyIn | None = None
    ShippingDiscountTax: MoneyIn | None = None
    PromotionDiscount: MoneyIn | None = None
    PromotionDiscountTax: MoneyIn | None = None
    CODFee: MoneyIn | None = None
    CODFeeDiscount: MoneyIn | None = None
    BuyerInfo: ItemBuyerInfoIn = Field(default_factory=ItemBuyerInfoIn)


class MessageIn(_Amazon):
    order: OrderIn
    items: Annotated[list[ItemIn], Field(min_length=1, max_length=1000)]
    # getOrderAddress's ShippingAddress: getOrders lists only its public part without an RDT.
    address: AddressIn | None = None


# (field, kind, sign): the sign turns Amazon's positive discounts into negative charges.
_ITEM_CHARGES: tuple[tuple[str, ChargeKind, int], ...] = (
    ("ShippingPrice", ChargeKind.SHIPPING, 1),
    ("ItemTax", ChargeKind.TAX, 1),
    ("ShippingTax", ChargeKind.TAX, 1),
    ("PromotionDiscount", ChargeKind.DISCOUNT, -1),
    ("PromotionDiscountTax", ChargeKind.TAX, -1),
    ("ShippingDiscount", ChargeKind.DISCOUNT, -1),
    ("ShippingDiscountTax", ChargeKind.TAX, -1),
    ("CODFee", ChargeKind.FEE, 1),
    ("CODFeeDiscount", ChargeKind.DISCOUNT, -1),
)
_GIFT_WRAP_CHARGES: tuple[tuple[str, ChargeKind, int], ...] = (
    ("GiftWrapPrice", ChargeKind.FEE, 1),
    ("GiftWrapTax", ChargeKind.TAX, 1),
)


def translate(body: bytes) -> PlaceOrder:
    """Raw ``{"order", "items"}`` JSON bytes -> PlaceOrder, or PayloadError naming each bad field."""
    return to_command(parse_json(MessageIn, body))


def to_command(message: MessageIn) -> PlaceOrder:
    order = message.order
    currency = _currency(message)
    address = _address(message)
    kept = [(n, item) for n, item in enumerate(message.items) if item.QuantityOrdered > 0]
    if not kept:
        _refuse("items", ErrorCode.REQUIRED, "no item has a quantity ordered above 0")
    lines: list[LineRequest] = []
    charges: list[Charge] = []
    for line_no, (index, item) in enumerate(kept, start=1):
        line, rounding = _line(item, index, currency)
        lines.append(line)
        charges.extend(_charges(item, index, line_no, currency, rounding))
    return PlaceOrder(
        channel=CHANNEL,
        external_id=order.AmazonOrderId,
        customer=_customer(order, address),
        ship_to=_ship_to(address),
        currency=currency,
        lines=tuple(lines),
        charges=tuple(charges),
        references=_references(order),
        declared_total=None if order.OrderTotal is None else order.OrderTotal.Amount,
    )


def _address(message: MessageIn) -> AddressIn:
    found = message.address or message.order.ShippingAddress
    if found is None:
        _refuse("order.ShippingAddress", ErrorCode.REQUIRED, "neither getOrders nor getOrderAddress gave an address")
    return found


def command_total(command: PlaceOrder) -> Money:
    """Lines plus charges, rounded to the currency's minor unit (what Order.total will say)."""
    amount = sum((line.unit_price * line.quantity for line in command.lines), Decimal(0))
    amount += sum((charge.amount for charge in command.charges), Decimal(0))
    return Money(amount, command.currency).rounded()


def _currency(message: MessageIn) -> str:
    if message.order.OrderTotal is not None:
        return message.order.OrderTotal.CurrencyCode
    for item in message.items:
        if item.ItemPrice is not None:
            return item.ItemPrice.CurrencyCode
    _refuse("order.OrderTotal", ErrorCode.REQUIRED, "neither the order total nor any item price names a currency")


def _line(item: ItemIn, index: int, currency: str) -> tuple[LineRequest, Decimal]:
    """The line and what is left of ItemPrice once cut into equal unit prices of six places."""
    if item.ItemPrice is None:
        _refuse(
            f"items[{index}].ItemPrice", ErrorCode.REQUIRED, "an item needs its price (is the order still Pending?)"
        )
    price = _amount(item.ItemPrice, f"items[{index}].ItemPrice", currency, sign=1)
    if price < 0:
        _refuse(f"items[{index}].ItemPrice.Amount", ErrorCode.OUT_OF_RANGE, "must not be negative")
    try:
        unit = (price / item.QuantityOrdered).quantize(_UNIT_PLACES, rounding=ROUND_DOWN)
    except InvalidOperation:
        _refuse(f"items[{index}].ItemPrice.Amount", ErrorCode.OUT_OF_RANGE, "too large")
    return LineRequest(item.SellerSKU, item.QuantityOrdered, unit), price - unit * item.QuantityOrdered


def _charges(item: ItemIn, index: int, line_no: int, currency: str, rounding: Decimal) -> list[Charge]:
    found = [Charge(ChargeKind.FEE, rounding, "ItemPrice rounding", line_no)] if rounding else []
    holders: tuple[tuple[BaseModel, str, tuple[tuple[str, ChargeKind, int], ...]], ...] = (
        (item, f"items[{index}]", _ITEM_CHARGES),
        (item.BuyerInfo, f"items[{index}].BuyerInfo", _GIFT_WRAP_CHARGES),
    )
    for holder, path, specs in holders:
        for name, kind, sign in specs:
            money: MoneyIn | None = getattr(holder, name)
            amount = Decimal(0) if money is None else _amount(money, f"{path}.{name}", currency, sign=sign)
            if amount:
                found.append(Charge(kind, amount, name, line_no))
    return found


def _amount(money: MoneyIn, path: str, currency: str, *, sign: int) -> Decimal:
    if money.CurrencyCode != currency:
        _refuse(
            f"{path}.CurrencyCode", ErrorCode.INVALID_VALUE, f"{money.CurrencyCode} differs from the order's {currency}"
        )
    return abs(money.Amount) * sign if sign < 0 else money.Amount


def _customer(order: OrderIn, address: AddressIn) -> Customer:
    buyer = order.BuyerInfo
    # Amazon's anonymised buyer e-mail is the only stable handle on the buyer it gives.
    return Customer(reference=buyer.BuyerEmail, name=buyer.BuyerName or address.Name, email=buyer.BuyerEmail)


def _ship_to(address: AddressIn) -> Address:
    line2 = ", ".join(part for part in (address.AddressLine2, address.AddressLine3) if part)
    return Address(
        postal_code=address.PostalCode,
        country=address.CountryCode,
        name=address.Name,
        line1=address.AddressLine1,
        line2=line2,
        city=address.City,
        region=address.StateOrRegion,
    )


def _references(order: OrderIn) -> tuple[Reference, ...]:
    pairs = (
        ("marketplace_id", order.MarketplaceId),
        ("order_status", order.OrderStatus),
        ("fulfillment_channel", order.FulfillmentChannel),
    )
    return tuple(Reference(SYSTEM, kind, value) for kind, value in pairs if value)


def _refuse(field: str, code: ErrorCode, reason: str) -> NoReturn:
    raise PayloadError(ErrorCode.VALIDATION_FAILED, [FieldError(field, code, reason)])
