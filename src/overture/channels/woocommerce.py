"""WooCommerce order webhooks -> PlaceOrder (order.created) or a StorefrontEvent (other topics).

The body is the order as the WooCommerce REST API (v3) returns it. WooCommerce states every
amount without tax (``prices_include_tax`` only says how the shop entered its prices), so
``total`` = line totals + their tax + shipping + its tax + fees + their tax, and lines plus
charges are mapped to add up to it:

- lines: unit price = ``subtotal`` / ``quantity`` (before coupons). When that does not divide
  within six decimal places, the unit price is rounded and the remainder kept as a line
  ``rounding`` fee, so the line still adds up to its subtotal exactly.
- discounts (negative, per line): ``total`` - ``subtotal``, coded with the coupon codes.
- tax: per line from each line's ``taxes`` (WooCommerce keeps them unrounded, coded by the
  rate's ``rate_code``), shipping and fee tax order-level. WooCommerce rounds the order's
  ``total_tax`` once, so the difference to the sum of the parts (a cent at most) is kept as a
  ``rounding`` tax charge.
- shipping: one charge per shipping line; fees (``fee_lines``, possibly negative): fees.

The SKU falls back to ``woocommerce:variation:<id>``, then ``woocommerce:product:<id>``, then
``woocommerce:line_item:<id>``.
"""

from __future__ import annotations

from decimal import Decimal

from pydantic import Field

from overture.channels import storefront
from overture.channels.storefront import Amount, Lenient, OptionalId, PlatformId, Quantity, SkuText, Text
from overture.channels.validation import parse_json
from overture.domain.commands import Charge, ChargeKind, LineRequest, Reference
from overture.domain.parties import Address, Customer
from overture.services.storefronts import StorefrontEvent

CHANNEL = "woocommerce"
CREATE_TOPIC = "order.created"
UNIT_PLACES = Decimal("0.000001")  # the store keeps six decimal places


class Tax(Lenient):
    id: OptionalId = ""  # the tax rate's id
    total: Amount = Decimal(0)


class LineItem(Lenient):
    id: PlatformId
    product_id: OptionalId = ""
    variation_id: OptionalId = ""
    sku: SkuText = ""
    quantity: Quantity
    subtotal: Amount
    total: Amount
    total_tax: Amount = Decimal(0)
    taxes: list[Tax] = Field(default_factory=list)


class ShippingLine(Lenient):
    method_id: Text = ""
    method_title: Text = ""
    total: Amount
    total_tax: Amount = Decimal(0)
    taxes: list[Tax] = Field(default_factory=list)


class FeeLine(Lenient):
    name: Text = ""
    total: Amount
    total_tax: Amount = Decimal(0)
    taxes: list[Tax] = Field(default_factory=list)


class CouponLine(Lenient):
    code: Text = ""


class TaxLine(Lenient):
    rate_id: OptionalId = ""
    rate_code: Text = ""
    label: Text = ""


class WooAddress(storefront.StorefrontAddress):
    address_1: Text = ""
    address_2: Text = ""
    state: Text = ""
    postcode: Text = ""
    country: Text = ""
    email: Text = ""

    def postal_and_country(self) -> tuple[str, str]:
        return self.postcode, self.country


class WooOrder(storefront.StorefrontOrder):
    """The fields of a WooCommerce order that Overture maps (``id``, ``currency`` and
    ``line_items`` as every storefront's); every other field is ignored."""

    number: OptionalId = ""
    order_key: Text = ""
    status: Text = ""
    total: Amount | None = None
    total_tax: Amount = Decimal(0)
    customer_id: OptionalId = ""
    date_paid: Text = ""
    set_paid: bool = False  # only in a create request; a webhook states date_paid instead
    billing: WooAddress | None = None
    shipping: WooAddress | None = None
    line_items: list[LineItem] = Field(default_factory=list)
    shipping_lines: list[ShippingLine] = Field(default_factory=list)
    fee_lines: list[FeeLine] = Field(default_factory=list)
    coupon_lines: list[CouponLine] = Field(default_factory=list)
    tax_lines: list[TaxLine] = Field(default_factory=list)

    def stated_total(self) -> Decimal | None:
        return self.total


def sku_of(item: LineItem) -> str:
    return storefront.line_sku(
        item.sku,
        ("woocommerce:variation", item.variation_id),
        ("woocommerce:product", item.product_id),
        ("woocommerce:line_item", item.id),
    )


def line_of(item: LineItem) -> LineRequest:
    return LineRequest(sku=sku_of(item), quantity=item.quantity, unit_price=_unit_price(item))


def _unit_price(item: LineItem) -> Decimal:
    exact = item.subtotal / item.quantity
    rounded = exact.quantize(UNIT_PLACES)
    return exact if exact == rounded else rounded  # keep 3.00 as 3.00, cut 3.3333... to 3.333333


def customer_of(order: WooOrder) -> Customer:
    billing = order.billing or WooAddress()
    name = billing.person or (order.shipping.person if order.shipping else "")
    reference = "" if order.customer_id == "0" else order.customer_id  # 0: a guest checkout
    return Customer(reference=reference, name=name, email=billing.email)


