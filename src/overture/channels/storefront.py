"""What the storefront channels (Shopify, WooCommerce) share: field types, helpers, and the mapper.

Storefront payloads carry hundreds of fields we do not use and add more with every API
version, so their models ignore unknown fields (unlike Overture's own REST format, which
refuses them). They also send ``null`` for empty text and ``""`` for zero amounts; the types
here read both the way a person would.

``StorefrontMapping`` is how either platform's order becomes a ``PlaceOrder``: the checks and
the command are built once, here; each platform names only the steps that read its own fields
(its lines, customer, address, charges, references and stated total).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Annotated, Any, Generic, TypeVar

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, StringConstraints
from pydantic_core import PydanticCustomError

from overture.channels.validation import parse_json
from overture.domain.commands import Charge, ChargeKind, LineRequest, OrderUpdate, PlaceOrder, Reference
from overture.domain.money import is_currency
from overture.domain.parties import Address, Customer
from overture.services.errors import ErrorCode, FieldError, PayloadError


def _none_is_empty(value: Any) -> Any:
    return "" if value is None else value


def _blank_is_zero(value: Any) -> Any:
    if value is None or (isinstance(value, str) and not value.strip()):
        return "0"
    return value


def _id_as_text(value: Any) -> Any:
    # Platform ids are JSON integers; bool is an int to Python but never an id.
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return value


def _known_currency(value: Any) -> Any:
    if isinstance(value, str) and not is_currency(value.strip().upper()):
        raise PydanticCustomError(
            "unknown_currency", "{value} is not an active ISO 4217 currency code", {"value": value}
        )
    return value.strip().upper() if isinstance(value, str) else value


Text = Annotated[str, BeforeValidator(_none_is_empty), StringConstraints(strip_whitespace=True)]
Amount = Annotated[Decimal, BeforeValidator(_blank_is_zero), Field(allow_inf_nan=False)]
PlatformId = Annotated[str, BeforeValidator(_id_as_text), StringConstraints(strip_whitespace=True, min_length=1)]
OptionalId = Annotated[str, BeforeValidator(_none_is_empty), BeforeValidator(_id_as_text)]
Quantity = Annotated[int, Field(gt=0, le=1_000_000)]
Currency = Annotated[str, BeforeValidator(_known_currency)]
# The order_lines.sku column holds 64 characters; a longer SKU is refused here, not by the store.
SkuText = Annotated[str, BeforeValidator(_none_is_empty), StringConstraints(strip_whitespace=True, max_length=64)]


class Lenient(BaseModel):
    """A storefront payload: unknown fields are ignored."""

    model_config = ConfigDict(extra="ignore")


def full_name(*parts: str) -> str:
    return " ".join(part.strip() for part in parts if part and part.strip())


class StorefrontAddress(Lenient):
    """The address fields both platforms name alike; each model adds its own names for the rest."""

    first_name: Text = ""
    last_name: Text = ""
    company: Text = ""
    city: Text = ""

    @property
    def person(self) -> str:
        """Who the address is for: the person's name, else the company's."""
        return full_name(self.first_name, self.last_name) or self.company

    @property
    def usable(self) -> bool:
        """Whether an order can ship to it: it has a postal code and a country."""
        return all(self.postal_and_country())

    def postal_and_country(self) -> tuple[str, str]:
        """The postal code and the country code, under the platform's own names."""
        raise NotImplementedError


def without_zeros(charges: list[Charge]) -> list[Charge]:
    """Drop zero taxes, discounts and fees: they tell the total nothing. Shipping lines stay even
    when free, because they name the shipping method the buyer chose."""
    return [c for c in charges if c.amount != 0 or c.kind is ChargeKind.SHIPPING]


def charge_sum(charges: list[Charge], kind: ChargeKind) -> Decimal:
    return sum((charge.amount for charge in charges if charge.kind is kind), Decimal(0))


def required(field: str, reason: str) -> PayloadError:
    return PayloadError(ErrorCode.VALIDATION_FAILED, [FieldError(field, ErrorCode.REQUIRED, reason)])


def line_sku(sku: str, *candidates: tuple[str, str]) -> str:
    """The line's SKU, else a stable stand-in built from the first platform id present.

    ``candidates`` are ``(name, id)`` pairs such as ``("shopify:variant", "39072856")``, most
    specific first and the line's own id last. The platform is part of the stand-in because ids
    of different platforms collide.
    """
    if sku:
        return sku
    present = [(name, value) for name, value in candidates if value and value != "0"]
    name, value = present[0] if present else candidates[-1]
    return f"{name}:{value}"


class StorefrontOrder(Lenient):
    """What every platform's order model has, and the shared mapper reads of it directly."""

    id: PlatformId
    currency: Currency
    # Required in practice, but checked in to_command so the rest of an order without lines can still be read.
    line_items: Sequence[Any] = Field(default_factory=list)  # each platform's model names its item type

    def stated_total(self) -> Decimal | None:
        """The order's total as the platform states it (reconciled with lines plus charges at capture)."""
        raise NotImplementedError


OrderT = TypeVar("OrderT", bound=StorefrontOrder)


@dataclass(frozen=True, slots=True)
class StorefrontMapping(Generic[OrderT]):
    """One platform's order model and the steps that read its fields; ``translate`` is the channel's translator."""

    channel: str
    model: type[OrderT]
    line: Callable[[Any], LineRequest]  # one of the model's line_items
    customer: Callable[[OrderT], Customer]
    ship_to: Callable[[OrderT], Address]
    charges: Callable[[OrderT], list[Charge]]
    references: Callable[[OrderT], list[Reference]]
    # The units a line item still has after the platform's own order edits (None: its quantity). A
    # platform that says so keeps every line item in its payloads (an edited-away one at 0 units); one
    # that does not drops removed items, so an item missing from its update was removed.
    current: Callable[[Any], int] | None = None

    def parse(self, body: bytes) -> OrderT:
        return parse_json(self.model, body)

    def translate(self, body: bytes) -> PlaceOrder:
        """A create webhook's body -> PlaceOrder, or PayloadError naming each bad field."""
        return self.to_command(self.parse(body))

    def to_command(self, order: OrderT) -> PlaceOrder:
        items = order.line_items
        if not items:
            raise required("line_items", "an order needs at least one line item")
        return PlaceOrder(
            channel=self.channel,
            external_id=order.id,
            customer=self.customer(order),
            ship_to=self.ship_to(order),
            currency=order.currency,
            lines=tuple(self.line(item) for item in items),
            charges=tuple(self.charges(order)),
            references=tuple(self.references(order)),
            declared_total=order.stated_total(),
        )


def read_update(mapping: StorefrontMapping[Any], body: bytes) -> OrderUpdate:
    """An order update webhook's body -> the order's lines as the platform holds them now."""
    order = mapping.parse(body)
    lines, dropped = [], []
    for item in order.line_items:
        line = mapping.line(item)
        units = mapping.current(item) if mapping.current is not None else line.quantity
        if units > 0:
            lines.append(LineRequest(line.sku, units, line.unit_price))
        else:
            dropped.append(line.sku)
    return OrderUpdate(order.id, tuple(lines), tuple(dropped), complete=mapping.current is None)


def platform_references(channel: str, candidates: Sequence[tuple[str, str]]) -> list[Reference]:
    """The platform's own names for the order, the empty ones left out (each cut to the column's 255)."""
    return [Reference(channel, kind, value[:255]) for kind, value in candidates if value]
