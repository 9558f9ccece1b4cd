"""The Walmart Marketplace channel: one order as the Orders API v3 answers it -> PlaceOrder.

The message is the ``order`` object exactly as Walmart sent it (``GET /v3/orders``, one element of
``list.elements.order``): ``purchaseOrderId`` (Walmart's id for what the seller ships: our external id),
``customerOrderId`` (the buyer's order number, kept as a reference), ``shippingInfo.postalAddress``, and
``orderLines.orderLine[]``, each with ``lineNumber``, ``item.sku``, ``orderLineQuantity.amount`` (a string
of whole units) and ``charges.charge[]``.

Money: a ``PRODUCT`` charge's ``chargeAmount`` is the unit price (Walmart prices each unit of the line);
its ``tax.taxAmount`` is the tax of the line's units, a ``SHIPPING`` charge is shipping on the line (and
its tax, tax). Walmart writes amounts as JSON numbers; they are read as ``Decimal`` from their digits.
Walmart gives no order total, so there is no declared total to reconcile: the order's total is its lines
and charges. Lines whose every unit is ``Cancelled`` are left out.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, NoReturn

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from overture.channels.validation import PostalCode, parse_json
from overture.domain.commands import Charge, ChargeKind, LineRequest, PlaceOrder, Reference
from overture.domain.money import is_currency
from overture.domain.parties import Address, Customer
from overture.services.errors import ErrorCode, FieldError, PayloadError

CHANNEL = "walmart"
SYSTEM = "walmart"
COUNTRIES = {"USA": "US", "US": "US", "CAN": "CA", "CA": "CA", "MEX": "MX", "MX": "MX"}

Text = Annotated[str, StringConstraints(strip_whitespace=True, max_length=255)]
Code = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64)]
Amount = Annotated[Decimal, Field(max_digits=18, decimal_places=6, allow_inf_nan=False)]


class _In(BaseModel):
    model_config = ConfigDict(extra="ignore")


class MoneyIn(_In):
    currency: Code
    amount: Amount


class TaxIn(_In):
    taxAmount: MoneyIn | None = None  # noqa: N815 (Walmart's names)


class ChargeIn(_In):
    chargeType: Code  # noqa: N815
    chargeAmount: MoneyIn  # noqa: N815
    tax: TaxIn | None = None


class ChargesIn(_In):
    charge: list[ChargeIn] = Field(default_factory=list)


class QuantityIn(_In):
    amount: Annotated[str, StringConstraints(pattern=r"^\d{1,7}$")]


class StatusIn(_In):
    status: Code
    statusQuantity: QuantityIn  # noqa: N815


class StatusesIn(_In):
    orderLineStatus: list[StatusIn] = Field(default_factory=list)  # noqa: N815


class ItemIn(_In):
    sku: Code


class LineIn(_In):
    lineNumber: Code  # noqa: N815
    item: ItemIn
    orderLineQuantity: QuantityIn  # noqa: N815
    charges: ChargesIn = Field(default_factory=ChargesIn)
    orderLineStatuses: StatusesIn = Field(default_factory=StatusesIn)  # noqa: N815


class LinesIn(_In):
    orderLine: Annotated[list[LineIn], Field(min_length=1, max_length=1000)]  # noqa: N815


class AddressIn(_In):
    name: Text = ""
    address1: Text = ""
    address2: Text | None = None
    city: Text = ""
    state: Text = ""
    postalCode: PostalCode  # noqa: N815
    country: Code


class ShippingIn(_In):
    postalAddress: AddressIn  # noqa: N815


class OrderIn(_In):
    purchaseOrderId: Code  # noqa: N815
    customerOrderId: Text = ""  # noqa: N815
    customerEmailId: Text = ""  # noqa: N815
    shippingInfo: ShippingIn  # noqa: N815
    orderLines: LinesIn  # noqa: N815


def translate(body: bytes) -> PlaceOrder:
    """Raw order JSON bytes -> PlaceOrder, or PayloadError naming each bad field."""
    order = parse_json(OrderIn, body)
    kept = [(n, line) for n, line in enumerate(order.orderLines.orderLine) if not _cancelled(line)]
    if not kept:
        _refuse("orderLines.orderLine", ErrorCode.REQUIRED, "every line is cancelled")
    currency = _currency(order)
    lines, charges = [], []
    for line_no, (index, line) in enumerate(kept, start=1):
        lines.append(_line(line, index, currency))
        charges.extend(_charges(line, index, line_no, currency))
    return PlaceOrder(
        channel=CHANNEL,
        external_id=order.purchaseOrderId,
        customer=Customer(order.customerEmailId, order.shippingInfo.postalAddress.name, order.customerEmailId),
        ship_to=_ship_to(order.shippingInfo.postalAddress),
        currency=currency,
        lines=tuple(lines),
        charges=tuple(charges),
        references=_references(order),
    )


def _cancelled(line: LineIn) -> bool:
    statuses = line.orderLineStatuses.orderLineStatus
    return bool(statuses) and all(s.status == "Cancelled" for s in statuses)


def _currency(order: OrderIn) -> str:
    for line in order.orderLines.orderLine:
        for charge in line.charges.charge:
            code = charge.chargeAmount.currency.upper()
            if not is_currency(code):
                _refuse("chargeAmount.currency", ErrorCode.INVALID_VALUE, f"{code} is not an ISO 4217 currency")
            return code
    _refuse("orderLines.orderLine[0].charges", ErrorCode.REQUIRED, "no line has a charge naming its currency")


def _line(line: LineIn, index: int, currency: str) -> LineRequest:
    product = [c for c in line.charges.charge if c.chargeType == "PRODUCT"]
    if not product:
        _refuse(f"orderLines.orderLine[{index}].charges", ErrorCode.REQUIRED, "the line has no PRODUCT charge")
    quantity = int(line.orderLineQuantity.amount)
    if quantity < 1:
        _refuse(f"orderLines.orderLine[{index}].orderLineQuantity.amount", ErrorCode.OUT_OF_RANGE, "must be 1 or more")
    _same(product[0].chargeAmount, currency, f"orderLines.orderLine[{index}].charges")
    return LineRequest(line.item.sku, quantity, product[0].chargeAmount.amount)


def _charges(line: LineIn, index: int, line_no: int, currency: str) -> list[Charge]:
    found: list[Charge] = []
    for charge in line.charges.charge:
        where = f"orderLines.orderLine[{index}].charges"
        if charge.chargeType == "SHIPPING" and charge.chargeAmount.amount:
            _same(charge.chargeAmount, currency, where)
            found.append(Charge(ChargeKind.SHIPPING, charge.chargeAmount.amount, "SHIPPING", line_no))
        tax = charge.tax.taxAmount if charge.tax is not None else None
        if tax is not None and tax.amount:
            _same(tax, currency, where)
            found.append(Charge(ChargeKind.TAX, tax.amount, f"{charge.chargeType} tax", line_no))
    return found


def _same(money: MoneyIn, currency: str, where: str) -> None:
    if money.currency.upper() != currency:
        _refuse(f"{where}.currency", ErrorCode.INVALID_VALUE, f"{money.currency} differs from the order's {currency}")


def _ship_to(address: AddressIn) -> Address:
    country = COUNTRIES.get(address.country.upper())
    if country is None:
        _refuse("shippingInfo.postalAddress.country", ErrorCode.INVALID_VALUE, f"{address.country!r} is not a country")
    return Address(
        postal_code=address.postalCode,
        country=country,
        name=address.name,
        line1=address.address1,
        line2=address.address2 or "",
        city=address.city,
        region=address.state,
    )


def _references(order: OrderIn) -> tuple[Reference, ...]:
    refs = [Reference(SYSTEM, "purchase_order_id", order.purchaseOrderId)]
    if order.customerOrderId:
        refs.append(Reference(SYSTEM, "customer_order_id", order.customerOrderId))
    return tuple(refs)


def _refuse(field: str, code: ErrorCode, reason: str) -> NoReturn:
    raise PayloadError(ErrorCode.VALIDATION_FAILED, [FieldError(field, code, reason)])
