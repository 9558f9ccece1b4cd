"""The ChannelAdvisor channel: one REST API v1 ``Order`` with its ``Items`` (and their ``Promotions``)
expanded -> PlaceOrder. ChannelAdvisor gathers orders from many marketplaces; the one an order came from
(``SiteName``, ``SiteID``: "Walmart Marketplace", "eBay Fixed Price US", "Amazon Seller Central - US"...)
and its order number there (``SiteOrderID``) are kept as references, so the order is found by either.

The order's ``external_id`` is ChannelAdvisor's own ``ID``: the one every later call names (export,
ship). Money is read as exact decimals from the JSON numbers, never as floats:

==========================================  =================  =====================================
Item.UnitPrice x Item.Quantity              the line
Item.TaxPrice, ShippingTaxPrice,            tax                the item's, for all its quantity
GiftTaxPrice
Item.ShippingPrice                          shipping
Item.GiftPrice, RecyclingFee                fee
Promotion.Amount, ShippingAmount            discount           negative (ChannelAdvisor sends them so)
Order.AdditionalCostOrDiscount              fee or discount    the order's, by its sign
Order.TotalInsurancePrice                   fee                the order's
==========================================  =================  =====================================

``TotalPrice`` is the declared total: lines and charges that do not add up to it (a tax-inclusive VAT
site, order-level amounts this table does not name) hold the order with a ``total_mismatch`` exception
rather than capture it at another total than the buyer paid. Items with ``Quantity`` 0 are left out.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, NoReturn

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator
from pydantic_core import PydanticCustomError

from overture.channels.validation import CountryCode, PostalCode, parse_json
from overture.domain.commands import Charge, ChargeKind, LineRequest, PlaceOrder, Reference
from overture.domain.money import is_currency
from overture.domain.parties import Address, Customer
from overture.services.errors import ErrorCode, FieldError, PayloadError

CHANNEL = "channeladvisor"
SYSTEM = "channeladvisor"

Text = Annotated[str, StringConstraints(strip_whitespace=True, max_length=255)]
Code = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64)]
Price = Annotated[Decimal, Field(max_digits=18, decimal_places=6, allow_inf_nan=False)]


class _Ca(BaseModel):
    # ChannelAdvisor sends every field of the entity, null when unset; only the ones read here are checked.
    model_config = ConfigDict(extra="ignore")


class PromotionIn(_Ca):
    Code: Text | None = None
    Amount: Price | None = None
    ShippingAmount: Price | None = None


class ItemIn(_Ca):
    Sku: Code = Field(alias="Sku")
    Quantity: Annotated[int, Field(strict=True, ge=0, le=1_000_000)]
    UnitPrice: Price
    TaxPrice: Price | None = None
    ShippingPrice: Price | None = None
    ShippingTaxPrice: Price | None = None
    GiftPrice: Price | None = None
    GiftTaxPrice: Price | None = None
    RecyclingFee: Price | None = None
    Promotions: list[PromotionIn] = Field(default_factory=list)


class OrderIn(_Ca):
    ID: Annotated[int, Field(strict=True, gt=0)]
    ProfileID: int | None = None
    SiteID: int | None = None
    SiteName: Text | None = None
    SiteOrderID: Text | None = None
    SecondarySiteOrderID: Text | None = None
    SellerOrderID: Text | None = None
    Currency: Annotated[str, StringConstraints(strip_whitespace=True, to_upper=True)]
    TotalPrice: Price
    AdditionalCostOrDiscount: Price | None = None
    TotalInsurancePrice: Price | None = None
    BuyerEmailAddress: Text | None = None
    ShippingFirstName: Text | None = None
    ShippingLastName: Text | None = None
    ShippingCompanyName: Text | None = None
    ShippingAddressLine1: Text | None = None
    ShippingAddressLine2: Text | None = None
    ShippingCity: Text | None = None
    ShippingStateOrProvince: Text | None = None
    ShippingPostalCode: PostalCode
    ShippingCountry: CountryCode
    Items: Annotated[list[ItemIn], Field(min_length=1, max_length=1000)]

    @field_validator("Currency")
    @classmethod
    def _iso_currency(cls, value: str) -> str:
        if not is_currency(value):
            raise PydanticCustomError(
                "unknown_currency", "{value} is not an active ISO 4217 currency code", {"value": value}
            )
        return value


# (field, kind, sign): sign -1 makes an amount a reduction whichever sign it was sent with.
_ITEM_CHARGES: tuple[tuple[str, ChargeKind, int], ...] = (
    ("TaxPrice", ChargeKind.TAX, 1),
    ("ShippingPrice", ChargeKind.SHIPPING, 1),
    ("ShippingTaxPrice", ChargeKind.TAX, 1),
    ("GiftPrice", ChargeKind.FEE, 1),
    ("GiftTaxPrice", ChargeKind.TAX, 1),
    ("RecyclingFee", ChargeKind.FEE, 1),
)


def translate(body: bytes) -> PlaceOrder:
    """Raw Order JSON bytes (Items expanded) -> PlaceOrder, or PayloadError naming each bad field."""
    return to_command(parse_json(OrderIn, body))


def to_command(order: OrderIn) -> PlaceOrder:
    kept = [(n, item) for n, item in enumerate(order.Items) if item.Quantity > 0]
    if not kept:
        _refuse("Items", ErrorCode.REQUIRED, "no item has a Quantity above 0")
    lines: list[LineRequest] = []
    charges: list[Charge] = []
    for line_no, (index, item) in enumerate(kept, start=1):
        if item.UnitPrice < 0:
            _refuse(f"Items[{index}].UnitPrice", ErrorCode.OUT_OF_RANGE, "must not be negative")
        lines.append(LineRequest(item.Sku, item.Quantity, item.UnitPrice))
        charges.extend(_item_charges(item, line_no))
    charges.extend(_order_charges(order))
    return PlaceOrder(
        channel=CHANNEL,
        external_id=str(order.ID),
        customer=_customer(order),
        ship_to=_ship_to(order),
        currency=order.Currency,
        lines=tuple(lines),
        charges=tuple(charges),
        references=_references(order),
        declared_total=order.TotalPrice,
    )


def _item_charges(item: ItemIn, line_no: int) -> list[Charge]:
    found: list[Charge] = []
    for name, kind, sign in _ITEM_CHARGES:
        amount: Decimal | None = getattr(item, name)
        if amount:
            found.append(Charge(kind, amount if sign > 0 else -abs(amount), name, line_no))
    for promotion in item.Promotions:
        code = f"Promotion {promotion.Code}" if promotion.Code else "Promotion"
        for amount, what in ((promotion.Amount, ""), (promotion.ShippingAmount, " shipping")):
            if amount:
                found.append(Charge(ChargeKind.DISCOUNT, -abs(amount), code + what, line_no))
    return found


def _order_charges(order: OrderIn) -> list[Charge]:
    found: list[Charge] = []
    extra = order.AdditionalCostOrDiscount
    if extra:
        kind = ChargeKind.FEE if extra > 0 else ChargeKind.DISCOUNT
        found.append(Charge(kind, extra, "AdditionalCostOrDiscount"))
    if order.TotalInsurancePrice:
        found.append(Charge(ChargeKind.FEE, order.TotalInsurancePrice, "TotalInsurancePrice"))
    return found


def _name(order: OrderIn) -> str:
    return " ".join(part for part in (order.ShippingFirstName, order.ShippingLastName) if part)


def _customer(order: OrderIn) -> Customer:
    email = order.BuyerEmailAddress or ""
    # The marketplace's (often relayed) buyer e-mail is the only handle on the buyer ChannelAdvisor gives.
    return Customer(reference=email, name=_name(order) or order.ShippingCompanyName or "", email=email)


def _ship_to(order: OrderIn) -> Address:
    name = _name(order)
    company = order.ShippingCompanyName or ""
    return Address(
        postal_code=order.ShippingPostalCode,
        country=order.ShippingCountry,
        name=f"{name}, {company}" if name and company else name or company,
        line1=order.ShippingAddressLine1 or "",
        line2=order.ShippingAddressLine2 or "",
        city=order.ShippingCity or "",
        region=order.ShippingStateOrProvince or "",
    )


def _references(order: OrderIn) -> tuple[Reference, ...]:
    pairs = (
        ("site_name", order.SiteName),
        ("site_id", None if order.SiteID is None else str(order.SiteID)),
        ("site_order_id", order.SiteOrderID),
        ("secondary_site_order_id", order.SecondarySiteOrderID),
        ("seller_order_id", order.SellerOrderID),
        ("profile_id", None if order.ProfileID is None else str(order.ProfileID)),
    )
    return tuple(Reference(SYSTEM, kind, value) for kind, value in pairs if value)


def _refuse(field: str, code: ErrorCode, reason: str) -> NoReturn:
    raise PayloadError(ErrorCode.VALIDATION_FAILED, [FieldError(field, code, reason)])
