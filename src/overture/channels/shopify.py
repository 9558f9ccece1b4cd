"""Shopify order webhooks -> PlaceOrder (orders/create) or a StorefrontEvent (other topics).

The body of an order webhook is the order object itself (the REST API wraps the same object
in ``{"order": ...}``). Money is mapped so that lines plus charges equal ``total_price``:

- lines: ``price`` is the unit price before discounts; the SKU falls back to
  ``shopify:variant:<id>``, then ``shopify:product:<id>``, then ``shopify:line_item:<id>``.
- discounts (negative): per line from ``discount_allocations`` (shipping lines' allocations
  order-level), else per line from the older ``total_discount``, else one per
  ``discount_codes`` entry, else ``total_discounts``. These describe the same money, so only
  the first source present is used.
- tax: per line from each line's ``tax_lines`` (shipping lines' tax order-level), else the
  order's ``tax_lines``, else ``total_tax``. With ``taxes_included`` the prices already hold
  the tax, so it is not charged again; it is kept as an ``included_tax`` reference.
- shipping: one charge per shipping line (kept when free: it names the method); tips: a fee.
"""

from __future__ import annotations

from decimal import Decimal

from pydantic import Field

from overture.channels import storefront
from overture.channels.storefront import Amount, Lenient, OptionalId, PlatformId, Quantity, SkuText, Text
from overture.channels.validation import parse_json
from overture.domain.commands import Charge, ChargeKind, LineRequest, Reference
from overture.domain.parties import Address, Customer
from overture.services.storefront_refunds import ChannelRefund, RefundedLine
from overture.services.storefronts import StorefrontEvent

CHANNEL = "shopify"
CREATE_TOPIC = "orders/create"
CANCEL_TOPIC = "orders/cancelled"
UPDATE_TOPIC = "orders/updated"
REFUND_TOPIC = "refunds/create"


class TaxLine(Lenient):
    title: Text = ""
    price: Amount


class DiscountAllocation(Lenient):
    amount: Amount
    discount_application_index: int | None = None


class DiscountApplication(Lenient):
    type: Text = ""
    code: Text = ""
    title: Text = ""

    @property
    def label(self) -> str:
        return self.code or self.title or self.type


class DiscountCode(Lenient):
    code: Text = ""
    amount: Amount


class LineItem(Lenient):
    id: PlatformId
    sku: SkuText = ""
    variant_id: OptionalId = ""
    product_id: OptionalId = ""
    quantity: Quantity
    current_quantity: int | None = Field(None, ge=0, le=1_000_000)  # what an order edit left (REST 2023-01+)
    price: Amount
    total_discount: Amount = Decimal(0)
    tax_lines: list[TaxLine] = Field(default_factory=list)
    discount_allocations: list[DiscountAllocation] = Field(default_factory=list)


class ShippingLine(Lenient):
    code: Text = ""
    title: Text = ""
    price: Amount
    tax_lines: list[TaxLine] = Field(default_factory=list)
    discount_allocations: list[DiscountAllocation] = Field(default_factory=list)


class ShopifyAddress(storefront.StorefrontAddress):
    name: Text = ""
    address1: Text = ""
    address2: Text = ""
    province: Text = ""
    province_code: Text = ""
    zip: Text = ""
    country_code: Text = ""

    def postal_and_country(self) -> tuple[str, str]:
        return self.zip, self.country_code


class ShopifyCustomer(Lenient):
    id: OptionalId = ""
    email: Text = ""
    first_name: Text = ""
    last_name: Text = ""


class ShopifyOrder(storefront.StorefrontOrder):
    """The fields of a Shopify order that Overture maps (``id``, ``currency`` and ``line_items`` as every storefront's);
    every other field is ignored."""

    name: Text = ""
    order_number: OptionalId = ""
    email: Text = ""
    contact_email: Text = ""
    financial_status: Text = ""
    taxes_included: bool = False
    total_price: Amount | None = None
    total_tax: Amount = Decimal(0)
    total_discounts: Amount = Decimal(0)
    total_tip_received: Amount = Decimal(0)
    line_items: list[LineItem] = Field(default_factory=list)
    shipping_lines: list[ShippingLine] = Field(default_factory=list)
    tax_lines: list[TaxLine] = Field(default_factory=list)
    discount_codes: list[DiscountCode] = Field(default_factory=list)
    discount_applications: list[DiscountApplication] = Field(default_factory=list)
    shipping_address: ShopifyAddress | None = None
    billing_address: ShopifyAddress | None = None
    customer: ShopifyCustomer | None = None

    def stated_total(self) -> Decimal | None:
        return self.total_price


