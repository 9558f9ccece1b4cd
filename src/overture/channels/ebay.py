"""The eBay channel: one Sell Fulfillment API ``Order`` (as getOrders / getOrder return it) -> PlaceOrder.

The order's ``external_id`` is eBay's ``orderId`` (the one createShippingFulfillment names); its
``legacyOrderId``, ``salesRecordReference`` and the buyer's eBay user name are kept as references. Our
SKU is the line item's ``sku`` (the seller's own). Money comes as ``{"value": "12.34", "currency"}``
strings and is read as exact decimals, never as floats:

============================================  =========  ===============================================
lineItemCost / quantity                       the line   the whole line's price; cut to six places, the
                                                         millionths left over a ``fee`` (``lineItemCost
                                                         rounding``), so the line stays eBay's to the cent
deliveryCost.shippingCost, handlingCost       shipping
deliveryCost.importCharges,                   fee
shippingIntermediationFee
deliveryCost.discountAmount                   discount   negative whichever sign it came with
appliedPromotions[].discountAmount            discount   negative
taxes[].amount                                tax        a ``taxType`` ending in ``_FEE`` (an electronic
                                                         or tyre recycling fee) is a ``fee``
pricingSummary.adjustment                     fee or discount, by its sign (the order's)
============================================  =========  ===============================================

``ebayCollectAndRemitTaxes`` is not read for money: eBay collects and remits that tax itself. When the
seller's view includes it (the same amount also under ``taxes``, as the API documents for
``fieldGroups=TAX_BREAKDOWN``) it is counted once, from ``taxes``; when it does not, eBay's own
``pricingSummary.total`` leaves it out too. That total is the declared total: lines and charges that do
not add up to it hold the order with a ``total_mismatch`` exception rather than capture it at another
total than eBay's. Line items with ``quantity`` 0 are left out.
"""

from __future__ import annotations

from decimal import ROUND_DOWN, Decimal, InvalidOperation
from typing import Annotated, NoReturn

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator
from pydantic.alias_generators import to_camel
from pydantic_core import PydanticCustomError

from overture.channels.validation import CountryCode, PostalCode, parse_json
from overture.domain.commands import Charge, ChargeKind, LineRequest, PlaceOrder, Reference
from overture.domain.money import is_currency
from overture.domain.parties import Address, Customer
from overture.services.errors import ErrorCode, FieldError, PayloadError

CHANNEL = "ebay"
SYSTEM = "ebay"
_UNIT_PLACES = Decimal("0.000001")  # the store keeps six decimal places

Text = Annotated[str, StringConstraints(strip_whitespace=True, max_length=255)]
Code = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64)]


class _Ebay(BaseModel):
    # eBay adds fields over time; only the ones read here are checked. Each is read by its camelCase name.
    model_config = ConfigDict(extra="ignore", alias_generator=to_camel)


class AmountIn(_Ebay):
    value: Annotated[Decimal, Field(max_digits=18, decimal_places=6, allow_inf_nan=False)]
    currency: Annotated[str, StringConstraints(strip_whitespace=True, to_upper=True)]

    @field_validator("currency")
    @classmethod
    def _iso_currency(cls, value: str) -> str:
        if not is_currency(value):
            raise PydanticCustomError(
                "unknown_currency", "{value} is not an active ISO 4217 currency code", {"value": value}
            )
        return value


class TaxIn(_Ebay):
    amount: AmountIn | None = None
    tax_type: Text | None = None


class PromotionIn(_Ebay):
    promotion_id: Text | None = None
    discount_amount: AmountIn | None = None


class DeliveryCostIn(_Ebay):
    shipping_cost: AmountIn | None = None
    handling_cost: AmountIn | None = None
    import_charges: AmountIn | None = None
    shipping_intermediation_fee: AmountIn | None = None
    discount_amount: AmountIn | None = None


