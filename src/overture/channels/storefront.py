"""Field types and helpers shared by the storefront channels (Shopify, WooCommerce).

Storefront payloads carry hundreds of fields we do not use and add more with every API
version, so their models ignore unknown fields (unlike Overture's own REST format, which
refuses them). They also send ``null`` for empty text and ``""`` for zero amounts; the types
here read both the way a person would.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, StringConstraints
from pydantic_core import PydanticCustomError

from overture.domain.commands import Charge, ChargeKind
from overture.domain.money import is_currency
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