def line_of(item: LineItem) -> LineRequest:
    return LineRequest(sku=sku_of(item), quantity=item.quantity, unit_price=item.price)


def sku_of(item: LineItem | RefundedItem) -> str:
    return storefront.line_sku(
        item.sku,
        ("shopify:variant", item.variant_id),
        ("shopify:product", item.product_id),
        ("shopify:line_item", item.id),
    )


def customer_of(order: ShopifyOrder) -> Customer:
    person = order.customer or ShopifyCustomer()
    address = order.billing_address or order.shipping_address or ShopifyAddress()
    name = storefront.full_name(person.first_name, person.last_name) or _address_name(address)
    return Customer(reference=person.id, name=name, email=order.email or order.contact_email or person.email)


def ship_to_of(order: ShopifyOrder) -> Address:
    """The shipping address, else the billing address (orders of digital goods have none)."""
    address = next((a for a in (order.shipping_address, order.billing_address) if a is not None and a.usable), None)
    if address is None:
        raise storefront.required(
            "shipping_address", "neither shipping_address nor billing_address has a zip and country_code"
        )
    return Address(
        postal_code=address.zip,
        country=address.country_code.upper(),
        name=_address_name(address),
        line1=address.address1,
        line2=address.address2,
        city=address.city,
        region=address.province_code or address.province,
    )


def _address_name(address: ShopifyAddress) -> str:
    return address.name or address.person


def charges_of(order: ShopifyOrder) -> list[Charge]:
    charges = [Charge(ChargeKind.SHIPPING, s.price, s.code or s.title) for s in order.shipping_lines]
    charges += _discounts(order)
    charges += [] if order.taxes_included else _taxes(order)
    charges.append(Charge(ChargeKind.FEE, order.total_tip_received, "tip"))
    return storefront.without_zeros(charges)


def _discounts(order: ShopifyOrder) -> list[Charge]:
    allocated = any(i.discount_allocations for i in order.line_items) or any(
        s.discount_allocations for s in order.shipping_lines
    )
    if allocated:
        return _allocated_discounts(order)
    if any(i.total_discount for i in order.line_items):
        return [_discount(i.total_discount, "", n) for n, i in enumerate(order.line_items, start=1)]
    if order.discount_codes:
        return [_discount(d.amount, d.code) for d in order.discount_codes]
    return [_discount(order.total_discounts, "")]


def _allocated_discounts(order: ShopifyOrder) -> list[Charge]:
    charges = [
        _discount(a.amount, _application_label(order, a), n)
        for n, item in enumerate(order.line_items, start=1)
        for a in item.discount_allocations
    ]
    charges += [
        _discount(a.amount, _application_label(order, a)) for s in order.shipping_lines for a in s.discount_allocations
    ]
    return charges


def _application_label(order: ShopifyOrder, allocation: DiscountAllocation) -> str:
    index = allocation.discount_application_index
    if index is None or not 0 <= index < len(order.discount_applications):
        return ""
    return order.discount_applications[index].label


def _discount(amount: Decimal, code: str, line_no: int | None = None) -> Charge:
    # Shopify states discounts as positive amounts taken off; Overture's discounts are negative.
    return Charge(ChargeKind.DISCOUNT, -abs(amount), code, line_no)


def _taxes(order: ShopifyOrder) -> list[Charge]:
    per_line = any(i.tax_lines for i in order.line_items) or any(s.tax_lines for s in order.shipping_lines)
    if per_line:
        charges = [
            Charge(ChargeKind.TAX, t.price, t.title, n)
            for n, item in enumerate(order.line_items, start=1)
            for t in item.tax_lines
        ]
        return charges + [Charge(ChargeKind.TAX, t.price, t.title) for s in order.shipping_lines for t in s.tax_lines]
    if order.tax_lines:
        return [Charge(ChargeKind.TAX, t.price, t.title) for t in order.tax_lines]
    return [Charge(ChargeKind.TAX, order.total_tax, "")]


def references_of(order: ShopifyOrder) -> list[Reference]:
    candidates = [
        ("order_name", order.name),
        ("order_number", order.order_number),
        ("financial_status", order.financial_status),
        # The total Shopify states, kept beside ours so a difference can be seen and explained.
        ("total", str(order.total_price) if order.total_price is not None else ""),
        ("included_tax", str(order.total_tax) if order.taxes_included and order.total_tax else ""),
    ]
    return storefront.platform_references(CHANNEL, candidates)


