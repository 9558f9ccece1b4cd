"""Loop Returns' Return webhook (topic ``return``) -> ``RequestReturn``: a pure translator.

What Loop's documentation says (docs.loopreturns.com, read for this module):

- Webhook Reference, "Return" (``/webhook-reference/topics/return``, also ``/reference/return-webhook``
  and its OpenAPI ``/openapi/return-webhook.yaml``): the body is JSON with ``topic`` (always
  ``return``), ``trigger`` (``return.created``, ``return.updated``, ``return.closed``), ``shop_id``,
  ``id`` (the Loop return id: typed integer on one page, shown as the string ``"1673"`` in the
  example), ``state`` (open, cancelled, closed, expired, review / "needs review"), ``order_id``
  (Loop's own order id), ``order_name`` (the Shopify order name, ``"#47727779"``),
  ``provider_order_id`` (the Shopify order id, a string in the example), ``currency``, the totals as
  decimal strings (``"47.50"``), ``labels`` and ``line_items`` (each with ``line_item_id``,
  ``provider_line_item_id``, ``product_id``, ``variant_id``, ...).
- "Validate webhooks from Loop" (``/webhook-reference/validation``) and "HMAC Calculation"
  (``/reference/hmac-calculation``): every webhook carries ``X-Loop-Signature``, the base64 of the
  SHA256 HMAC of the request body keyed by the webhook's secret (Developer Tools page of the Loop
  Admin). That is ``channels/signatures.verify`` exactly, on the raw bytes. The Return page adds
  "make sure slashes have been escaped & newlines have been removed from the JSON" before hashing:
  we read that as describing the body Loop sends, and hash the raw bytes as they arrived.

What we assumed, because the pages we could read cut the line item short after ``variant_id``:

- The rest of a line item's fields are named as in Fivetran's Loop connector schema (which mirrors
  Loop's payloads): ``sku``, ``title``, ``price``, ``return_reason``, ``parent_return_reason``,
  ``return_comment``, ``outcome``, ``exchange_variant``; and the return's ``exchanges`` list has
  ``variant_id``, ``sku`` and ``price``.
- Loop lists one line item per returned unit, with no quantity field; a ``quantity`` is accepted when
  present (default 1), and units of one SKU add up on the same order line (services/returns.py).
- ``outcome`` is ``refund``, ``exchange`` or ``credit`` (``store_credit`` and ``gift_card`` read as
  credit). Our return has one settlement, so a return mixing outcomes is refused naming the line.
- An exchange's replacement is the entry of ``exchanges`` whose ``variant_id`` is the line's
  ``exchange_variant``; its ``price`` is used when it is a decimal string, else the returned line's.
- Reasons are the merchant's own words in Loop: matched by keyword (the reason, then its parent) to
  ``ReturnReason``; no match is ``other``, and the words are kept in the line's note either way.

The order is found by its Shopify id (``provider_order_id``) as the external id of a ``shopify``
order, else by its name (``order_name``), which the Shopify channel keeps as an order reference.
Errors: ``PayloadError`` (services/errors.py) naming each field it cannot read.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, StrictInt

from overture.channels.validation import parse_json
from overture.domain.returns import RequestReturn, ReturnLineRequest, ReturnReason, Settlement
from overture.services.errors import ErrorCode, FieldError, PayloadError

CHANNEL = "loop"
ORDER_CHANNEL = "shopify"
CREATE_TRIGGER = "return.created"
SIGNATURE_HEADER = "x-loop-signature"

OUTCOMES: dict[str, Settlement] = {
    "refund": Settlement.REFUND,
    "credit": Settlement.STORE_CREDIT,
    "store_credit": Settlement.STORE_CREDIT,
    "gift_card": Settlement.STORE_CREDIT,
    "exchange": Settlement.EXCHANGE,
}
# Keywords of a merchant's reason (lower case), most specific first: the first that appears wins.
REASON_WORDS: tuple[tuple[str, ReturnReason], ...] = (
    ("not as described", ReturnReason.NOT_AS_DESCRIBED),
    ("not as pictured", ReturnReason.NOT_AS_DESCRIBED),
    ("no longer", ReturnReason.NO_LONGER_NEEDED),
    ("changed my mind", ReturnReason.NO_LONGER_NEEDED),
    ("don't want", ReturnReason.NO_LONGER_NEEDED),
    ("unwanted", ReturnReason.NO_LONGER_NEEDED),
    ("wrong item", ReturnReason.WRONG_ITEM),
    ("incorrect item", ReturnReason.WRONG_ITEM),
    ("wrong product", ReturnReason.WRONG_ITEM),
    ("damaged", ReturnReason.DAMAGED),
    ("broken", ReturnReason.DAMAGED),
    ("defective", ReturnReason.DEFECTIVE),
    ("faulty", ReturnReason.DEFECTIVE),
    ("doesn't work", ReturnReason.DEFECTIVE),
    ("too small", ReturnReason.SIZE_OR_FIT),
    ("too large", ReturnReason.SIZE_OR_FIT),
    ("too big", ReturnReason.SIZE_OR_FIT),
    ("size", ReturnReason.SIZE_OR_FIT),
    ("fit", ReturnReason.SIZE_OR_FIT),
    ("arrived late", ReturnReason.ARRIVED_LATE),
    ("too late", ReturnReason.ARRIVED_LATE),
    ("delayed", ReturnReason.ARRIVED_LATE),
)


def _text(value: Any) -> Any:
    """Loop's ids come as numbers on some pages and strings on others: both read as text."""
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return value


