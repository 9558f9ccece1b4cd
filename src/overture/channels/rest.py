"""The REST channel: Overture's own JSON order format (``POST /v1/orders``)."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator
from pydantic_core import PydanticCustomError

from overture.channels.validation import CountryCode as Country
from overture.channels.validation import PostalCode, parse_json
from overture.domain.commands import Charge, ChargeKind, LineRequest, PlaceOrder, Reference
from overture.domain.money import is_currency
from overture.domain.parties import Address, Customer

Text = Annotated[str, StringConstraints(strip_whitespace=True, max_length=255)]
RequiredText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=255)]
Code = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


# A plain shape check: full RFC 5322 validation cost more per order than the rest of parsing,
# and a storefront's address is the customer's to get right, not ours to reject.
Email = Annotated[str, StringConstraints(strip_whitespace=True, max_length=254, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")]


class CustomerIn(_Strict):
    reference: Text = ""
    name: Text = ""
    email: Email | None = None


class AddressIn(_Strict):
    name: Text = ""
    line1: Text = ""
    line2: Text = ""
    city: Text = ""
    region: Text = ""
    postal_code: PostalCode
    country: Country


class LineIn(_Strict):
    sku: Code
    quantity: Annotated[int, Field(strict=True, gt=0, le=1_000_000)]
    unit_price: Annotated[Decimal, Field(ge=0, max_digits=18, decimal_places=6)]


class ChargeIn(_Strict):
    kind: ChargeKind
    amount: Annotated[Decimal, Field(max_digits=18, decimal_places=6)]
    code: Annotated[str, StringConstraints(strip_whitespace=True, max_length=255)] = ""
    line_no: Annotated[int | None, Field(ge=1)] = None


class ReferenceIn(_Strict):
    system: Code
    kind: Code
    value: RequiredText


class OrderIn(_Strict):
    """An order as a client or storefront sends it to Overture."""

    channel: Code
    external_id: RequiredText
    customer: CustomerIn = Field(default_factory=CustomerIn)
    ship_to: AddressIn
    currency: Annotated[str, StringConstraints(strip_whitespace=True, to_upper=True)]
    lines: Annotated[list[LineIn], Field(min_length=1, max_length=1000)]
    charges: Annotated[list[ChargeIn], Field(max_length=1000)] = Field(default_factory=list)
    references: Annotated[list[ReferenceIn], Field(max_length=100)] = Field(default_factory=list)
    priority: Annotated[
        int,
        Field(
            strict=True, ge=1, le=1000, description="Customer priority: 1 is the lowest; backorders fill highest first"
        ),
    ] = 1
    declared_total: Annotated[
        Decimal | None,
        Field(
            max_digits=18,
            decimal_places=6,
            description="The order's total as the client worked it out (lines + charges); when given, an order "
            "whose own total differs by more than the hub's tolerance is held with a total_mismatch exception",
        ),
    ] = None
    payment_method: Annotated[
        str | None,
        StringConstraints(strip_whitespace=True, min_length=1, max_length=255),
        Field(
            description="A payment provider's payment method (a Stripe PaymentMethod id such as pm_card_visa): the "
            "hub authorises the order's total on it and captures each line as it ships; leave it out when the "
            "channel collected the money or the buyer pays on invoice"
        ),
    ] = None

    @field_validator("currency")
    @classmethod
    def _iso_currency(cls, value: str) -> str:
        if not is_currency(value):
            raise PydanticCustomError(
                "unknown_currency", "{value} is not an active ISO 4217 currency code", {"value": value}
            )
        return value


def to_command(payload: OrderIn) -> PlaceOrder:
    c, a = payload.customer, payload.ship_to
    return PlaceOrder(
        channel=payload.channel,
        external_id=payload.external_id,
        customer=Customer(reference=c.reference, name=c.name, email=str(c.email or "")),
        ship_to=Address(
            postal_code=a.postal_code,
            country=a.country,
            name=a.name,
            line1=a.line1,
            line2=a.line2,
            city=a.city,
            region=a.region,
        ),
        currency=payload.currency,
        lines=tuple(LineRequest(line.sku, line.quantity, line.unit_price) for line in payload.lines),
        charges=tuple(Charge(c.kind, c.amount, c.code, c.line_no) for c in payload.charges),
        references=tuple(Reference(r.system, r.kind, r.value) for r in payload.references),
        priority=payload.priority,
        declared_total=payload.declared_total,
        payment_method=payload.payment_method,
    )


def translate(body: bytes) -> PlaceOrder:
    """Raw JSON bytes -> PlaceOrder, or PayloadError naming each bad field."""
    return to_command(parse_json(OrderIn, body))