class LineItemIn(_Ebay):
    line_item_id: Code
    sku: Code
    quantity: Annotated[int, Field(strict=True, ge=0, le=1_000_000)]
    line_item_cost: AmountIn
    delivery_cost: DeliveryCostIn = Field(default_factory=DeliveryCostIn)
    applied_promotions: list[PromotionIn] = Field(default_factory=list)
    taxes: list[TaxIn] = Field(default_factory=list)


class ContactAddressIn(_Ebay):
    address_line1: Text = ""
    address_line2: Text = ""
    city: Text = ""
    state_or_province: Text = ""
    postal_code: PostalCode
    country_code: CountryCode


class ShipToIn(_Ebay):
    full_name: Text = ""
    company_name: Text = ""
    email: Text = ""
    contact_address: ContactAddressIn


class ShippingStepIn(_Ebay):
    ship_to: ShipToIn


class InstructionIn(_Ebay):
    shipping_step: ShippingStepIn | None = None


class PricingIn(_Ebay):
    total: AmountIn
    adjustment: AmountIn | None = None


class BuyerIn(_Ebay):
    username: Text = ""


class OrderIn(_Ebay):
    order_id: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64, pattern=r"^[\w-]+$")]
    legacy_order_id: Text | None = None
    sales_record_reference: Text | None = None
    buyer: BuyerIn = Field(default_factory=BuyerIn)
    pricing_summary: PricingIn
    line_items: Annotated[list[LineItemIn], Field(min_length=1, max_length=1000)]
    fulfillment_start_instructions: list[InstructionIn] = Field(default_factory=list)


# (field of deliveryCost, kind, sign): sign -1 makes an amount a reduction whichever sign it came with.
_DELIVERY: tuple[tuple[str, ChargeKind, int], ...] = (
    ("shipping_cost", ChargeKind.SHIPPING, 1),
    ("handling_cost", ChargeKind.SHIPPING, 1),
    ("import_charges", ChargeKind.FEE, 1),
    ("shipping_intermediation_fee", ChargeKind.FEE, 1),
    ("discount_amount", ChargeKind.DISCOUNT, -1),
)


def translate(body: bytes) -> PlaceOrder:
    """Raw Order JSON bytes -> PlaceOrder, or PayloadError naming each bad field."""
    return to_command(parse_json(OrderIn, body))


def to_command(order: OrderIn) -> PlaceOrder:
    currency = order.pricing_summary.total.currency
    kept = [(n, item) for n, item in enumerate(order.line_items) if item.quantity > 0]
    if not kept:
        _refuse("lineItems", ErrorCode.REQUIRED, "no line item has a quantity above 0")
    lines: list[LineRequest] = []
    charges: list[Charge] = []
    for line_no, (index, item) in enumerate(kept, start=1):
        line, rounding = _line(item, index, currency)
        lines.append(line)
        if rounding:
            charges.append(Charge(ChargeKind.FEE, rounding, "lineItemCost rounding", line_no))
        charges.extend(_line_charges(item, f"lineItems[{index}]", line_no, currency))
    adjustment = order.pricing_summary.adjustment
    if adjustment is not None and adjustment.value:
        amount = _amount(adjustment, "pricingSummary.adjustment", currency, sign=1)
        charges.append(Charge(ChargeKind.FEE if amount > 0 else ChargeKind.DISCOUNT, amount, "adjustment"))
    ship_to = _ship_to(order)
    return PlaceOrder(
        channel=CHANNEL,
        external_id=order.order_id,
        customer=_customer(order, ship_to),
        ship_to=_address(ship_to),
        currency=currency,
        lines=tuple(lines),
        charges=tuple(charges),
        references=_references(order),
        declared_total=order.pricing_summary.total.value,
    )