def current_units(item: LineItem) -> int:
    """After an order edit Shopify keeps ``quantity`` as ordered and says what is left in ``current_quantity``."""
    return item.quantity if item.current_quantity is None else item.current_quantity


MAPPING = storefront.StorefrontMapping(
    CHANNEL, ShopifyOrder, line_of, customer_of, ship_to_of, charges_of, references_of, current_units
)
parse = MAPPING.parse
translate = MAPPING.translate  # an orders/create webhook body -> PlaceOrder, or PayloadError naming each bad field
to_command = MAPPING.to_command


# ---- topics that do not place an order -------------------------------------------------------------


class _OrderNotice(Lenient):
    id: PlatformId
    name: Text = ""
    financial_status: Text = ""
    fulfillment_status: Text = ""
    cancel_reason: Text = ""


class RefundedItem(Lenient):
    id: PlatformId
    sku: SkuText = ""
    variant_id: OptionalId = ""
    product_id: OptionalId = ""


class _RefundLine(Lenient):
    quantity: int = 0
    line_item: RefundedItem | None = None
    subtotal: Amount | None = None  # the line's money given back before tax (REST 2019-10+, webhooks alike)
    total_tax: Amount = Decimal(0)


class _Transaction(Lenient):
    kind: Text = ""
    status: Text = ""
    amount: Amount = Decimal(0)
    currency: Text = ""


class _RefundNotice(Lenient):
    id: PlatformId
    order_id: PlatformId
    note: Text = ""
    restock: bool = False
    refund_line_items: list[_RefundLine] = Field(default_factory=list)
    transactions: list[_Transaction] = Field(default_factory=list)


def describe(topic: str, body: bytes) -> StorefrontEvent:
    """What a webhook of any topic but orders/create says, for the order's timeline."""
    if topic == REFUND_TOPIC:
        return _describe_refund(parse_json(_RefundNotice, body))
    if topic.startswith("orders/"):
        return _describe_order(topic, parse_json(_OrderNotice, body))
    return StorefrontEvent(external_id=None, note=f"Shopify {topic or 'webhook without a topic'} received")


def _describe_order(topic: str, notice: _OrderNotice) -> StorefrontEvent:
    label = notice.name or notice.id
    if topic == CANCEL_TOPIC:
        reason = notice.cancel_reason or "no reason given"
        return StorefrontEvent(
            notice.id, f"Shopify cancelled order {label} ({reason})", cancel=True, cancel_reason=f"Shopify: {reason}"
        )
    state = f"financial status {notice.financial_status or 'unknown'}, fulfilment {notice.fulfillment_status or 'none'}"
    return StorefrontEvent(notice.id, f"Shopify {topic} for order {label}: {state}; recorded, not placed again")


def _describe_refund(refund: _RefundNotice) -> StorefrontEvent:
    refunded = _refunded(refund)
    amount = sum((t.amount for t in refunded), Decimal(0))
    currency = next((t.currency for t in refunded if t.currency), "")
    items = ", ".join(
        f"{sku_of(r.line_item)} x{r.quantity}" for r in refund.refund_line_items if r.line_item is not None
    )
    parts = [f"Shopify refund {refund.id}: {amount} {currency}".rstrip()]
    if items:
        parts.append(f"lines {items}" + (" (restocked)" if refund.restock else ""))
    if refund.note:
        parts.append(f"note: {refund.note}")
    return StorefrontEvent(refund.order_id, "; ".join(parts))


def read_refund(body: bytes) -> ChannelRefund:
    """A refunds/create body as the refund it made: each line by our SKU with the money it gave back (its
    ``subtotal`` and ``total_tax``), and the total of its successful refund transactions."""
    refund = parse_json(_RefundNotice, body)
    refunded = _refunded(refund)
    lines = tuple(
        RefundedLine(sku_of(r.line_item), r.quantity, None if r.subtotal is None else r.subtotal + r.total_tax)
        for r in refund.refund_line_items
        if r.line_item is not None
    )
    currency = next((t.currency for t in refunded if t.currency), "")
    total = sum((t.amount for t in refunded), Decimal(0))
    return ChannelRefund(CHANNEL, refund.id, currency, total, lines, refund.note)


def _refunded(refund: _RefundNotice) -> list[_Transaction]:
    return [t for t in refund.transactions if t.kind == "refund" and t.status in ("success", "")]