def ship_to_of(order: WooOrder) -> Address:
    """The shipping address, else the billing address (virtual products need no shipping)."""
    address = next((a for a in (order.shipping, order.billing) if a is not None and a.usable), None)
    if address is None:
        raise storefront.required("shipping", "neither shipping nor billing has a postcode and country")
    return Address(
        postal_code=address.postcode,
        country=address.country.upper(),
        name=address.person,
        line1=address.address_1,
        line2=address.address_2,
        city=address.city,
        region=address.state,
    )


def charges_of(order: WooOrder) -> list[Charge]:
    charges = [Charge(ChargeKind.SHIPPING, s.total, s.method_id or s.method_title) for s in order.shipping_lines]
    charges += [Charge(ChargeKind.FEE, f.total, f.name) for f in order.fee_lines]
    charges += _line_adjustments(order)
    charges += _taxes(order)
    return storefront.without_zeros(charges)


def _line_adjustments(order: WooOrder) -> list[Charge]:
    """Per line: what coupons took off, and what rounding the unit price left over."""
    coupons = ",".join(c.code for c in order.coupon_lines if c.code)
    charges: list[Charge] = []
    for n, item in enumerate(order.line_items, start=1):
        change = item.total - item.subtotal
        # A line total above its subtotal is a price raised by hand in the admin, not a discount.
        kind, code = (ChargeKind.DISCOUNT, coupons) if change < 0 else (ChargeKind.FEE, "adjustment")
        charges.append(Charge(kind, change, code, n))
        charges.append(Charge(ChargeKind.FEE, item.subtotal - _unit_price(item) * item.quantity, "rounding", n))
    return charges


def _taxes(order: WooOrder) -> list[Charge]:
    rate_codes = {t.rate_id: t.rate_code or t.label for t in order.tax_lines}
    charges = [
        Charge(ChargeKind.TAX, amount, code, n)
        for n, item in enumerate(order.line_items, start=1)
        for amount, code in _tax_parts(item.taxes, item.total_tax, rate_codes)
    ]
    others: list[FeeLine | ShippingLine] = [*order.shipping_lines, *order.fee_lines]
    charges += [
        Charge(ChargeKind.TAX, amount, code)
        for other in others
        for amount, code in _tax_parts(other.taxes, other.total_tax, rate_codes)
    ]
    rounding = order.total_tax - storefront.charge_sum(charges, ChargeKind.TAX)
    return [*charges, Charge(ChargeKind.TAX, rounding, "rounding")]


def _tax_parts(taxes: list[Tax], total_tax: Decimal, rate_codes: dict[str, str]) -> list[tuple[Decimal, str]]:
    """One amount per tax rate when WooCommerce lists them, else the item's rounded total_tax."""
    if taxes:
        return [(tax.total, rate_codes.get(tax.id, "")) for tax in taxes]
    return [(total_tax, "")]


def references_of(order: WooOrder) -> list[Reference]:
    paid = bool(order.date_paid) or order.set_paid
    candidates = [
        ("order_number", order.number),
        ("order_key", order.order_key),
        ("status", order.status),
        # WooCommerce has no financial status of its own: an order is paid once date_paid is set.
        ("financial_status", "paid" if paid else "unpaid"),
        # The total WooCommerce states, kept beside ours so a difference can be seen and explained.
        ("total", str(order.total) if order.total is not None else ""),
    ]
    return storefront.platform_references(CHANNEL, candidates)


MAPPING = storefront.StorefrontMapping(CHANNEL, WooOrder, line_of, customer_of, ship_to_of, charges_of, references_of)
parse = MAPPING.parse
translate = MAPPING.translate  # an order.created webhook body -> PlaceOrder, or PayloadError naming each bad field
to_command = MAPPING.to_command


# ---- topics that do not place an order -------------------------------------------------------------


class _RefundRef(Lenient):
    total: Amount = Decimal(0)


class _OrderNotice(Lenient):
    id: PlatformId
    number: OptionalId = ""
    status: Text = ""
    refunds: list[_RefundRef] = Field(default_factory=list)


def describe(topic: str, body: bytes) -> StorefrontEvent:
    """What a webhook of any topic but order.created says, for the order's timeline."""
    if not topic.startswith("order."):
        return StorefrontEvent(external_id=None, note=f"WooCommerce {topic or 'webhook without a topic'} received")
    notice = parse_json(_OrderNotice, body)
    label = f"#{notice.number or notice.id}"
    if topic == "order.updated" and notice.status == "cancelled":
        return StorefrontEvent(
            notice.id, f"WooCommerce cancelled order {label}", cancel=True, cancel_reason="cancelled in WooCommerce"
        )
    if topic == "order.deleted":
        # Deleting (or trashing) is often housekeeping, so it is recorded but does not cancel.
        return StorefrontEvent(notice.id, f"WooCommerce deleted order {label}; recorded, not cancelled here")
    refunded = -sum((r.total for r in notice.refunds), Decimal(0))
    state = f"status {notice.status or 'unknown'}" + (f", refunded {refunded}" if refunded else "")
    return StorefrontEvent(notice.id, f"WooCommerce {topic} for order {label}: {state}; recorded, not placed again")