def _line(item: LineItemIn, index: int, currency: str) -> tuple[LineRequest, Decimal]:
    """The line and what is left of lineItemCost once cut into equal unit prices of six places."""
    price = _amount(item.line_item_cost, f"lineItems[{index}].lineItemCost", currency, sign=1)
    if price < 0:
        _refuse(f"lineItems[{index}].lineItemCost.value", ErrorCode.OUT_OF_RANGE, "must not be negative")
    try:
        unit = (price / item.quantity).quantize(_UNIT_PLACES, rounding=ROUND_DOWN)
    except InvalidOperation:
        _refuse(f"lineItems[{index}].lineItemCost.value", ErrorCode.OUT_OF_RANGE, "too large")
    return LineRequest(item.sku, item.quantity, unit), price - unit * item.quantity


def _line_charges(item: LineItemIn, path: str, line_no: int, currency: str) -> list[Charge]:
    found: list[Charge] = []
    for name, kind, sign in _DELIVERY:
        money: AmountIn | None = getattr(item.delivery_cost, name)
        if money is not None and money.value:
            wire = f"deliveryCost.{to_camel(name)}"
            found.append(Charge(kind, _amount(money, f"{path}.{wire}", currency, sign=sign), wire, line_no))
    for n, promotion in enumerate(item.applied_promotions):
        if promotion.discount_amount is not None and promotion.discount_amount.value:
            amount = _amount(
                promotion.discount_amount, f"{path}.appliedPromotions[{n}].discountAmount", currency, sign=-1
            )
            code = f"Promotion {promotion.promotion_id}" if promotion.promotion_id else "Promotion"
            found.append(Charge(ChargeKind.DISCOUNT, amount, code, line_no))
    for n, tax in enumerate(item.taxes):
        if tax.amount is not None and tax.amount.value:
            amount = _amount(tax.amount, f"{path}.taxes[{n}].amount", currency, sign=1)
            kind = ChargeKind.FEE if (tax.tax_type or "").endswith("_FEE") else ChargeKind.TAX
            found.append(Charge(kind, amount, tax.tax_type or "tax", line_no))
    return found


def _amount(money: AmountIn, path: str, currency: str, *, sign: int) -> Decimal:
    if money.currency != currency:
        _refuse(f"{path}.currency", ErrorCode.INVALID_VALUE, f"{money.currency} differs from the order's {currency}")
    return -abs(money.value) if sign < 0 else money.value


def _ship_to(order: OrderIn) -> ShipToIn:
    for instruction in order.fulfillment_start_instructions:
        if instruction.shipping_step is not None:
            return instruction.shipping_step.ship_to
    _refuse(
        "fulfillmentStartInstructions",
        ErrorCode.REQUIRED,
        "no shippingStep.shipTo: a pickup or digital order is not one to ship",
    )


def _address(ship_to: ShipToIn) -> Address:
    place = ship_to.contact_address
    name, company = ship_to.full_name, ship_to.company_name
    return Address(
        postal_code=place.postal_code,
        country=place.country_code,
        name=f"{name}, {company}" if name and company else name or company,
        line1=place.address_line1,
        line2=place.address_line2,
        city=place.city,
        region=place.state_or_province,
    )


def _customer(order: OrderIn, ship_to: ShipToIn) -> Customer:
    # The buyer's eBay user name is their one stable handle; the e-mail eBay relays may change.
    return Customer(
        reference=order.buyer.username or ship_to.email,
        name=ship_to.full_name or ship_to.company_name,
        email=ship_to.email,
    )


def _references(order: OrderIn) -> tuple[Reference, ...]:
    pairs = (
        ("legacy_order_id", order.legacy_order_id),
        ("sales_record_reference", order.sales_record_reference),
        ("buyer_username", order.buyer.username or None),
    )
    return tuple(Reference(SYSTEM, kind, value) for kind, value in pairs if value)


def _refuse(field: str, code: ErrorCode, reason: str) -> NoReturn:
    raise PayloadError(ErrorCode.VALIDATION_FAILED, [FieldError(field, code, reason)])