Id = Annotated[str, BeforeValidator(_text), Field(min_length=1, max_length=255)]


class _Lenient(BaseModel):
    model_config = ConfigDict(extra="ignore")


class _LineItem(_Lenient):
    line_item_id: Id | None = None
    sku: Annotated[str, Field(min_length=1, max_length=64)]
    quantity: Annotated[StrictInt, Field(ge=1, le=1_000_000)] = 1
    outcome: Annotated[str, Field(min_length=1)]
    return_reason: str | None = None
    parent_return_reason: str | None = None
    return_comment: str | None = None
    exchange_variant: Id | None = None


class _Exchange(_Lenient):
    variant_id: Id | None = None
    sku: str | None = None
    price: Any = None


class _Envelope(_Lenient):
    topic: str = ""
    trigger: Annotated[str, Field(min_length=1)]
    id: Id
    state: str | None = None


class _Return(_Envelope):
    order_name: str | None = None
    provider_order_id: Id | None = None
    line_items: Annotated[list[_LineItem], Field(min_length=1)]
    exchanges: list[_Exchange] = []


@dataclass(frozen=True, slots=True)
class LoopEvent:
    """What every Return webhook says, whatever its trigger: which return and what happened to it."""

    trigger: str
    return_id: str
    state: str


def describe(body: bytes) -> LoopEvent:
    """The trigger and Loop return id of a Return webhook; PayloadError when even those are unreadable."""
    envelope = parse_json(_Envelope, body)
    return LoopEvent(envelope.trigger, envelope.id, envelope.state or "")


def translate(body: bytes) -> RequestReturn:
    """A ``return.created`` body -> the return request; PayloadError naming each field it cannot map."""
    ret = parse_json(_Return, body)
    errors: list[FieldError] = []
    settlement = _settlement(ret.line_items, errors)
    order_id, order_field = _order(ret)
    if order_id is None:
        reason = "neither the Shopify order id nor the order name is given"
        errors.append(FieldError(order_field, ErrorCode.REQUIRED, reason))
    if errors:
        raise PayloadError(ErrorCode.VALIDATION_FAILED, errors)
    exchanges = {x.variant_id: x for x in ret.exchanges if x.variant_id}
    lines = tuple(_line(item, exchanges if settlement is Settlement.EXCHANGE else {}) for item in ret.line_items)
    return RequestReturn(
        channel=CHANNEL,
        external_id=ret.id,
        lines=lines,
        settlement=settlement,
        order_external_id=order_id,
        order_channel=ORDER_CHANNEL,
        actor=CHANNEL,
        note=f"Loop return {ret.id}" + (f" for Shopify order {ret.order_name}" if ret.order_name else ""),
    )


def _order(ret: _Return) -> tuple[str | None, str]:
    if ret.provider_order_id:
        return ret.provider_order_id, "provider_order_id"
    if ret.order_name and ret.order_name.strip():
        return ret.order_name.strip(), "order_name"
    return None, "provider_order_id"


def _settlement(items: list[_LineItem], errors: list[FieldError]) -> Settlement:
    found: Settlement | None = None
    for n, item in enumerate(items):
        where = f"line_items[{n}].outcome"
        settlement = OUTCOMES.get(item.outcome.strip().lower())
        if settlement is None:
            known = ", ".join(sorted(OUTCOMES))
            errors.append(FieldError(where, ErrorCode.INVALID_VALUE, f"{item.outcome!r} is not one of {known}"))
        elif found is not None and settlement is not found:
            reason = f"{item.outcome!r} after {found.value}: one return is settled one way; split it in Loop"
            errors.append(FieldError(where, ErrorCode.INVALID_VALUE, reason))
        else:
            found = settlement
    return found or Settlement.REFUND


def _line(item: _LineItem, exchanges: dict[str, _Exchange]) -> ReturnLineRequest:
    reason, note = reason_of(item.return_reason, item.parent_return_reason)
    if item.return_comment and item.return_comment.strip():
        note = f"{note}; customer: {item.return_comment.strip()}" if note else f"customer: {item.return_comment}"
    exchange = exchanges.get(item.exchange_variant or "")
    return ReturnLineRequest(
        quantity=item.quantity,
        reason=reason,
        sku=item.sku,
        note=note[:2000],
        exchange_sku=exchange.sku if exchange is not None and exchange.sku else None,
        exchange_unit_price=_price(exchange.price) if exchange is not None else None,
    )


def reason_of(reason: str | None, parent: str | None) -> tuple[ReturnReason, str]:
    """The merchant's reason (then its parent) matched to ours, and the words kept as the line's note."""
    words = [w.strip() for w in (reason, parent) if w and w.strip()]
    note = "Loop reason: " + " / ".join(words) if words else ""
    for text in words:
        lowered = text.lower()
        for keyword, ours in REASON_WORDS:
            if keyword in lowered:
                return ours, note
    return ReturnReason.OTHER, note


def _price(value: Any) -> Decimal | None:
    """An exchange's price as Loop's totals are written (a decimal string), else None (the line's own)."""
    if not isinstance(value, str):
        return None
    try:
        price = Decimal(value)
    except InvalidOperation:
        return None
    return price if price.is_finite() and price >= 0 else None
